package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
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
// (linux/arm64) and, with the same flags for the host's architecture run
// under the Lambda Runtime Interface Emulator, the cold start: the time from
// the bootstrap's start to its first Runtime API GET /next (the emulator's
// INIT REPORT), and the duration of its first invocation (the emulator's
// REPORT), a forced refresh of one client-secret target against
// moto_server and a local token endpoint. Medians (and maxima) of several
// cold starts per iteration, so that -benchtime 1x measures them.
func BenchmarkBootstrap(b *testing.B) {
	const starts = 7
	arm := buildLikeMake(b, "arm64")
	host := arm
	if runtime.GOARCH != "arm64" {
		host = buildLikeMake(b, runtime.GOARCH)
	}
	w := refreshtest.NewWorld(b)
	env := append(testenv.AWSEnv(w.AWS.Endpoint), "REFRESHER_CONFIG_PARAMETER="+refreshtest.ConfigParameter)
	var firsts, invokes []time.Duration
	for b.Loop() {
		for range starts {
			out := &testenv.Buffer{}
			e := rie.StartTest(b, rie.Config{Bootstrap: host, Env: env, FunctionName: "refresher",
				Timeout: 30 * time.Second, MemoryMB: 256, Output: out, LogLevel: "info"})
			res := e.InvokeTest(b, `{"force":true,"targets":["aos-secret"]}`)
			if res.Error != nil {
				b.Fatalf("first invocation: %v\n%s", res.Error, out)
			}
			inits := e.InitDurations()
			if len(inits) != 1 {
				b.Fatalf("got init durations %v; want the emulator's one INIT REPORT\n%s", inits, out)
			}
			firsts, invokes = append(firsts, inits[0]), append(invokes, res.Duration)
			_ = e.Close()
		}
	}
	slices.Sort(firsts)
	slices.Sort(invokes)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(fileMB(b, arm), "arm64-MB")
	b.ReportMetric(fileMB(b, host), runtime.GOARCH+"-MB")
	b.ReportMetric(ms(firsts[len(firsts)/2]), "first-next-ms")
	b.ReportMetric(ms(firsts[len(firsts)-1]), "first-next-max-ms")
	b.ReportMetric(ms(invokes[len(invokes)/2]), "first-invoke-ms")
	b.ReportMetric(ms(invokes[len(invokes)-1]), "first-invoke-max-ms")
}

func fileMB(b *testing.B, path string) float64 {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return float64(fi.Size()) / (1 << 20)
}
