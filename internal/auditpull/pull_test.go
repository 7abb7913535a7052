package auditpull_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// wantKeys is the keys of ws's objects.
func wantKeys(r *rig, ws []window.Window) []string {
	var keys []string
	for _, w := range ws {
		keys = append(keys, w.Key(r.cfg.Prefix))
	}
	return keys
}

func TestBackfillThenScheduledRun(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 3, RecordsPerHour: 50, PageSize: 17, RelativeNextLink: true},
		map[string]string{"WINDOW": "6h", "START_TIME": day0.Format(time.RFC3339), "PREFIX": "aos/"})
	end := day0.Add(72 * time.Hour)
	ctx := context.Background()

	res := r.mustInvoke(ctx, backfillEvent(day0.Add(90*time.Minute), end.Add(-time.Hour)))
	ws := windows(day0, end, 6*time.Hour)
	if res.Windows != 12 || res.Records != 3600 || !res.Complete || res.Checkpoint != "" {
		t.Errorf("backfill result = %+v; want 12 windows, 3600 records, complete, no checkpoint", res)
	}
	if !slices.Equal(res.Objects, wantKeys(r, ws)) {
		t.Errorf("backfill objects = %v; want %v", res.Objects, wantKeys(r, ws))
	}
	r.checkWindows(day0, end)
	if got := r.checkpoint(); got != "" {
		t.Errorf("checkpoint after a backfill = %q; want none", got)
	}
	if m := r.metrics.String(); m != "" {
		t.Errorf("a backfill published %q; want no metric", m)
	}

	// A scheduled run over the same range rewrites the same keys with the
	// same records: nothing new, nothing repeated.
	r.now = end.Add(5 * time.Minute)
	res = r.mustInvoke(ctx, scheduledEvent)
	if res.Windows != 12 || res.Records != 3600 || !res.Complete || res.Checkpoint != stamp(end) {
		t.Errorf("scheduled result = %+v; want 12 windows, 3600 records, complete, checkpoint %s", res, stamp(end))
	}
	want := append(wantKeys(r, ws), r.cfg.CheckpointKey())
	slices.Sort(want)
	if got := r.keys(); !slices.Equal(got, want) {
		t.Errorf("bucket holds %v; want %v", got, want)
	}
	r.checkWindows(day0, end)

	// Nothing is due now.
	res = r.mustInvoke(ctx, `{}`)
	if res.Windows != 0 || len(res.Objects) != 0 || !res.Complete || res.Checkpoint != stamp(end) {
		t.Errorf("run with nothing due = %+v; want nothing, complete, checkpoint %s", res, stamp(end))
	}
	if got := r.keys(); !slices.Equal(got, want) {
		t.Errorf("bucket holds %v; want %v", got, want)
	}
	checkLagMetric(t, r, end)
	if logs := r.logs.String(); !strings.Contains(logs, `"message":"window pulled"`) {
		t.Errorf("no per-window log line in %s", logs)
	}
}

// checkLagMetric checks the last metric line: CheckpointLagSeconds = now − checkpoint.
func checkLagMetric(t *testing.T, r *rig, checkpoint time.Time) {
	t.Helper()
	lines := r.metrics.Lines(t)
	if len(lines) == 0 {
		t.Fatal("no CheckpointLagSeconds line")
	}
	m := lines[len(lines)-1]
	if got, want := m["CheckpointLagSeconds"], r.now.Sub(checkpoint).Seconds(); got != want {
		t.Errorf("CheckpointLagSeconds = %v; want %v", got, want)
	}
	if got := m["FunctionName"]; got != "auditpull-test" {
		t.Errorf("FunctionName = %v; want auditpull-test", got)
	}
	cw, _ := m["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)
	if len(cw) != 1 || cw[0].(map[string]any)["Namespace"] != "TokenRelay" {
		t.Errorf("_aws.CloudWatchMetrics = %v; want one directive in namespace TokenRelay", cw)
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func TestRescanCatchesLateRecords(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 5, RecordsPerHour: 40, PageSize: 15},
		map[string]string{"WINDOW": "1h", "RESCAN": "3h", "LAG": "5m", "START_TIME": day0.Format(time.RFC3339)})
	ctx := context.Background()
	r.now = day0.Add(6*time.Hour + 5*time.Minute)
	if res := r.mustInvoke(ctx, scheduledEvent); res.Windows != 6 || res.Checkpoint != stamp(day0.Add(6*time.Hour)) {
		t.Fatalf("first run = %+v; want 6 windows up to %s", res, stamp(day0.Add(6*time.Hour)))
	}
	before := r.api.Count(day0, day0.Add(6*time.Hour))

	r.api.SetFaults(localavepoint.Faults{Late: localavepoint.Late{PerHour: 4, From: day0.Add(2 * time.Hour), To: day0.Add(6 * time.Hour)}})
	r.api.ReleaseLate()
	if got := r.api.Count(day0, day0.Add(6*time.Hour)); got != before+16 {
		t.Fatalf("late records: %d records; want %d", got, before+16)
	}
	r.now = day0.Add(7*time.Hour + 5*time.Minute)
	res := r.mustInvoke(ctx, scheduledEvent)
	// Window 06-07 for the first time, then 03-06 again; 02-03 ended
	// exactly RESCAN before the checkpoint, so its late records wait.
	ws := append(windows(day0.Add(6*time.Hour), day0.Add(7*time.Hour), time.Hour),
		windows(day0.Add(3*time.Hour), day0.Add(6*time.Hour), time.Hour)...)
	if res.Windows != 4 || !slices.Equal(res.Objects, wantKeys(r, ws)) || res.Checkpoint != stamp(day0.Add(7*time.Hour)) {
		t.Errorf("rescan run = %+v; want the objects of %v and checkpoint %s", res, ws, stamp(day0.Add(7*time.Hour)))
	}
	r.checkWindows(day0.Add(3*time.Hour), day0.Add(7*time.Hour))
	w2 := window.At(day0.Add(2*time.Hour), time.Hour)
	if lines, _ := objectLines(t, env.s3, r.cfg.Bucket, w2.Key(r.cfg.Prefix)); len(lines) != 40 {
		t.Errorf("window %s outside RESCAN has %d lines; want its 40 first ones", w2, len(lines))
	}
	checkLagMetric(t, r, day0.Add(7*time.Hour))
}

// TestDueWindowsBeforeRescan: a run too short for its RESCAN windows still
// pulls the due ones first and advances the checkpoint.
func TestDueWindowsBeforeRescan(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 5, RecordsPerHour: 10, PageSize: 20},
		map[string]string{"RESCAN": "12h", "AUDIT_CONCURRENCY": "1"}) // the timing assumes one window at a time
	r.puller.MinMargin, r.puller.Cleanup = time.Millisecond, 100*time.Millisecond
	r.setCheckpoint(day0.Add(12 * time.Hour))
	// A page takes 200 ms: the run has time for the due window, not for all 12 rescan ones.
	r.api.SetFaults(localavepoint.Faults{PageDelay: 200 * time.Millisecond})
	r.now = day0.Add(13*time.Hour + 5*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res := r.mustInvoke(ctx, scheduledEvent)
	due := window.At(day0.Add(12*time.Hour), time.Hour)
	if res.Complete || len(res.Objects) < 1 || res.Objects[0] != due.Key(r.cfg.Prefix) || res.Checkpoint != stamp(due.End) {
		t.Fatalf("result = %+v; want incomplete, the due window %s first and the checkpoint past it", res, due)
	}
	if got := r.checkpoint(); got != stamp(due.End) {
		t.Errorf("stored checkpoint = %s; want %s", got, stamp(due.End))
	}
	r.checkWindow(due, r.api.Records(due.Start, due.End))
}

func TestSurvivesThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 9, RecordsPerHour: 30, PageSize: 10}, nil)
	r.api.SetFaults(localavepoint.Faults{ThrottleEvery: 4, RetryAfter: time.Second, ErrorBurst: 2, ErrorStatus: 502})
	res := r.mustInvoke(context.Background(), backfillEvent(day0, day0.Add(3*time.Hour)))
	if res.Windows != 3 || res.Records != 90 || !res.Complete {
		t.Errorf("result = %+v; want 3 windows of 90 records, complete", res)
	}
	st := r.api.Stats()
	if st.TooManyRequests == 0 || st.ServerErrors < 2 {
		t.Errorf("stats = %+v; want some 429 and two 502 answers", st)
	}
	r.checkWindows(day0, day0.Add(3*time.Hour))
}

func TestForeignNextLinkFailsWithoutSendingTheToken(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	var mu sync.Mutex
	var seen []string
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		seen = append(seen, req.URL.String()+" Authorization="+req.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"nextLink":null,"data":[]}`))
	}))
	t.Cleanup(foreign.Close)
	r := newRig(t, env, localavepoint.Config{Seed: 1, RecordsPerHour: 30, PageSize: 10}, nil)
	r.setCheckpoint(day0)
	r.api.SetFaults(localavepoint.Faults{ForeignNextLink: foreign.URL})
	r.now = day0.Add(3 * time.Hour)
	_, err := r.invoke(context.Background(), scheduledEvent)
	if err == nil || !strings.Contains(err.Error(), "window 2024-10-10T00:00:00Z/2024-10-10T01:00:00Z") || !strings.Contains(err.Error(), "nextLink") {
		t.Fatalf("error = %v; want one naming the window and the nextLink", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the foreign host received %v; want no request", seen)
	}
	r.checkOnlyCheckpoint(day0)
	checkLagMetric(t, r, day0)
}

func TestExpiredTokenFailsBeforeAnyCall(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 1, RecordsPerHour: 30, PageSize: 10}, nil)
	r.setCheckpoint(day0)
	r.putToken(r.api.IssueToken(localavepoint.AuditScope, time.Hour), time.Now().Add(-time.Minute))
	r.now = day0.Add(3 * time.Hour)
	_, err := r.invoke(context.Background(), scheduledEvent)
	if err == nil || !strings.Contains(err.Error(), r.cfg.TokenParameter) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("error = %v; want one saying the token in %s expired", err, r.cfg.TokenParameter)
	}
	if st := r.api.Stats(); st.AuditRequests != 0 {
		t.Errorf("audit requests = %d; want 0", st.AuditRequests)
	}
	r.checkOnlyCheckpoint(day0)
}

func TestRotatedTokenIsPickedUpAfter401(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 2, RecordsPerHour: 30, PageSize: 10}, map[string]string{"AUDIT_CONCURRENCY": "1"}) // one 401 per query: windows in turn
	ctx := context.Background()
	old := r.api.IssueToken(localavepoint.AuditScope, time.Hour)
	r.putToken(old, time.Now().Add(time.Hour))
	r.mustInvoke(ctx, backfillEvent(day0, day0.Add(time.Hour))) // the token source now holds old

	r.api.RevokeToken(old)
	fresh := r.api.IssueToken(localavepoint.AuditScope, time.Hour)
	r.putToken(fresh, time.Now().Add(time.Hour))
	res := r.mustInvoke(ctx, backfillEvent(day0, day0.Add(2*time.Hour)))
	if res.Windows != 2 || res.Records != 60 {
		t.Errorf("result = %+v; want 2 windows of 60 records", res)
	}
	if st := r.api.Stats(); st.Unauthorized != 1 {
		t.Errorf("401 answers = %d; want 1 (the old token, once)", st.Unauthorized)
	}
	r.checkWindows(day0, day0.Add(2*time.Hour))

	t.Run("a refused fresh token fails naming the parameter", func(t *testing.T) {
		r.api.RevokeToken(fresh)
		revoked := r.api.IssueToken(localavepoint.AuditScope, time.Hour)
		r.api.RevokeToken(revoked)
		r.putToken(revoked, time.Now().Add(time.Hour))
		keys := r.keys()
		_, err := r.invoke(ctx, backfillEvent(day0.Add(2*time.Hour), day0.Add(3*time.Hour)))
		if err == nil || !strings.Contains(err.Error(), r.cfg.TokenParameter) || !strings.Contains(err.Error(), "401") {
			t.Fatalf("error = %v; want a 401 naming %s", err, r.cfg.TokenParameter)
		}
		if got := r.keys(); !slices.Equal(got, keys) {
			t.Errorf("bucket holds %v; want %v", got, keys)
		}
		for _, tok := range []string{old, fresh, revoked} {
			if strings.Contains(err.Error(), tok) || strings.Contains(r.logs.String(), tok) {
				t.Errorf("a token appears in the error or the logs")
			}
		}
	})
}
