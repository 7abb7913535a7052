package auditpull

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// pull pulls ws, up to the run's concurrency at a time, started in order,
// and calls stored (on a context that survives the cleanup time) for each
// window of the contiguous prefix of stored windows, in order, so that a
// checkpoint moved by stored is never ahead of a stored window. It stops
// starting windows when one fails, another run is ahead, or the deadline
// is near, and waits for those in flight. It returns the windows stored.
func (p *Puller) pull(ctx context.Context, ws []window.Window, res *Result, rn run, stored func(context.Context, window.Window) error) ([]window.Window, error) {
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
	type done struct {
		i    int
		out  outcome
		took time.Duration
		err  error
		sc   *scratch
	}
	n := p.concurrency(ctx)
	results := make(chan done)
	free := make([]*scratch, 0, n)
	outs := make([]*outcome, len(ws))
	var (
		slowest           time.Duration
		started, inFlight int
		next              int // the first window not stored, or not yet handed to stored
		stop, cut         bool
		firstErr          error
		errAt             int // the window firstErr is of
	)
	// advance hands the contiguous prefix of stored windows to stored, in order.
	advance := func() {
		for ; next < len(ws) && outs[next] != nil; next++ {
			if stored == nil {
				continue
			}
			if err := stored(ctx, ws[next]); errors.Is(err, errOvertaken) {
				p.log().WarnContext(ctx, "another run is ahead; stopping", "window", ws[next].String(), "error", err.Error())
				stop, cut = true, true
				stored = nil
			} else if err != nil && firstErr == nil {
				firstErr, errAt = fmt.Errorf("auditpull: window %s: stored, but the checkpoint: %w", ws[next], err), next
				stop = true
				stored = nil
			}
		}
	}
	for {
		if n == 1 {
			advance() // one window at a time: the checkpoint moves before the next starts
		}
		for !stop && inFlight < n && started < len(ws) {
			if hasDeadline {
				margin := max(minMargin, slowest)
				if left := time.Until(deadline) - cleanup; left < margin {
					p.log().WarnContext(ctx, "stopping before the deadline", "windows_left", len(ws)-started,
						"time_left", left.String(), "margin", margin.String())
					stop, cut = true, true
					break
				}
			}
			sc := &scratch{seen: idSet{}}
			if len(free) > 0 {
				sc, free = free[len(free)-1], free[:len(free)-1]
			}
			i := started
			started++
			inFlight++
			go func() {
				began := time.Now()
				out, err := p.window(work, ws[i], sc, rn)
				results <- done{i: i, out: out, took: time.Since(began), err: err, sc: sc}
			}()
		}
		// The windows just started run while the checkpoint is written.
		advance()
		if inFlight == 0 {
			break
		}
		d := <-results
		inFlight--
		free = append(free, d.sc)
		if d.err != nil {
			stop = true
			if outOfTime(work, d.err) && (ctx.Err() == nil || cut) { // windows cut at once may be collected after the deadline
				p.log().WarnContext(ctx, "window cut short by the deadline; nothing stored for it", "window", ws[d.i].String(),
					"error", d.err.Error())
				cut = true
			} else if firstErr == nil || d.i < errAt {
				// The earliest window's failure is the one the checkpoint stops at.
				firstErr, errAt = d.err, d.i
			}
			continue
		}
		slowest = max(slowest, d.took)
		outs[d.i] = &d.out
		o := d.out
		p.log().InfoContext(ctx, "window pulled", "window", ws[d.i].String(), "key", o.key, "records", o.records,
			"duplicates", o.duplicates, "raw_id_records", o.raw, "quarantined", o.quarantined, "records_delta", o.delta,
			"pages", o.pages, "duration_ms", d.took.Milliseconds(), "checkpoint", res.Checkpoint)
	}
	var pulled []window.Window
	for i, o := range outs {
		if o == nil {
			continue
		}
		pulled = append(pulled, ws[i])
		res.Windows++
		res.Records += o.records
		if o.key != "" {
			res.Objects = append(res.Objects, o.key)
		}
	}
	if firstErr != nil {
		return pulled, firstErr
	}
	res.Complete = !cut && next == len(ws)
	return pulled, nil
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
