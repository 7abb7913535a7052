package auditpull_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// TestOvertakenRunStopsWithoutError: when another run moved the checkpoint past this run's
// window while the window was being pulled, the checkpoint write is refused (never backwards) and
// this run stops, successfully and incomplete, leaving the rest to the run that is ahead.
func TestOvertakenRunStopsWithoutError(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	var r *rig
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if calls.Add(1) == 1 {
			r.setCheckpoint(day0.Add(3 * time.Hour)) // the other run, three windows ahead
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"nextLink":null,"data":[]}`))
	}))
	t.Cleanup(api.Close)
	r = newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL, "AUDIT_CONCURRENCY": "1"})
	r.setCheckpoint(day0)
	r.now = day0.Add(4*time.Hour + 5*time.Minute)
	res, err := r.invoke(context.Background(), scheduledEvent)
	if err != nil {
		t.Fatalf("got error %v; want an overtaken run to stop without error", err)
	}
	if res.Complete || res.Windows != 1 || res.Checkpoint != stamp(day0.Add(3*time.Hour)) {
		t.Errorf("result = %+v; want 1 window, complete false, the other run's checkpoint", res)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("got %d API calls; want 1 (no window after being overtaken)", got)
	}
	r.checkOnlyCheckpoint(day0.Add(3 * time.Hour))
}
