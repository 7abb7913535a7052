package faultsuite

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// auditFaults breaks the audit API in every way issue 5 lists, under the audit pull
// (internal/auditpull over internal/auditapi), and checks what lands in S3 and the checkpoint.
// oneAtATime pulls one window at a time (AUDIT_CONCURRENCY=1): these faults count the requests
// and time of each window as if alone; TestConcurrency covers windows in flight.
func oneAtATime(p *auditpull.Puller) *auditpull.Puller {
	p.Config.Concurrency = 1
	return p
}

func auditFaults(t *testing.T, e *awsEnv) {
	// Two windows of 30 records in pages of 10: three pages a window.
	lcfg := localavepoint.Config{RecordsPerHour: 30, PageSize: 10}
	const deadline = 10 * time.Second

	survives := func(name string, f localavepoint.Faults, check func(t *testing.T, r *pullRig)) {
		t.Run(name, func(t *testing.T) {
			e.fresh()
			w := newWitness(t)
			r := newPullRig(t, e, lcfg, 2)
			r.ap.SetFaults(f)
			res, _, err := r.run(t, w, oneAtATime(r.puller(t, w, nil)), deadline)
			if err != nil || !res.Complete || res.Windows != 2 {
				t.Fatalf("got %+v, %v; want a complete run of 2 windows", res, err)
			}
			if cp, _ := r.checkpoint(t); !cp.Equal(r.end) {
				t.Errorf("got checkpoint %v; want %v", cp, r.end)
			}
			r.assertComplete(t, r.end)
			if check != nil {
				check(t, r)
			}
		})
	}
	// fails runs a pull that must fail on its first window: the error says want, nothing is
	// stored and no checkpoint is written, within the deadline.
	fails := func(t *testing.T, r *pullRig, p *auditpull.Puller, want ...string) {
		t.Helper()
		w := newWitness(t)
		res, took, err := r.run(t, w, p, deadline)
		if err == nil {
			t.Fatalf("got %+v and no error; want the run to fail", res)
		}
		first := window.Window{Start: r.start, End: r.start.Add(time.Hour)}
		for _, s := range append(want, first.String()) {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("got error %q; want it to say %q", err, s)
			}
		}
		if took > deadline {
			t.Errorf("took %v; want within the deadline %v", took, deadline)
		}
		t.Logf("failed as expected after %v: %v", took.Round(time.Millisecond), err)
		if cp, found := r.checkpoint(t); found {
			t.Errorf("got checkpoint %v; want none (nothing was stored)", cp)
		}
		if lines := r.object(t, first); lines != nil {
			t.Errorf("got an object of %d lines for the failed window; want none", len(lines))
		}
		r.assertNoMultipart(t)
	}
	failing := func(name string, f localavepoint.Faults, timeout time.Duration, check func(t *testing.T, r *pullRig), want ...string) {
		t.Run(name, func(t *testing.T) {
			e.fresh()
			r := newPullRig(t, e, lcfg, 2)
			r.ap.SetFaults(f)
			fails(t, r, oneAtATime(r.puller(t, newWitness(t), r.api(t, timeout))), want...)
			if check != nil {
				check(t, r)
			}
		})
	}

	survives("429 with Retry-After", localavepoint.Faults{ThrottleEvery: 4, RetryAfter: time.Second}, func(t *testing.T, r *pullRig) {
		if n := r.ap.Stats().TooManyRequests; n < 1 {
			t.Errorf("got %d 429 answers; want at least 1", n)
		}
	})
	survives("502 burst with HTML bodies", localavepoint.Faults{ErrorBurst: 3, ErrorStatus: http.StatusBadGateway}, nil)
	survives("504 burst", localavepoint.Faults{ErrorBurst: 2, ErrorStatus: http.StatusGatewayTimeout}, nil)
	failing("5xx that persists", localavepoint.Faults{ErrorBurst: 1000, ErrorStatus: http.StatusServiceUnavailable}, 5*time.Second,
		func(t *testing.T, r *pullRig) {
			if n := r.ap.Stats().AuditRequests; n != 6 {
				t.Errorf("got %d audit requests; want 6 (the retry policy's attempts)", n)
			}
		}, "503")
	t.Run("429 with a Retry-After past the deadline", func(t *testing.T) {
		// Not a failure: the run is out of time. It stops incomplete, storing nothing for the
		// window, and the next run pulls it.
		e.fresh()
		w := newWitness(t)
		r := newPullRig(t, e, lcfg, 2)
		r.ap.SetFaults(localavepoint.Faults{ThrottleEvery: 1, RetryAfter: 10 * time.Minute})
		res, took, err := r.run(t, w, oneAtATime(r.puller(t, w, r.api(t, 5*time.Second))), deadline)
		if err != nil || res.Complete || res.Windows != 0 || len(res.Objects) != 0 {
			t.Fatalf("got %+v, %v; want an incomplete run of no window, without error", res, err)
		}
		if took > time.Second {
			t.Errorf("took %v; want no wait that cannot end before the deadline", took)
		}
		if n := r.ap.Stats().AuditRequests; n != 1 {
			t.Errorf("got %d audit requests; want 1 (no wait that cannot end before the deadline)", n)
		}
		if cp, found := r.checkpoint(t); found {
			t.Errorf("got checkpoint %v; want none, as before the run", cp)
		}
		if lines := r.object(t, window.Window{Start: r.start, End: r.start.Add(time.Hour)}); lines != nil {
			t.Errorf("got an object of %d lines for the window; want none", len(lines))
		}
		r.assertNoMultipart(t)
	})
	failing("timeouts", localavepoint.Faults{PageDelay: 3 * time.Second}, 200*time.Millisecond, nil, "Timeout")
	failing("page that is not JSON", localavepoint.Faults{NotJSONPage: 2}, 5*time.Second,
		func(t *testing.T, r *pullRig) {
			if n := r.ap.Stats().AuditRequests; n != 2 {
				t.Errorf("got %d audit requests; want 2 (a bad page is not retried)", n)
			}
		}, "JSON")
	failing("repeating nextLink", localavepoint.Faults{RepeatNextLink: true}, 5*time.Second,
		func(t *testing.T, r *pullRig) {
			if n := r.ap.Stats().AuditRequests; n > 3 {
				t.Errorf("got %d audit requests; want the loop caught at once, at most 3", n)
			}
		}, "loop")
	t.Run("foreign nextLink", func(t *testing.T) {
		e.fresh()
		var foreign atomic.Int32
		elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			foreign.Add(1)
		}))
		defer elsewhere.Close()
		r := newPullRig(t, e, lcfg, 2)
		r.ap.SetFaults(localavepoint.Faults{ForeignNextLink: elsewhere.URL})
		fails(t, r, oneAtATime(r.puller(t, newWitness(t), nil)), "nextLink", "the token is not sent there")
		if n := foreign.Load(); n != 0 {
			t.Errorf("the foreign host got %d requests; want none (the token is never sent there)", n)
		}
	})
	t.Run("token expires mid-pagination and a rotated one is in SSM", func(t *testing.T) {
		e.fresh()
		w := newWitness(t)
		r := newPullRig(t, e, lcfg, 2)
		r.ap.SetFaults(localavepoint.Faults{ExpireTokenAfterCalls: 2})
		p := oneAtATime(r.puller(t, w, rotating{api: r.api(t, 5*time.Second), rotate: func() {
			r.storeToken(t, r.ap.IssueToken(localavepoint.AuditScope, 0))
		}}))
		res, _, err := r.run(t, w, p, deadline)
		if err != nil || !res.Complete {
			t.Fatalf("got %+v, %v; want a complete run", res, err)
		}
		if n := r.ap.Stats().Unauthorized; n < 1 {
			t.Errorf("got %d 401 answers; want the expired token refused at least once", n)
		}
		r.assertComplete(t, r.end)
	})
	t.Run("token expires mid-pagination and nothing replaces it", func(t *testing.T) {
		e.fresh()
		r := newPullRig(t, e, lcfg, 2)
		r.ap.SetFaults(localavepoint.Faults{ExpireTokenAfterCalls: 2})
		// The first window's first two pages are fetched, then 401, re-read, 401: the window fails.
		fails(t, r, oneAtATime(r.puller(t, newWitness(t), nil)), "401", r.param)
	})
	t.Run("slow API past the deadline stops early, then the next run completes", func(t *testing.T) {
		e.fresh()
		w := newWitness(t)
		r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 30, PageSize: 10}, 4)
		r.ap.SetFaults(localavepoint.Faults{PageDelay: 150 * time.Millisecond})
		p := oneAtATime(r.puller(t, w, nil))
		p.MinMargin, p.Cleanup = 100*time.Millisecond, 100*time.Millisecond
		res, took, err := r.run(t, w, p, 1500*time.Millisecond)
		if err != nil || res.Complete {
			t.Fatalf("got %+v, %v; want an incomplete run without error", res, err)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("took %v; want within the 1.5s deadline", took)
		}
		cp, _ := r.checkpoint(t)
		if !cp.Before(r.end) {
			t.Errorf("got checkpoint %v; want it before %v (the run stopped early)", cp, r.end)
		}
		r.assertComplete(t, cp) // every window before the checkpoint is stored
		r.ap.SetFaults(localavepoint.Faults{})
		res, _, err = r.run(t, w, oneAtATime(r.puller(t, w, nil)), deadline)
		if err != nil || !res.Complete {
			t.Fatalf("second run: got %+v, %v; want complete", res, err)
		}
		r.assertComplete(t, r.end)
	})
}

// rotating is the audit API with a refresher rotating the token in SSM after every page.
type rotating struct {
	api    *auditapi.Client
	rotate func()
}

func (r rotating) Pages(ctx context.Context, q auditapi.Query, fn func(*auditapi.Records) error) error {
	return r.api.Pages(ctx, q, func(recs *auditapi.Records) error {
		r.rotate()
		return fn(recs)
	})
}
