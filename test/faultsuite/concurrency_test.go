package faultsuite

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/runtimeapi"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// TestConcurrency runs the built auditpull bootstrap with AUDIT_CONCURRENCY 8 (README: "Audit
// pull", "Backlogs"): killed with eight windows in flight and run again, and two at once on one
// bucket and prefix. The checkpoint is never ahead of a stored window and never moves back.
func TestConcurrency(t *testing.T) {
	e := newAWS(t)
	bootstrap := testenv.GoBuild(t, "./functions/auditpull", t.TempDir())
	t.Run("killed with 8 windows in flight and run again", func(t *testing.T) { killedInFlight(t, e, bootstrap) })
	t.Run("two concurrent pulls at once", func(t *testing.T) { twoConcurrentAtOnce(t, e, bootstrap) })
}

// startConcurrent starts the bootstrap for the rig with AUDIT_CONCURRENCY 8 at 256 MB, which
// holds 8 windows in flight.
func startConcurrent(t *testing.T, r *pullRig, bootstrap string, w *witness) *runtimeapi.Runtime {
	t.Helper()
	env := testenv.AWSEnv(r.aws.proxy.URL())
	for k, v := range r.env() {
		env = append(env, k+"="+v)
	}
	rt, err := runtimeapi.Start(context.Background(), runtimeapi.Config{
		Bootstrap: bootstrap, Env: append(env, "AWS_LAMBDA_LOG_LEVEL=DEBUG", "AUDIT_CONCURRENCY=8"),
		FunctionName: "auditpull", Timeout: 2 * time.Minute, MemoryMB: 256, Stdout: w, Stderr: w,
	})
	if err != nil {
		t.Fatalf("start bootstrap: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

// killedInFlight kills the bootstrap (SIGKILL) once the checkpoint passed a fifth of 48 windows,
// with eight in flight, and runs it again: every record lands, none is repeated within a window,
// and the checkpoint was never ahead of a stored window.
func killedInFlight(t *testing.T, e *awsEnv, bootstrap string) {
	e.fresh()
	w := newWitness(t)
	r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 40, PageSize: 10}, 48)
	r.ap.SetFaults(localavepoint.Faults{PageDelay: 30 * time.Millisecond})
	rt := startConcurrent(t, r, bootstrap, w)

	killAt := r.start.Add(10 * time.Hour)
	var once sync.Once
	killed := make(chan struct{})
	o := observe(t, r, func(cp time.Time) {
		if !cp.Before(killAt) {
			once.Do(func() {
				_ = rt.Kill()
				close(killed)
			})
		}
	})
	_, err := rt.Invoke(context.Background(), []byte(scheduledEvent))
	if !errors.Is(err, runtimeapi.ErrKilled) {
		t.Fatalf("first run: got %v; want it killed mid-run (is the run too fast to catch?)", err)
	}
	<-killed
	atKill, _ := r.checkpoint(t)
	ahead := 0
	for ws := atKill; ws.Before(r.end); ws = ws.Add(time.Hour) {
		if r.object(t, window.Window{Start: ws, End: ws.Add(time.Hour)}) != nil {
			ahead++
		}
	}
	t.Logf("killed with the checkpoint at %v, %v into the run; %d windows stored past it", atKill, atKill.Sub(r.start), ahead)

	res, err := rt.Invoke(context.Background(), []byte(scheduledEvent))
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	out := decode(t, res)
	w.note(out)
	o.finish(t)
	if !out.Complete {
		t.Fatalf("second run: got %+v; want complete", out)
	}
	end := ranTo(t, out.Checkpoint)
	if first := window.At(atKill, time.Hour); len(out.Objects) == 0 || out.Objects[0] != first.Key(r.prefix) {
		t.Errorf("second run started at %v; want the first unfinished window %v", out.Objects, first)
	}
	r.assertComplete(t, end)
	total := 0
	for ws := r.start; ws.Before(end); ws = ws.Add(time.Hour) {
		total += len(r.object(t, window.Window{Start: ws, End: ws.Add(time.Hour)}))
	}
	if want := r.ap.Count(r.start, end); total != want {
		t.Errorf("got %d records stored; want %d", total, want)
	}
	if out.Verify == nil || !out.Verify.Complete {
		t.Errorf("second run's verify = %+v; want every window it pulled verified", out.Verify)
	}
}

// twoConcurrentAtOnce starts two bootstraps with 8 windows in flight each on the same bucket and
// prefix: neither fails, the checkpoint never moves backwards, and every record lands once per
// window.
func twoConcurrentAtOnce(t *testing.T, e *awsEnv, bootstrap string) {
	e.fresh()
	w := newWitness(t)
	r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 40, PageSize: 10}, 40)
	r.ap.SetFaults(localavepoint.Faults{PageDelay: 10 * time.Millisecond})
	rts := []*runtimeapi.Runtime{startConcurrent(t, r, bootstrap, w), startConcurrent(t, r, bootstrap, w)}
	o := observe(t, r, nil)
	results := make([]runtimeapi.Result, len(rts))
	errs := make([]error, len(rts))
	var wg sync.WaitGroup
	for i, rt := range rts {
		wg.Go(func() { results[i], errs[i] = rt.Invoke(context.Background(), []byte(scheduledEvent)) })
	}
	wg.Wait()
	o.finish(t)
	complete := 0
	for i := range rts {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		if results[i].Error != nil {
			t.Errorf("run %d failed: %s; want success", i, results[i].Error.ErrorMessage)
			continue
		}
		if out := decode(t, results[i]); out.Complete {
			complete++
		}
		w.note(results[i].Payload)
	}
	if complete == 0 {
		t.Errorf("no run completed; want at least one")
	}
	cp, _ := r.checkpoint(t)
	end := ranTo(t, cp.Format(time.RFC3339))
	r.assertComplete(t, end)
}
