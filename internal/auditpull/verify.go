package auditpull

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/manifest"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// A window's state after a check.
const (
	unchecked = iota
	verified
	missing
	mismatched
)

// verifyRun checks the manifests of the windows covering vr against their
// objects, without calling the audit API (README: "Audit pull", "Verify");
// with Repair it then pulls the missing and mismatched windows again with
// the time left. The checkpoint does not move.
func (p *Puller) verifyRun(ctx context.Context, vr VerifyRange, rn run) (Result, error) {
	ws, err := window.Cover(vr.Start, vr.End, p.Config.Window, MaxMaxBackfill)
	if err != nil {
		return emptyResult(), fmt.Errorf("auditpull: verify: %w", err)
	}
	p.log().InfoContext(ctx, "verify", "start", stamp(vr.Start), "end", stamp(vr.End), "windows", len(ws), "repair", vr.Repair)
	v, bad, err := p.verify(ctx, ws)
	res := emptyResult()
	if err != nil {
		return res, err
	}
	// Only windows that are due may be pulled: a range reaching past now −
	// LAG lists the windows not yet pulled as missing, and leaves them.
	due := p.now().Add(-p.Config.Lag)
	bad = slices.DeleteFunc(bad, func(w window.Window) bool { return w.End.After(due) })
	if vr.Repair && len(bad) > 0 {
		repair := emptyResult()
		pulled, err := p.pull(ctx, bad, &repair, rn, nil)
		for _, w := range pulled {
			v.Repaired = append(v.Repaired, w.String())
		}
		res.Records, res.Objects = repair.Records, repair.Objects
		if err != nil {
			return res, err
		}
	}
	res.Windows, res.Complete, res.NextStartTime = v.Windows, v.Complete, v.NextStartTime
	res.Verification = &v
	lvl := p.log().InfoContext
	if !v.Complete {
		lvl = p.log().WarnContext
	}
	lvl(ctx, "verify done", "windows", v.Windows, "verified", v.Verified, "missing", len(v.Missing),
		"mismatched", len(v.Mismatched), "repaired", len(v.Repaired), "complete", v.Complete)
	return res, nil
}

// verifyAfter checks the windows a scheduled run just pulled, when time is
// left; a failure to check is logged, not the run's failure.
func (p *Puller) verifyAfter(ctx context.Context, ws []window.Window) *Verification {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < 2*p.minMargin() {
		p.log().WarnContext(ctx, "no time left to verify the windows pulled", "windows", len(ws))
		return nil
	}
	v, _, err := p.verify(ctx, ws)
	if err != nil {
		p.log().WarnContext(ctx, "cannot verify the windows pulled", "error", err.Error())
		return nil
	}
	if len(v.Missing)+len(v.Mismatched) > 0 {
		p.log().WarnContext(ctx, "windows pulled do not verify", "missing", v.Missing, "mismatched", v.Mismatched)
	}
	return &v
}

// verify checks each window's manifest against its objects, up to the
// run's concurrency at a time, until done or the deadline is near. It
// returns the outcome and the windows that are missing or mismatched, in
// order.
func (p *Puller) verify(ctx context.Context, ws []window.Window) (Verification, []window.Window, error) {
	store := p.manifests()
	states := make([]int, len(ws))
	deadline, hasDeadline := ctx.Deadline()
	// A check still reading an object when the run must end is cut, and
	// its window counts as unchecked (next_start_time), not as an error.
	cctx := ctx
	if hasDeadline {
		var cancel context.CancelFunc
		cctx, cancel = context.WithDeadline(ctx, deadline.Add(-p.cleanup()))
		defer cancel()
	}
	var (
		mu       sync.Mutex
		nextIdx  int
		firstErr error
		wg       sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || nextIdx >= len(ws) {
			return 0, false
		}
		if hasDeadline && time.Until(deadline) < p.cleanup()+p.minMargin()/2 {
			return 0, false
		}
		nextIdx++
		return nextIdx - 1, true
	}
	for range p.concurrency(ctx) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ok := take(); ok; i, ok = take() {
				st, err := p.check(cctx, store, ws[i])
				if err != nil && cctx.Err() != nil && ctx.Err() == nil {
					st, err = unchecked, nil
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("auditpull: verify window %s: %w", ws[i], err)
				}
				states[i] = st
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return Verification{}, nil, firstErr
	}
	v := Verification{Windows: len(ws), Missing: []string{}, Mismatched: []string{}}
	var bad []window.Window
	for i, st := range states {
		switch st {
		case unchecked:
			if v.NextStartTime == "" {
				v.NextStartTime = stamp(ws[i].Start)
			}
		case verified:
			v.Verified++
		case missing:
			v.Missing = append(v.Missing, ws[i].String())
			bad = append(bad, ws[i])
		case mismatched:
			v.Mismatched = append(v.Mismatched, ws[i].String())
			bad = append(bad, ws[i])
		}
	}
	v.Complete = v.Verified == len(ws)
	return v, bad, nil
}

// check returns the state of one window.
func (p *Puller) check(ctx context.Context, store *manifest.Store, w window.Window) (int, error) {
	m, found, err := store.Get(ctx, w)
	if err != nil {
		return unchecked, err
	}
	if !found {
		return missing, nil
	}
	problem, err := store.Check(ctx, m)
	switch {
	case err != nil:
		return unchecked, err
	case problem.Reason == "":
		return verified, nil
	}
	p.log().WarnContext(ctx, "verify: window does not match its manifest", "window", w.String(), "problem", problem.Reason)
	if problem.Missing {
		return missing, nil
	}
	return mismatched, nil
}
