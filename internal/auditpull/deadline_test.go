package auditpull_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

func TestDeadlineMidWindowStoresNothing(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	// Five pages of 400 ms a window: a 1.2 s deadline cuts the first one.
	r := newRig(t, env, localavepoint.Config{Seed: 4, RecordsPerHour: 100, PageSize: 20}, nil)
	r.puller.MinMargin, r.puller.Cleanup = time.Millisecond, 100*time.Millisecond
	r.setCheckpoint(day0)
	r.api.SetFaults(localavepoint.Faults{PageDelay: 400 * time.Millisecond})
	r.now = day0.Add(3 * time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	res := r.mustInvoke(ctx, scheduledEvent)
	if res.Complete || res.Windows != 0 || len(res.Objects) != 0 || res.Checkpoint != stamp(day0) {
		t.Errorf("result = %+v; want incomplete, no window, checkpoint %s", res, stamp(day0))
	}
	r.checkOnlyCheckpoint(day0)
	if !strings.Contains(r.logs.String(), "window cut short by the deadline") {
		t.Errorf("the run did not report a window cut short: %s", r.logs.String())
	}
}

func TestRunCutShortResumes(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	// Three pages of at least 100 ms a window: twelve windows take more than
	// the 2.5 s deadline, the first one much less.
	const total = 12
	r := newRig(t, env, localavepoint.Config{Seed: 6, RecordsPerHour: 60, PageSize: 20}, map[string]string{"AUDIT_CONCURRENCY": "1"})
	r.puller.MinMargin, r.puller.Cleanup = time.Millisecond, 100*time.Millisecond
	r.setCheckpoint(day0)
	r.api.SetFaults(localavepoint.Faults{PageDelay: 100 * time.Millisecond})
	r.now = day0.Add(total*time.Hour + 5*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	first := r.mustInvoke(ctx, scheduledEvent)
	n := first.Windows
	if first.Complete || n < 1 || n >= total || len(first.Objects) != n || first.Checkpoint != stamp(day0.Add(time.Duration(n)*time.Hour)) {
		t.Fatalf("cut-short run = %+v; want incomplete after 1 to %d windows, the checkpoint at the last one's end", first, total-1)
	}
	if got := r.checkpoint(); got != first.Checkpoint {
		t.Errorf("stored checkpoint = %s; want %s", got, first.Checkpoint)
	}

	r.api.SetFaults(localavepoint.Faults{})
	second := r.mustInvoke(context.Background(), scheduledEvent)
	end := day0.Add(total * time.Hour)
	if !second.Complete || second.Windows != total-n || second.Checkpoint != stamp(end) {
		t.Errorf("next run = %+v; want complete, %d windows, checkpoint %s", second, total-n, stamp(end))
	}
	if all := append(first.Objects, second.Objects...); !slices.Equal(all, wantKeys(r, windows(day0, end, time.Hour))) {
		t.Errorf("objects of both runs = %v; want each window once", all)
	}
	r.checkWindows(day0, end)
}

func TestShortTimeoutStillMakesProgress(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	// The default margin (10 s) and cleanup (2 s) exceed this run's time:
	// they shrink to its scale instead of stopping it before any window.
	r := newRig(t, env, localavepoint.Config{Seed: 7, RecordsPerHour: 10, PageSize: 10}, nil)
	r.setCheckpoint(day0)
	r.now = day0.Add(2*time.Hour + 5*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	res := r.mustInvoke(ctx, scheduledEvent)
	if res.Windows == 0 || res.Checkpoint == stamp(day0) {
		t.Errorf("result = %+v; want at least one window pulled", res)
	}
}

func TestRetryAfterPastTheDeadlineEndsTheRunIncomplete(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 4, RecordsPerHour: 30, PageSize: 10}, map[string]string{"AUDIT_CONCURRENCY": "1"})
	r.setCheckpoint(day0)
	r.api.SetFaults(localavepoint.Faults{ThrottleEvery: 1, RetryAfter: 10 * time.Minute})
	r.now = day0.Add(3 * time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := r.invoke(ctx, scheduledEvent)
	if err != nil {
		t.Fatalf("got error %v; want a run that stops for lack of time, without error", err)
	}
	if res.Complete || res.Windows != 0 || len(res.Objects) != 0 || res.Checkpoint != stamp(day0) {
		t.Errorf("result = %+v; want incomplete, no window, checkpoint %s", res, stamp(day0))
	}
	if n := r.api.Stats().AuditRequests; n != 1 {
		t.Errorf("got %d audit requests; want 1 (no wait that cannot end in time)", n)
	}
	r.checkOnlyCheckpoint(day0)
	if !strings.Contains(r.logs.String(), "window cut short by the deadline") {
		t.Errorf("the run did not report a window cut short: %s", r.logs.String())
	}
}

// shortQueries gives each query a deadline of its own, well before the run's.
type shortQueries struct {
	api     auditpull.PagesAPI
	timeout time.Duration
}

func (s shortQueries) Pages(ctx context.Context, q auditapi.Query, fn func(*auditapi.Records) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.api.Pages(ctx, q, fn)
}

// TestRetryPastAnotherDeadlineFails: a retry that gives up on a deadline
// shorter than the run's is a failure, not a lack of the run's time.
func TestRetryPastAnotherDeadlineFails(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 4, RecordsPerHour: 30, PageSize: 10}, nil)
	r.puller.API = shortQueries{api: r.puller.API, timeout: 2 * time.Second}
	r.setCheckpoint(day0)
	r.api.SetFaults(localavepoint.Faults{ThrottleEvery: 1, RetryAfter: 10 * time.Second})
	r.now = day0.Add(3 * time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := r.invoke(ctx, scheduledEvent)
	if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "would pass the deadline") {
		t.Fatalf("got error %v; want the 429 whose Retry-After passes the query's own deadline", err)
	}
	r.checkOnlyCheckpoint(day0)
}
