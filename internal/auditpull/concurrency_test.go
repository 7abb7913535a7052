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
