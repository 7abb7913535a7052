package auditpull_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// BenchmarkBacklog pulls 720 hourly windows of 2 pages each (a backfill of
// 30 days) from a loopback audit API answering every page in 150 ms into
// moto_server's S3, at AUDIT_CONCURRENCY 1, 4 and 8, and reports the wall
// time as a ratio of the ideal ceil(720/c) × 2 × 150 ms (README:
// "Performance"). At concurrency 1 it pulls 72 windows (3 days) instead of
// 720, to keep `make bench` short: the ratio is what compares. One
// iteration is one backfill.
func BenchmarkBacklog(b *testing.B) {
	const page = 150 * time.Millisecond
	env := startAWS(b)
	for _, c := range []int{1, 4, 8} {
		b.Run("concurrency="+strconv.Itoa(c), func(b *testing.B) {
			windows := 720
			if c == 1 {
				windows = 72
			}
			r := newRig(b, env, localavepoint.Config{Seed: 11, RecordsPerHour: 20, PageSize: 10},
				map[string]string{"AUDIT_CONCURRENCY": strconv.Itoa(c), "MAX_BACKFILL": "744h"})
			r.api.SetFaults(localavepoint.Faults{PageDelay: page})
			ideal := time.Duration((windows+c-1)/c) * 2 * page
			event := backfillEvent(day0, day0.Add(time.Duration(windows)*time.Hour))
			var took time.Duration
			for b.Loop() {
				before := r.api.Stats().AuditRequests
				began := time.Now()
				res, err := r.invoke(context.Background(), event)
				took = time.Since(began)
				if err != nil || res.Windows != windows || !res.Complete {
					b.Fatalf("backfill = %+v, %v; want %d windows, complete", res, err, windows)
				}
				if pages := r.api.Stats().AuditRequests - before; pages != 2*windows {
					b.Fatalf("%d pages fetched; want %d (2 a window)", pages, 2*windows)
				}
			}
			b.ReportMetric(took.Seconds(), "wall-s")
			b.ReportMetric(ideal.Seconds(), "ideal-s")
			b.ReportMetric(float64(took)/float64(ideal), "x-ideal")
			if c == 8 && float64(took) > 1.3*float64(ideal) {
				b.Logf("wall time %s is %.2f× the ideal %s; the aim is 1.3×", took, float64(took)/float64(ideal), ideal)
			}
		})
	}
}
