package auditpull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/manifest"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// Defaults of the deadline handling; see the package documentation.
const (
	DefaultMinMargin = 10 * time.Second
	DefaultCleanup   = 2 * time.Second
)

// PagesAPI is the audit API as the Puller uses it; *auditapi.Client
// satisfies it. The Puller delimits each record by canonjson's scan of it
// (auditapi.Records.Skip), so an auditapi.Client may Stream: each record is
// then read once. On an error the window is aborted, so records of a page
// found bad after they were read are never stored.
type PagesAPI interface {
	Pages(ctx context.Context, q auditapi.Query, fn func(records *auditapi.Records) error) error
}

// Puller pulls windows of audit records into S3.
type Puller struct {
	// Config is the configuration.
	Config Config
	// API pages through the audit records.
	API PagesAPI
	// Archive stores each window's object.
	Archive *archive.Archive
	// Checkpoints loads and advances the checkpoint (a checkpoint.Store at
	// Config.CheckpointKey in Lambda). Each run loads it before it advances
	// it.
	Checkpoints CheckpointStore
	// S3 holds the manifests, in Config.Bucket.
	S3 manifest.S3API
	// Logger receives one record per window; nil discards.
	Logger *slog.Logger
	// Metrics receives the CheckpointLagSeconds line of scheduled runs and
	// the PoisonRecords line of each window holding poison records
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

	metricsMu sync.Mutex // one metric line at a time from the windows in flight
}

// CheckpointStore is the checkpoint as a run uses it; *checkpoint.Store
// satisfies it. A run calls it from one goroutine at a time.
type CheckpointStore interface {
	Load(ctx context.Context) (cp checkpoint.Checkpoint, found bool, err error)
	Advance(ctx context.Context, next time.Time) error
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
	rn := run{}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		rn.requestID = lc.AwsRequestID
	}
	switch {
	case ev.Verify != nil:
		return p.verifyRun(ctx, *ev.Verify, rn)
	case ev.Backfill != nil:
		return p.backfill(ctx, *ev.Backfill, rn)
	}
	return p.scheduled(ctx, rn)
}

// scheduled pulls the due windows, advancing the checkpoint after each, then
// the rescan ones with the time left, so that a long RESCAN never holds the
// checkpoint back.
func (p *Puller) scheduled(ctx context.Context, rn run) (Result, error) {
	store := p.Checkpoints
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
	pulled, err := p.pull(ctx, append(due, rescan...), &res, rn, func(ctx context.Context, w window.Window) error {
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
	if err == nil && len(pulled) > 0 {
		res.Verify = p.verifyAfter(ctx, pulled)
	}
	return res, err
}

// backfill pulls the windows covering r; the checkpoint does not move.
// Cut short, its result names where to continue.
func (p *Puller) backfill(ctx context.Context, r Range, rn run) (Result, error) {
	ws, err := window.Cover(r.Start, r.End, p.Config.Window, p.Config.MaxBackfill)
	if err != nil {
		return emptyResult(), fmt.Errorf("auditpull: backfill: %w", err)
	}
	res := emptyResult()
	if cp, found, err := p.Checkpoints.Load(ctx); err != nil {
		p.log().WarnContext(ctx, "backfill: cannot read the checkpoint; it is left alone", "error", err.Error())
	} else if found {
		res.Checkpoint = stamp(cp.NextStartTime)
	}
	p.log().InfoContext(ctx, "backfill", "start", stamp(r.Start), "end", stamp(r.End), "windows", len(ws))
	next := 0
	_, err = p.pull(ctx, ws, &res, rn, func(context.Context, window.Window) error {
		next++
		return nil
	})
	if !res.Complete && next < len(ws) {
		res.NextStartTime = stamp(ws[next].Start)
	}
	return res, err
}

func (p *Puller) publishLag(ctx context.Context, next time.Time) {
	if p.Metrics == nil {
		return
	}
	p.metricsMu.Lock()
	defer p.metricsMu.Unlock()
	if err := writeLag(p.Metrics, p.Config.FunctionName, p.now(), next); err != nil {
		p.log().WarnContext(ctx, "cannot write the CheckpointLagSeconds metric", "error", err.Error())
	}
}

func (p *Puller) manifests() *manifest.Store {
	return &manifest.Store{S3: p.S3, Bucket: p.Config.Bucket, Prefix: p.Config.Prefix}
}

func (p *Puller) log() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
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

// publishPoison writes PoisonRecords for w; the Metrics writer is shared by
// the windows in flight.
func (p *Puller) publishPoison(ctx context.Context, w window.Window, n int) {
	if p.Metrics == nil {
		return
	}
	p.metricsMu.Lock()
	defer p.metricsMu.Unlock()
	if err := writePoison(p.Metrics, p.Config.FunctionName, p.now(), w.String(), n); err != nil {
		p.log().WarnContext(ctx, "cannot write the PoisonRecords metric", "error", err.Error())
	}
}
