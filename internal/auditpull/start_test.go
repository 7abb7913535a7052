package auditpull_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

func TestFirstRunWithoutStartTime(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 12, RecordsPerHour: 3, PageSize: 10}, nil)
	ctx := context.Background()
	// 24 hours before a first run at 00:15 the next day is 00:15: its window and the 23 after it are due.
	r.now = day0.Add(24*time.Hour + 15*time.Minute)
	res := r.mustInvoke(ctx, scheduledEvent)
	if res.Windows != 24 || res.Records != 72 || res.Checkpoint != stamp(day0.Add(24*time.Hour)) {
		t.Errorf("first run = %+v; want the 24 windows from %s", res, stamp(day0))
	}
	r.checkWindows(day0, day0.Add(24*time.Hour))

	t.Run("nothing due pins the start", func(t *testing.T) {
		r := newRig(t, env, localavepoint.Config{Seed: 12}, map[string]string{"START_TIME": "2024-10-10T00:30:00Z"})
		r.now = day0.Add(time.Hour)
		res := r.mustInvoke(ctx, `{}`)
		if res.Windows != 0 || res.Checkpoint != "2024-10-10T00:30:00Z" || !res.Complete {
			t.Errorf("run = %+v; want no window and the checkpoint at START_TIME", res)
		}
		r.checkOnlyCheckpoint(day0.Add(30 * time.Minute))
		r.now = day0.Add(2*time.Hour + 5*time.Minute)
		if res := r.mustInvoke(ctx, `{}`); res.Windows != 2 || res.Checkpoint != stamp(day0.Add(2*time.Hour)) {
			t.Errorf("next run = %+v; want the windows from 00:00", res)
		}
	})
}

// TestFailedFirstRunKeepsItsStart: without START_TIME, a first run that
// fails still pins where it started, so the next run starts there too.
func TestFailedFirstRunKeepsItsStart(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 12, RecordsPerHour: 3, PageSize: 10}, nil)
	ctx := context.Background()
	r.api.SetFaults(localavepoint.Faults{NotJSONPage: 1})
	r.now = day0.Add(24*time.Hour + 15*time.Minute) // the first window is 00:00-01:00
	if _, err := r.invoke(ctx, scheduledEvent); err == nil || !strings.Contains(err.Error(), "window "+stamp(day0)+"/") {
		t.Fatalf("first run error = %v; want it to fail on the window from %s", err, stamp(day0))
	}
	r.checkOnlyCheckpoint(day0)

	r.api.SetFaults(localavepoint.Faults{})
	r.now = r.now.Add(3 * time.Hour)
	res := r.mustInvoke(ctx, scheduledEvent)
	if res.Windows != 27 || !res.Complete || res.Checkpoint != stamp(day0.Add(27*time.Hour)) {
		t.Errorf("second run = %+v; want the 27 windows from %s", res, stamp(day0))
	}
	r.checkWindows(day0, day0.Add(27*time.Hour))
}

func TestFiltersAreSent(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	products, geos := []string{"Portal", "SMP"}, []string{"NAM", "EUR"}
	r := newRig(t, env, localavepoint.Config{Seed: 13, RecordsPerHour: 200, PageSize: 25},
		map[string]string{"PRODUCT_TYPES": strings.Join(products, ","), "GEO_LOCATIONS": strings.Join(geos, ",")})
	res := r.mustInvoke(context.Background(), backfillEvent(day0, day0.Add(2*time.Hour)))
	want := 0
	for _, w := range windows(day0, day0.Add(2*time.Hour), time.Hour) {
		recs := r.api.FilteredRecords(w.Start, w.End, products, geos)
		want += len(recs)
		r.checkWindow(w, recs)
	}
	if want == 0 || want == r.api.Count(day0, day0.Add(2*time.Hour)) || res.Records != want {
		t.Errorf("result = %+v with %d filtered records; want a proper subset, all stored", res, want)
	}
}

func TestWindowWithoutRecordsStoresNoObject(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	api := pagesServer(t, `{"nextLink":null,"data":[]}`)
	r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL})
	r.setCheckpoint(day0)
	r.now = day0.Add(2*time.Hour + 5*time.Minute)
	res := r.mustInvoke(context.Background(), scheduledEvent)
	if res.Windows != 2 || res.Records != 0 || len(res.Objects) != 0 || res.Checkpoint != stamp(day0.Add(2*time.Hour)) {
		t.Errorf("result = %+v; want 2 windows, no object, the checkpoint past both", res)
	}
	r.checkOnlyCheckpoint(day0.Add(2 * time.Hour))
}
