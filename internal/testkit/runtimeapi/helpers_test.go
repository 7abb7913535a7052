package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// fnPath is the test function, built once for the whole test binary.
var fnPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "runtimeapi-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fnPath = filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", fnPath, "./testdata/fn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build the test function (needs the go command on PATH): %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// start runs the test function; t.Cleanup closes it and checks that no
// process of it is left.
func start(t *testing.T, cfg Config) *Runtime {
	t.Helper()
	cfg.Bootstrap = fnPath
	r, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		pid := r.PID()
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if pid != 0 {
			assertGone(t, pid)
		}
	})
	return r
}

// assertGone fails unless pid no longer exists (it was killed and reaped).
func assertGone(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d is still there (kill 0: %v)", pid, err)
	}
}

func invoke(t *testing.T, r *Runtime, event string) Result {
	t.Helper()
	res, err := r.Invoke(context.Background(), []byte(event))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", event, err)
	}
	return res
}

// echo is what the function reports about itself.
type echo struct {
	RequestID  string            `json:"requestId"`
	ARN        string            `json:"arn"`
	DeadlineMs int64             `json:"deadlineMs"`
	PID        int               `json:"pid"`
	Count      int               `json:"count"`
	Env        map[string]string `json:"env"`
	WD         string            `json:"wd"`
}

func invokeEcho(t *testing.T, r *Runtime) (Result, echo) {
	t.Helper()
	res := invoke(t, r, `{"action":"echo"}`)
	if res.Error != nil {
		t.Fatalf("echo failed: %v", res.Error)
	}
	var e echo
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("echo payload %s: %v", res.Payload, err)
	}
	return res, e
}

func within(t *testing.T, d, limit time.Duration, what string) {
	t.Helper()
	if d > limit {
		t.Errorf("%s took %v; want under %v", what, d, limit)
	}
}
