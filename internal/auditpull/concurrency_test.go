package auditpull_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// TestConcurrentWindowsCheckpointExact: with 8 windows in flight and the
// fourth failing, the run fails naming it, the checkpoint stops at its
// start (whatever was stored after it), and a rerun lands every window.
func TestConcurrentWindowsCheckpointExact(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	api := newWindowAPI(t)
	for h := range 12 {
		api.set(day0.Add(time.Duration(h)*time.Hour), fmt.Sprintf(`{"actionName":"R%d","actionTime":"%s"}`, h, stamp(day0.Add(time.Duration(h)*time.Hour+time.Minute))))
	}
	broken := stamp(day0.Add(3 * time.Hour))
	api.answer = func(w http.ResponseWriter, start string) bool {
		if start != broken {
			return false
		}
		time.Sleep(200 * time.Millisecond) // the windows after it finish first
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>maintenance</html>")
		return true
	}
	r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL, "AUDIT_CONCURRENCY": "8"})
	r.setCheckpoint(day0)
	r.now = day0.Add(12*time.Hour + 10*time.Minute)
	_, err := r.invoke(context.Background(), scheduledEvent)
	if err == nil || !strings.Contains(err.Error(), "window "+broken) {
		t.Fatalf("error = %v; want one naming the window from %s", err, broken)
	}
	if got := r.checkpoint(); got != broken {
		t.Errorf("checkpoint = %s; want %s, the failed window's start", got, broken)
	}
	ws := windows(day0, day0.Add(12*time.Hour), time.Hour)
	for _, w := range ws[:3] {
		r.checkWindow(w, [][]byte{[]byte(fmt.Sprintf(`{"actionName":"R%d","actionTime":"%s"}`, w.Start.Hour(), stamp(w.Start.Add(time.Minute))))})
	}

	api.mu.Lock()
	api.answer = nil
	api.mu.Unlock()
	res := r.mustInvoke(context.Background(), scheduledEvent)
	if res.Checkpoint != stamp(day0.Add(12*time.Hour)) || !res.Complete || res.Windows != 9 {
		t.Errorf("rerun = %+v; want 9 windows, complete, checkpoint %s", res, stamp(day0.Add(12*time.Hour)))
	}
	for _, w := range ws {
		r.checkWindow(w, [][]byte{[]byte(fmt.Sprintf(`{"actionName":"R%d","actionTime":"%s"}`, w.Start.Hour(), stamp(w.Start.Add(time.Minute))))})
	}
}

// TestA429StormOnOneWindowSlowsTheOthers: the first request of one window
// answers 429 with Retry-After: 1; no window sends a request in the second
// after it.
func TestA429StormOnOneWindowSlowsTheOthers(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	api := newWindowAPI(t)
	storm := stamp(day0)
	var (
		mu        sync.Mutex
		throttled time.Time
	)
	api.answer = func(w http.ResponseWriter, start string) bool {
		mu.Lock()
		first := start == storm && throttled.IsZero()
		if first {
			throttled = time.Now()
		}
		mu.Unlock()
		if !first {
			time.Sleep(20 * time.Millisecond)
			return false
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL, "AUDIT_CONCURRENCY": "4"})
	res := r.mustInvoke(context.Background(), backfillEvent(day0, day0.Add(8*time.Hour)))
	if res.Windows != 8 || !res.Complete {
		t.Fatalf("result = %+v; want 8 windows, complete", res)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	held := 0
	for _, s := range api.sent {
		d := s.at.Sub(throttled)
		if d > 20*time.Millisecond && d < 950*time.Millisecond {
			t.Errorf("window %s sent a request %s after the 429; want none within its Retry-After", s.startTime, d)
		}
		if s.startTime != storm && d >= 950*time.Millisecond {
			held++
		}
	}
	// Windows 1 to 3 may have finished with the 429; 4 to 7 started after it.
	if held < 4 {
		t.Errorf("%d requests of other windows after the hold; want at least 4 held", held)
	}
}

// TestBackfillCutShortNamesWhereToContinue: a backfill out of time returns
// next_start_time, the first window not stored; a backfill from there
// completes the range, the loop README "Backlogs" shows.
func TestBackfillCutShortNamesWhereToContinue(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 6, RecordsPerHour: 40, PageSize: 20}, map[string]string{"AUDIT_CONCURRENCY": "2"})
	r.puller.MinMargin, r.puller.Cleanup = time.Millisecond, 100*time.Millisecond
	r.api.SetFaults(localavepoint.Faults{PageDelay: 150 * time.Millisecond})
	end := day0.Add(24 * time.Hour)
	start, runs := day0, 0
	for ; runs < 20; runs++ {
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		res := r.mustInvoke(ctx, backfillEvent(start, end))
		cancel()
		if res.Complete {
			if res.NextStartTime != "" {
				t.Errorf("complete backfill has next_start_time %s; want none", res.NextStartTime)
			}
			break
		}
		next, err := time.Parse(time.RFC3339, res.NextStartTime)
		if err != nil || next.Before(start) || !next.Before(end) {
			t.Fatalf("backfill from %s cut short: next_start_time %q; want a window start from it on", stamp(start), res.NextStartTime)
		}
		start = next
	}
	if runs == 0 || runs == 20 {
		t.Fatalf("the loop took %d backfills; want more than one, fewer than 20", runs+1)
	}
	r.checkWindows(day0, end)
	if got := r.checkpoint(); got != "" {
		t.Errorf("checkpoint after backfills = %q; want none", got)
	}
}
