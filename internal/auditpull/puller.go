package auditpull

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// Defaults of the deadline handling; see the package documentation.
const (
	DefaultMinMargin = 10 * time.Second
	DefaultCleanup   = 2 * time.Second
)

// PagesAPI is the audit API as the Puller uses it; *auditapi.Client
// satisfies it.
type PagesAPI interface {
	Pages(ctx context.Context, q auditapi.Query, fn func(records []json.RawMessage) error) error
}

// Puller pulls windows of audit records into S3.
type Puller struct {
	// Config is the configuration.
	Config Config
	// API pages through the audit records.
	API PagesAPI
	// Archive stores each window's object.
	Archive *archive.Archive
	// S3 holds the checkpoint object, in Config.Bucket.
	S3 checkpoint.S3API
	// Log receives one record per window; nil discards.
	Log *slog.Logger
	// Metrics receives the CheckpointLagSeconds line of scheduled runs
	// (os.Stdout in Lambda); nil discards.
	Metrics io.Writer
	// Now is the clock windows are due by; nil means time.Now.
	Now func() time.Time
	// MinMargin is the least time left before the deadline at which a
	// window is still started; 0 means DefaultMinMargin.
	MinMargin time.Duration
	// Cleanup is the time kept back before the deadline to abort a window
	// and return; 0 means DefaultCleanup.
	Cleanup time.Duration
}

// errOutOfTime ends the work of a run whose deadline is near.
var errOutOfTime = errors.New("auditpull: the invocation's deadline is near")

// errOvertaken ends a scheduled run whose checkpoint write found another run's checkpoint already
// at or past its own: that run is pulling the same windows, so this one stops, without error.
// Reserved concurrency 1 prevents this in the stack; a second stack or a local run on the same
// bucket and prefix can still cause it.
var errOvertaken = errors.New("auditpull: another run is ahead of this one")

// Run performs one invocation.
func (p *Puller) Run(ctx context.Context, ev Event) (Result, error) {
	if ev.Backfill != nil {
		return p.backfill(ctx, *ev.Backfill)
	}
	return p.scheduled(ctx)
}

// scheduled pulls the due windows, advancing the checkpoint after each, then
// the rescan ones with the time left, so that a long RESCAN never holds the
// checkpoint back.
func (p *Puller) scheduled(ctx context.Context) (Result, error) {
	store := p.store()
	cp, found, err := store.Load(ctx)
	if err != nil {
		return emptyResult(), fmt.Errorf("auditpull: %w", err)
	}
	now := p.now()
	from := cp.NextStartTime
	var rescan []window.Window
	switch {
	case found:
		rescan = window.Rescan(from, p.Config.Window, p.Config.Rescan)
	case !p.Config.StartTime.IsZero():
		from = p.Config.StartTime
	default:
		from = window.Align(now.Add(-FirstRunLookback), p.Config.Window)
	}
	due := window.Due(from, now, p.Config.Window, p.Config.Lag)
	// Due plans at most window.MaxDue windows: when more are due, this run cannot be complete.
	capped := len(due) == window.MaxDue &&
		!window.At(due[len(due)-1].End, p.Config.Window).End.After(now.Add(-p.Config.Lag))
	p.log().InfoContext(ctx, "scheduled run", "checkpoint", stamp(cp.NextStartTime), "from", stamp(from),
		"rescan_windows", len(rescan), "due_windows", len(due), "more_due", capped)

	res := emptyResult()
	res.Checkpoint = stamp(cp.NextStartTime)
	next := cp.NextStartTime
	defer func() {
		if !next.IsZero() {
			p.publishLag(ctx, next)
		}
	}()
	if !found && (len(due) == 0 || p.Config.StartTime.IsZero()) {
		// Pin the start before pulling, so that a later run does not recompute it from its own
		// clock: without START_TIME, after a first run that failed or was cut short, it would
		// start later, and the hours in between would never be pulled.
		if err := store.Advance(ctx, from); err != nil {
			return res, fmt.Errorf("auditpull: %w", err)
		}
		next = from
		res.Checkpoint = stamp(from)
	}
	err = p.pull(ctx, append(due, rescan...), &res, func(ctx context.Context, w window.Window) error {
		if w.End.After(next) {
			var ahead *checkpoint.AheadError
			if err := store.Advance(ctx, w.End); errors.As(err, &ahead) {
				next = ahead.Stored
				res.Checkpoint = stamp(next)
				return fmt.Errorf("%w: %w", errOvertaken, err)
			} else if err != nil {
				return err
			}
			next = w.End
			res.Checkpoint = stamp(next)
		}
		return nil
	})
	if capped && res.Complete {
		p.log().WarnContext(ctx, "more windows are due than a run plans; the next run goes on", "windows", window.MaxDue)
		res.Complete = false
	}
	return res, err
}

// backfill pulls the windows covering r; the checkpoint does not move.
func (p *Puller) backfill(ctx context.Context, r Range) (Result, error) {
	ws, err := window.Cover(r.Start, r.End, p.Config.Window, p.Config.MaxBackfill)
	if err != nil {
		return emptyResult(), fmt.Errorf("auditpull: backfill: %w", err)
	}
	res := emptyResult()
	if cp, found, err := p.store().Load(ctx); err != nil {
		p.log().WarnContext(ctx, "backfill: cannot read the checkpoint; it is left alone", "error", err.Error())
	} else if found {
		res.Checkpoint = stamp(cp.NextStartTime)
	}
	p.log().InfoContext(ctx, "backfill", "start", stamp(r.Start), "end", stamp(r.End), "windows", len(ws))
	return res, p.pull(ctx, ws, &res, nil)
}

// pull pulls ws in order, calling stored after each (on a context that
// survives the cleanup time), until all are done, one fails, or the
// deadline is near.
func (p *Puller) pull(ctx context.Context, ws []window.Window, res *Result, stored func(context.Context, window.Window) error) error {
	work := ctx
	deadline, hasDeadline := ctx.Deadline()
	var cleanup, minMargin time.Duration
	if hasDeadline {
		// A short invocation scales both down, so that any function timeout makes progress.
		budget := time.Until(deadline)
		cleanup, minMargin = min(p.cleanup(), budget/10), min(p.minMargin(), budget/4)
		var cancel context.CancelFunc
		work, cancel = context.WithDeadlineCause(ctx, deadline.Add(-cleanup), errOutOfTime)
		defer cancel()
	}
	var slowest time.Duration
	sc := &scratch{seen: idSet{}}
	for i, w := range ws {
		if hasDeadline {
			margin := max(minMargin, slowest)
			if left := time.Until(deadline) - cleanup; left < margin {
				p.log().WarnContext(ctx, "stopping before the deadline", "windows_left", len(ws)-i,
					"time_left", left.String(), "margin", margin.String())
				return nil
			}
		}
		began := time.Now()
		out, err := p.window(work, w, sc)
		if err != nil {
			if outOfTime(work, err) && ctx.Err() == nil {
				p.log().WarnContext(ctx, "window cut short by the deadline; nothing stored for it", "window", w.String(),
					"error", err.Error())
				return nil
			}
			return err
		}
		took := time.Since(began)
		slowest = max(slowest, took)
		res.Windows++
		res.Records += out.records
		if out.key != "" {
			res.Objects = append(res.Objects, out.key)
		}
		if stored != nil {
			if err := stored(ctx, w); errors.Is(err, errOvertaken) {
				p.log().WarnContext(ctx, "another run is ahead; stopping", "window", w.String(), "error", err.Error())
				return nil
			} else if err != nil {
				return fmt.Errorf("auditpull: window %s: stored, but the checkpoint: %w", w, err)
			}
		}
		p.log().InfoContext(ctx, "window pulled", "window", w.String(), "key", out.key, "records", out.records,
			"duplicates", out.duplicates, "pages", out.pages, "duration_ms", took.Milliseconds(), "checkpoint", res.Checkpoint)
	}
	res.Complete = true
	return nil
}

// outOfTime reports whether err ended a window because the run's time is
// short: the work context reached its deadline, or a retry gave up because
// its next wait would pass that deadline (not an earlier one of its own).
func outOfTime(work context.Context, err error) bool {
	if errors.Is(context.Cause(work), errOutOfTime) {
		return true
	}
	var de *retry.DeadlineError
	if !errors.As(err, &de) {
		return false
	}
	deadline, ok := work.Deadline()
	return ok && !de.Deadline.Before(deadline)
}

func (p *Puller) publishLag(ctx context.Context, next time.Time) {
	if p.Metrics == nil {
		return
	}
	if err := writeLag(p.Metrics, p.Config.FunctionName, p.now(), next); err != nil {
		p.log().WarnContext(ctx, "cannot write the CheckpointLagSeconds metric", "error", err.Error())
	}
}

func (p *Puller) store() *checkpoint.Store {
	return &checkpoint.Store{S3: p.S3, Bucket: p.Config.Bucket, Key: p.Config.CheckpointKey(), Now: p.Now}
}

func (p *Puller) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

func (p *Puller) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Puller) minMargin() time.Duration {
	if p.MinMargin > 0 {
		return p.MinMargin
	}
	return DefaultMinMargin
}

func (p *Puller) cleanup() time.Duration {
	if p.Cleanup > 0 {
		return p.Cleanup
	}
	return DefaultCleanup
}

func emptyResult() Result { return Result{Objects: []string{}} }

// stamp renders a checkpoint time, "" for none.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
