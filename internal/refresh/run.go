package refresh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// Result is the invocation's result (§1.5). Every list is present, empty
// when nothing belongs in it, and in configuration order.
type Result struct {
	// Refreshed names the targets whose token was written.
	Refreshed []string `json:"refreshed"`
	// Skipped names the targets whose stored token was fresh.
	Skipped []string `json:"skipped"`
	// Failed lists the targets that failed, with why.
	Failed []Failure `json:"failed"`
}

// Failure is one failed target.
type Failure struct {
	// Target is the target's name.
	Target string `json:"target"`
	// Error says what failed, never with a secret or token.
	Error string `json:"error"`
}

// FailedError is Run's error when targets failed; every other target was
// tried.
type FailedError struct {
	// Failed are the failures, in configuration order.
	Failed []Failure
}

// Error names the failed targets, then says why each failed.
func (e *FailedError) Error() string {
	names := make([]string, len(e.Failed))
	reasons := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		names[i] = f.Target
		reasons[i] = f.Error
	}
	return fmt.Sprintf("refresh: %d target(s) failed: %s: %s", len(e.Failed), strings.Join(names, ", "), strings.Join(reasons, "; "))
}

// Handle is the Lambda handler: it decodes the event and runs it. A failed
// invocation's error is logged, as aws-lambda-go does not return a result
// alongside it.
func (r *Refresher) Handle(ctx context.Context, payload json.RawMessage) (*Result, error) {
	ev, err := ParseEvent(payload)
	if err != nil {
		return nil, r.failed(ctx, err)
	}
	res, err := r.Run(ctx, ev)
	if err != nil {
		return nil, r.failed(ctx, err)
	}
	return res, nil
}

// failed logs why the invocation fails and returns err. For a run whose
// targets failed, the summary Run logged holds the result.
func (r *Refresher) failed(ctx context.Context, err error) error {
	r.logger().ErrorContext(ctx, "invocation failed", "error", err.Error())
	return err
}

// Run loads the configuration, selects the targets ev asks for and
// refreshes them concurrently. A bad selection or configuration is an error
// before any target runs, with a nil Result. When targets failed, the
// error is a *FailedError returned with the complete Result.
func (r *Refresher) Run(ctx context.Context, ev Event) (*Result, error) {
	start := time.Now()
	cfg, err := r.Config.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("refresh: load configuration: %w", err)
	}
	selected, err := selectTargets(cfg.Targets, ev)
	if err != nil {
		return nil, err
	}
	work, cancel := workContext(ctx, start)
	defer cancel()
	outcomes := r.runAll(ctx, work, selected, ev.Force)
	res := &Result{Refreshed: []string{}, Skipped: []string{}, Failed: []Failure{}}
	for _, o := range outcomes {
		switch {
		case o.err != nil:
			res.Failed = append(res.Failed, Failure{Target: o.target, Error: o.err.Error()})
		case o.refreshed:
			res.Refreshed = append(res.Refreshed, o.target)
		default:
			res.Skipped = append(res.Skipped, o.target)
		}
	}
	r.logger().InfoContext(ctx, "refresh finished",
		"refreshed", len(res.Refreshed), "skipped", len(res.Skipped), "failed", len(res.Failed),
		"force", ev.Force, "duration_ms", time.Since(start).Milliseconds(), "result", res)
	if len(res.Failed) > 0 {
		return res, &FailedError{Failed: res.Failed}
	}
	return res, nil
}

// runAll refreshes the targets in list, at most r.concurrency() at once, and returns
// their outcomes in the targets' order. A target still waiting for a slot
// when work ends fails without starting; ctx is kept for the writes.
func (r *Refresher) runAll(ctx, work context.Context, list []targets.Target, force bool) []outcome {
	outcomes := make([]outcome, len(list))
	slots := make(chan struct{}, r.concurrency())
	var wg sync.WaitGroup
	for i, t := range list {
		wg.Go(func() {
			fail := func() {
				outcomes[i] = outcome{target: t.Name, err: &targetError{target: t.Name, step: "wait for a slot", err: notStarted(work)}}
				r.logOutcome(ctx, outcomes[i])
				r.signal(ctx, t, outcomes[i])
			}
			select {
			case slots <- struct{}{}:
			case <-work.Done():
				fail()
				return
			}
			defer func() { <-slots }()
			// select picks at random when a slot and the cut-off are both
			// ready.
			if work.Err() != nil {
				fail()
				return
			}
			outcomes[i] = r.refreshTarget(ctx, work, t, force)
			r.logOutcome(ctx, outcomes[i])
			r.signal(ctx, t, outcomes[i])
		})
	}
	wg.Wait()
	return outcomes
}

// writeReserve is the most time kept back, before the invocation's deadline,
// to write the tokens obtained and answer.
const writeReserve = 2 * time.Second

// Why a target fails when the run's cut-off comes.
var (
	// errDeadlineNear is the cause of work's end at the cut-off.
	errDeadlineNear = errors.New("deadline near")
	// errNotStarted fails a target the cut-off found waiting for a slot.
	errNotStarted = fmt.Errorf("%w: not started", errDeadlineNear)
	// errTimedOut fails a target the cut-off found running.
	errTimedOut = fmt.Errorf("%w: timed out", errDeadlineNear)
)

// cutoff is when a run that starts at start, with the invocation's deadline,
// stops the targets' work: deadline − min(writeReserve, a quarter of the time
// left at start). A short invocation keeps a proportionate reserve rather
// than none.
func cutoff(deadline, start time.Time) time.Time {
	return deadline.Add(-min(writeReserve, deadline.Sub(start)/4))
}

// workContext bounds everything a target does but its write: the slot wait,
// the stored-value and secret reads, discovery and the token request. It ends
// at the cut-off, with cause errDeadlineNear, so that slow steps end as the
// targets' failures, with time left to write the tokens already obtained and
// report, rather than as a Lambda timeout that loses every target's result.
func workContext(ctx context.Context, start time.Time) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadlineCause(ctx, cutoff(deadline, start), errDeadlineNear)
}

// notStarted is why a target that did not start failed: errNotStarted at
// the cut-off, else why work ended (the invocation was cancelled).
func notStarted(work context.Context) error {
	if cause := context.Cause(work); !errors.Is(cause, errDeadlineNear) {
		return cause
	}
	return errNotStarted
}

// timedOut returns a step's error err, saying errTimedOut first when the
// step ran into the cut-off.
func timedOut(work context.Context, err error) error {
	if !errors.Is(context.Cause(work), errDeadlineNear) || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", errTimedOut, err)
}

// logOutcome writes one record for a target; never the token.
func (r *Refresher) logOutcome(ctx context.Context, o outcome) {
	attrs := []any{"target", o.target}
	expiry := "expires_at"
	if o.err != nil {
		// The token still stored, left as it was.
		expiry = "stored_expires_at"
	}
	if !o.expiresAt.IsZero() {
		attrs = append(attrs, expiry, o.expiresAt.UTC().Format(time.RFC3339))
	}
	switch {
	case o.err != nil:
		r.logger().ErrorContext(ctx, "target failed", append(attrs, "error", o.err.Error())...)
	case o.refreshed:
		attrs = append(attrs, "reason", o.reason, "auth_method", string(o.method), "token_endpoint", redact.URL(o.tokenURL))
		r.logger().InfoContext(ctx, "target refreshed", attrs...)
	default:
		r.logger().InfoContext(ctx, "target skipped", append(attrs, "reason", o.reason)...)
	}
}

// LogValue lets slog log a Result as a group.
func (res *Result) LogValue() slog.Value {
	if res == nil {
		return slog.AnyValue(nil)
	}
	return slog.GroupValue(
		slog.Any("refreshed", res.Refreshed),
		slog.Any("skipped", res.Skipped),
		slog.Any("failed", res.Failed),
	)
}
