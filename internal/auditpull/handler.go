package auditpull

import (
	"context"
	"encoding/json"
	"log/slog"
)

// Handler is the Lambda handler of functions/auditpull.
type Handler struct {
	// Puller does the work.
	Puller *Puller
	// Logger receives the outcome of each invocation; nil discards.
	Logger *slog.Logger
}

// Handle decodes the event, runs it, and returns the result; a failed run
// is logged and returned as the invocation's error.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (Result, error) {
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ev, err := ParseEvent(payload)
	if err != nil {
		log.ErrorContext(ctx, "bad event", "error", err.Error())
		return Result{}, err
	}
	res, err := h.Puller.Run(ctx, ev)
	if err != nil {
		log.ErrorContext(ctx, "audit pull failed", "error", err.Error(), "windows", res.Windows,
			"records", res.Records, "objects", res.Objects, "checkpoint", res.Checkpoint)
		return Result{}, err
	}
	log.InfoContext(ctx, "audit pull done", "windows", res.Windows, "records", res.Records,
		"objects", len(res.Objects), "checkpoint", res.Checkpoint, "complete", res.Complete)
	return res, nil
}
