package auditpull

import (
	"context"
	"runtime/debug"
)

// The memory model behind the bound on AUDIT_CONCURRENCY (README: "Audit
// pull", "Backlogs"): the process needs about baseMemoryMB, and each window
// in flight about windowMemoryMB: its upload's part buffers
// (archive.NewUploaderFor), the page being read, and its id set. Both keep
// a margin over BenchmarkPeakRSS (README: "Performance").
const (
	baseMemoryMB   = 40
	windowMemoryMB = 24
)

// fitConcurrency returns want, lowered to the windows in flight that
// memMB fits (at least 1); memMB ≤ 0 means unknown, no bound.
func fitConcurrency(want, memMB int) int {
	want = max(1, want)
	if memMB <= 0 {
		return want
	}
	return min(want, max(1, (memMB-baseMemoryMB)/windowMemoryMB))
}

// concurrency is the windows a run keeps in flight: Config.Concurrency
// (1 when unset), lowered with a WARN naming both numbers when the
// function's memory cannot hold that many.
func (p *Puller) concurrency(ctx context.Context) int {
	want := max(1, p.Config.Concurrency)
	n := fitConcurrency(want, p.Config.MemoryMB)
	if n < want {
		p.log().WarnContext(ctx, "AUDIT_CONCURRENCY is more than the function's memory holds; lowered",
			"audit_concurrency", want, "memory_mb", p.Config.MemoryMB, "concurrency", n)
	}
	return n
}

// SoftLimit sets the Go runtime's soft memory limit to 70% of the
// function's memory (Config.MemoryMB), so that the GC collects before Lambda
// kills the process; a GOMEMLIMIT set in the environment wins, and an
// unknown memory size sets nothing.
func SoftLimit(cfg Config, getenv func(string) string) {
	if cfg.MemoryMB > 0 && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.MemoryMB) << 20 * 7 / 10)
	}
}
