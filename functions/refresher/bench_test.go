package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// buildLikeMake builds the bootstrap as `make build` does, for goarch.
func buildLikeMake(b *testing.B, goarch string) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid=", "-o", out, "./functions/refresher")
	cmd.Dir = testenv.ModuleRoot(b)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// BenchmarkBootstrap reports the size of the bootstrap `make build` ships
// (linux/arm64) and, with the same flags for the host's architecture, the
// time from process start to its first Runtime API GET /next: the median
// of several cold starts per iteration, so that -benchtime 1x measures it.
func BenchmarkBootstrap(b *testing.B) {
	const starts = 7
	arm := buildLikeMake(b, "arm64")
	host := arm
	if runtime.GOARCH != "arm64" {
		host = buildLikeMake(b, runtime.GOARCH)
	}
	env := append(testenv.AWSEnv("http://127.0.0.1:1"), "REFRESHER_CONFIG_PARAMETER=/unused")
	var firsts []time.Duration
	for b.Loop() {
		for range starts {
			out := &testenv.Buffer{}
			r, err := start(b, host, env, out)
			if err != nil {
				b.Fatalf("start: %v\n%s", err, out)
			}
			firsts = append(firsts, r.FirstNext())
			_ = r.Close()
		}
	}
	slices.Sort(firsts)
	b.ReportMetric(fileMB(b, arm), "arm64-MB")
	b.ReportMetric(fileMB(b, host), runtime.GOARCH+"-MB")
	b.ReportMetric(float64(firsts[len(firsts)/2])/float64(time.Millisecond), "first-next-ms")
	b.ReportMetric(float64(firsts[len(firsts)-1])/float64(time.Millisecond), "first-next-max-ms")
}

func fileMB(b *testing.B, path string) float64 {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return float64(fi.Size()) / (1 << 20)
}
