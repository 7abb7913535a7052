package main_test

import (
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// BenchmarkPeakRSS runs the built bootstrap (128 MB, as deployed) on a
// backfill of one window of 8,334 records an hour in pages of 1,000 into
// moto_server's S3 under the Lambda Runtime Interface Emulator, and reports
// the process's peak resident set (VmHWM, read from /proc after the
// invocation, while it still runs): a 24h
// window of 200,016 records, a 6h window of 50,004 and the largest window,
// 168h of 1,400,112, to show that memory is bounded by the page, the upload
// parts and the id set (see internal/auditpull), within 96 MiB even for the
// largest window. One iteration is one fresh process.
//
// concurrency=8 pulls eight 24h windows of 200,016 records at once
// (AUDIT_CONCURRENCY=8) in the template's default 256 MB, which must hold
// them: the bound on memory per window in flight (README: "Backlogs").
func BenchmarkPeakRSS(b *testing.B) {
	bootstrap := testenv.GoBuild(b, "./functions/auditpull", b.TempDir())
	b.Run("concurrency=8,window=24h", func(b *testing.B) {
		st := startStack(b, localavepoint.Config{Seed: 5, RecordsPerHour: 8334, PageSize: 1000}, "WINDOW=24h", "AUDIT_CONCURRENCY=8")
		st.memoryMB = 256
		start := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
		end := start.Add(8 * 24 * time.Hour)
		want := st.api.Count(start, end)
		var peak int64
		var took time.Duration
		for b.Loop() {
			r := st.start(b, bootstrap, 10*time.Minute, nil)
			res, out := invoke(b, r, backfill(start, end))
			if res.Records != want || len(res.Objects) != 8 {
				b.Fatalf("result %+v; want %d records in 8 objects", res, want)
			}
			peak, took = max(peak, r.PeakRSS()), out.Duration
			r.Close()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(float64(want), "records")
		b.ReportMetric(took.Seconds(), "invoke-s")
		if peak > 256<<20 {
			b.Errorf("peak RSS %.1f MiB; want within the 256 MB function", float64(peak)/(1<<20))
		}
	})
	for _, size := range []time.Duration{24 * time.Hour, 6 * time.Hour, 168 * time.Hour} {
		b.Run("window="+size.String(), func(b *testing.B) {
			st := startStack(b, localavepoint.Config{Seed: 5, RecordsPerHour: 8334, PageSize: 1000}, "WINDOW="+size.String())
			w := window.At(time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC), size)
			want := st.api.Count(w.Start, w.End)
			var peak int64
			var took time.Duration
			for b.Loop() {
				r := st.start(b, bootstrap, 5*time.Minute, nil)
				res, out := invoke(b, r, backfill(w.Start, w.End))
				if res.Records != want || len(res.Objects) != 1 {
					b.Fatalf("result %+v; want %d records in one object", res, want)
				}
				peak, took = max(peak, r.PeakRSS()), out.Duration
				r.Close()
			}
			lines := 0
			st.eachLine(b, w.Key("avepoint/audit/"), func([]byte) { lines++ })
			if lines != want {
				b.Fatalf("object has %d lines; want %d", lines, want)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
			b.ReportMetric(float64(want), "records")
			b.ReportMetric(took.Seconds(), "invoke-s")
			// The bound is for a 24h window; the largest one must fit the
			// 128 MB function (the emulator enforces no memory size: this does).
			if peak > 96<<20 && size <= 24*time.Hour {
				b.Errorf("peak RSS %.1f MiB; want at most 96 MiB", float64(peak)/(1<<20))
			}
			if peak == 0 || peak > 128<<20 {
				b.Errorf("peak RSS %.1f MiB; want a reading within the function's 128 MB", float64(peak)/(1<<20))
			}
		})
	}
}
