package rie

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// fnPath is the test function, emulator the emulator: each built once for
// the test binary.
var fnPath, emulator string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rie-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		fnPath = filepath.Join(dir, "bootstrap")
		build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", fnPath, "./testdata/fn")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build the test function: %v\n%s", err, out)
			return 1
		}
		if emulator, err = Path(context.Background(), "."); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// run runs the test function under the emulator; t.Cleanup closes it and
// checks that neither the emulator nor a bootstrap is left.
func run(t *testing.T, cfg Config) (*Emulator, *testenv.Buffer) {
	t.Helper()
	out := &testenv.Buffer{}
	cfg.Emulator, cfg.Bootstrap, cfg.Output = emulator, fnPath, out
	e, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		boot := e.lastPID()
		_ = e.Close()
		for _, pid := range []int{e.PID(), boot} {
			if pid > 0 && alive(pid) {
				t.Errorf("process %d is still running after Close", pid)
			}
		}
	})
	return e, out
}

func invoke(t *testing.T, e *Emulator, event string) Result {
	t.Helper()
	return e.InvokeTest(t, event)
}

// TestInvoke: a result, the function's logs and the emulator's START, END
// and REPORT lines, a function error, warm invocations in one process, and
// exactly the environment given.
func TestInvoke(t *testing.T) {
	t.Setenv("HOST_ONLY", "leak") // must not reach the function
	e, out := run(t, Config{FunctionName: "fn", Timeout: 10 * time.Second, MemoryMB: 256, Env: []string{"FN_EXTRA=x", "LANG=C"}})

	res := invoke(t, e, `{"action":"log","message":"hello"}`)
	if res.Error != nil || string(res.Payload) != `"logged"` || res.Status != 200 {
		t.Fatalf("got %d %s %v; want 200 \"logged\"", res.Status, res.Payload, res.Error)
	}
	out.WaitFor(t, "REPORT RequestId: "+res.RequestID, 1)
	for _, want := range []string{"START RequestId: " + res.RequestID + " Version: $LATEST", `{"level":"INFO","message":"hello"}`, "END RequestId: " + res.RequestID, "Memory Size: 256 MB"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if res.Duration <= 0 || res.Duration > res.Elapsed {
		t.Errorf("got duration %v, elapsed %v; want the REPORT's duration within the elapsed time", res.Duration, res.Elapsed)
	}

	res = invoke(t, e, `{"action":"echo","message":"m"}`)
	var echo struct {
		PID      int               `json:"pid"`
		Env      map[string]string `json:"env"`
		Deadline int64             `json:"deadlineInMs"`
	}
	if err := json.Unmarshal(res.Payload, &echo); err != nil {
		t.Fatalf("echo %s: %v", res.Payload, err)
	}
	if echo.PID != res.PID || echo.PID != e.BootstrapPID() {
		t.Errorf("got pid %d, Result.PID %d, BootstrapPID %d; want one warm process", echo.PID, res.PID, e.BootstrapPID())
	}
	for k, v := range map[string]string{"FN_EXTRA": "x", "LANG": "C", "AWS_LAMBDA_FUNCTION_NAME": "fn", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"} {
		if echo.Env[k] != v {
			t.Errorf("function env %s=%q; want %q", k, echo.Env[k], v)
		}
	}
	if _, ok := echo.Env["HOST_ONLY"]; ok {
		t.Error("the caller's environment reached the function")
	}
	if echo.Deadline < 8000 || echo.Deadline > 10000 {
		t.Errorf("got %d ms left at the start; want about the 10s timeout", echo.Deadline)
	}

	res = invoke(t, e, `{"action":"error","message":"it broke"}`)
	if res.Error == nil || res.Error.ErrorType != "errorString" || res.Error.ErrorMessage != "it broke" || res.TimedOut {
		t.Errorf("got %+v; want the function's error", res.Error)
	}
	if pk := e.PeakRSS(); pk < 1<<20 || pk > 200<<20 {
		t.Errorf("PeakRSS() = %d; want the bootstrap's few MiB", pk)
	}
}

// TestFailures: an init error through /runtime/init/error, a timeout, a
// runtime exit and a kill, each followed by a fresh bootstrap.
func TestFailures(t *testing.T) {
	t.Parallel()
	t.Run("init error", func(t *testing.T) {
		t.Parallel()
		e, _ := run(t, Config{Env: []string{"FN_INIT=error"}})
		for range 2 {
			res := invoke(t, e, `{"action":"echo"}`)
			if res.Status != 502 || res.Error == nil || res.Error.ErrorType != "Runtime.ConfigError" || res.Error.ErrorMessage != "FOO is not set" {
				t.Errorf("got %d %+v; want 502 with the posted init error", res.Status, res.Error)
			}
		}
	})
	t.Run("timeout, then a fresh process", func(t *testing.T) {
		t.Parallel()
		e, out := run(t, Config{Timeout: time.Second})
		first := invoke(t, e, `{"action":"echo"}`)
		res := invoke(t, e, `{"action":"sleep","ms":5000}`)
		if !res.TimedOut || res.Error == nil || res.Error.ErrorType != TimedOutType ||
			!strings.Contains(res.Error.ErrorMessage, "Task timed out after 1.00 seconds") || res.Elapsed > 4*time.Second {
			t.Errorf("got %+v after %v; want a timeout after 1s", res.Error, res.Elapsed)
		}
		out.WaitFor(t, "REPORT RequestId: "+res.RequestID+"\tDuration: 1000.00 ms", 1)
		next := invoke(t, e, `{"action":"echo"}`)
		if next.Error != nil || next.PID == first.PID || next.PID == 0 {
			t.Errorf("got %v in pid %d after pid %d timed out; want a fresh process", next.Error, next.PID, first.PID)
		}
	})
	t.Run("exit and kill", func(t *testing.T) {
		t.Parallel()
		e, _ := run(t, Config{Timeout: 10 * time.Second})
		res := invoke(t, e, `{"action":"exit"}`)
		if res.Status != 502 || res.Error == nil || res.Error.ErrorType != "Runtime.ExitError" {
			t.Errorf("got %d %+v; want 502 Runtime.ExitError", res.Status, res.Error)
		}
		before := invoke(t, e, `{"action":"echo"}`).PID
		done := make(chan Result)
		go func() {
			res, _ := e.Invoke(context.Background(), []byte(`{"action":"sleep","ms":5000}`))
			done <- res
		}()
		time.Sleep(300 * time.Millisecond)
		if err := e.KillBootstrap(); err != nil {
			t.Fatal(err)
		}
		res = <-done
		if res.Error == nil || res.Error.ErrorType != "Runtime.ExitError" || !strings.Contains(res.Error.ErrorMessage, "signal: killed") {
			t.Errorf("got %+v; want Runtime.ExitError, killed", res.Error)
		}
		if after := invoke(t, e, `{"action":"echo"}`).PID; after == before || after == 0 {
			t.Errorf("pid %d after killing %d; want a fresh process", after, before)
		}
	})
}

// TestStartRefusesABadBootstrap: nothing is started.
func TestStartRefusesABadBootstrap(t *testing.T) {
	_, err := Start(context.Background(), Config{Emulator: emulator, Bootstrap: filepath.Join(t.TempDir(), "none")})
	if err == nil || !strings.Contains(err.Error(), "build it first") {
		t.Errorf("got %v; want an error saying to build the bootstrap", err)
	}
}
