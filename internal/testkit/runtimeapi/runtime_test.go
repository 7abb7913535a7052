package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

func TestInvocationContext(t *testing.T) {
	r := start(t, Config{FunctionName: "audit-pull", MemoryMB: 256, Timeout: 20 * time.Second,
		Env: []string{"AWS_REGION=eu-west-1", "FN_EXTRA=yes"}})
	if r.FirstNext() <= 0 {
		t.Errorf("got FirstNext = %v; want > 0", r.FirstNext())
	}
	before := time.Now()
	res, e := invokeEcho(t, r)
	if e.RequestID != res.RequestID || len(res.RequestID) != 36 {
		t.Errorf("got request id %q in the function, %q in the result; want the same UUID", e.RequestID, res.RequestID)
	}
	if want := "arn:aws:lambda:eu-west-1:123456789012:function:audit-pull"; e.ARN != want {
		t.Errorf("got ARN %q; want %q", e.ARN, want)
	}
	deadline := time.UnixMilli(e.DeadlineMs)
	if lo, hi := before.Add(20*time.Second-time.Second), time.Now().Add(20*time.Second); deadline.Before(lo) || deadline.After(hi) {
		t.Errorf("got deadline %v; want about 20s after the invocation started (%v)", deadline, before)
	}
	dir := filepath.Dir(fnPath)
	for k, want := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "audit-pull",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/audit-pull",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                dir,
		"TZ":                              ":UTC",
		"PATH":                            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"FN_EXTRA":                        "yes",
		"HOME":                            "", // the host environment is not passed
	} {
		if got := e.Env[k]; got != want {
			t.Errorf("got %s = %q; want %q", k, got, want)
		}
	}
	if !strings.Contains(e.Env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[$LATEST]") {
		t.Errorf("got log stream %q; want YYYY/MM/DD/[$LATEST]id", e.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if !strings.HasPrefix(e.Env["_X_AMZN_TRACE_ID"], "Root=1-") {
		t.Errorf("got trace id %q; want Root=1-...", e.Env["_X_AMZN_TRACE_ID"])
	}
	if e.WD != dir {
		t.Errorf("got working directory %q; want %q", e.WD, dir)
	}
	if !res.ColdStart || res.InitDuration != r.FirstNext() || res.Duration <= 0 || res.MaxMemoryUsed <= 0 {
		t.Errorf("got ColdStart %v, InitDuration %v, Duration %v, MaxMemoryUsed %d; want the first (cold) invocation with figures",
			res.ColdStart, res.InitDuration, res.Duration, res.MaxMemoryUsed)
	}
}

func TestWarmInvocations(t *testing.T) {
	r := start(t, Config{})
	res, first := invokeEcho(t, r)
	if !res.ColdStart {
		t.Errorf("got a warm first invocation; want cold")
	}
	for i := 2; i <= 4; i++ {
		res, e := invokeEcho(t, r)
		if e.PID != first.PID || e.Count != i || res.ColdStart {
			t.Errorf("invocation %d: got pid %d count %d cold %v; want pid %d count %d warm", i, e.PID, e.Count, res.ColdStart, first.PID, i)
		}
		if res.RequestID == first.RequestID {
			t.Errorf("invocation %d reused request id %s", i, res.RequestID)
		}
	}
}

func TestFunctionError(t *testing.T) {
	r := start(t, Config{})
	_, before := invokeEcho(t, r)
	res := invoke(t, r, `{"action":"error","message":"bad input: window"}`)
	if res.Error == nil || res.Error.ErrorType != "errorString" || res.Error.ErrorMessage != "bad input: window" || res.Payload != nil {
		t.Fatalf("got %+v; want errorString \"bad input: window\"", res)
	}
	if _, after := invokeEcho(t, r); after.PID != before.PID {
		t.Errorf("got pid %d after a function error; want the warm %d", after.PID, before.PID)
	}
}

func TestPanicRestarts(t *testing.T) {
	r := start(t, Config{})
	_, before := invokeEcho(t, r)
	res := invoke(t, r, `{"action":"panic","message":"kaboom"}`)
	if res.Error == nil || res.Error.ErrorMessage != "kaboom" || res.Error.ErrorType != "string" || len(res.Error.StackTrace) == 0 {
		t.Fatalf("got %+v; want the panic with its stack", res.Error)
	}
	next, after := invokeEcho(t, r)
	if !next.ColdStart || after.PID == before.PID || next.InitDuration <= 0 {
		t.Errorf("got cold %v pid %d init %v; want a cold start in a new process (old %d)", next.ColdStart, after.PID, next.InitDuration, before.PID)
	}
	assertGone(t, before.PID)
}

func TestTimeoutKillsAndRestarts(t *testing.T) {
	r := start(t, Config{Timeout: 500 * time.Millisecond})
	_, before := invokeEcho(t, r)
	began := time.Now()
	res, err := r.Invoke(context.Background(), []byte(`{"action":"sleep","ms":30000}`))
	within(t, time.Since(began), 5*time.Second, "a timed-out invocation")
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("got error %v; want ErrTimeout", err)
	}
	var ie *InvokeError
	if !errors.As(err, &ie) || ie.RequestID != res.RequestID || res.RequestID == "" {
		t.Errorf("got %#v; want an *InvokeError naming request %s", err, res.RequestID)
	}
	assertGone(t, before.PID)
	next, after := invokeEcho(t, r)
	if !next.ColdStart || after.PID == before.PID {
		t.Errorf("got cold %v pid %d; want a fresh process", next.ColdStart, after.PID)
	}
}

func TestExitDuringInvocation(t *testing.T) {
	r := start(t, Config{})
	_, err := r.Invoke(context.Background(), []byte(`{"action":"exit"}`))
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("got error %v; want ErrExited with exit status 3", err)
	}
	if res, _ := invokeEcho(t, r); !res.ColdStart {
		t.Errorf("got a warm start after the process exited; want cold")
	}
}

func TestKillMidInvocation(t *testing.T) {
	r := start(t, Config{Timeout: time.Minute})
	_, before := invokeEcho(t, r)
	errc := make(chan error, 1)
	go func() {
		_, err := r.Invoke(context.Background(), []byte(`{"action":"sleep","ms":60000}`))
		errc <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := r.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrKilled) {
			t.Errorf("got error %v; want ErrKilled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Invoke did not return after Kill")
	}
	assertGone(t, before.PID)
	if res, _ := invokeEcho(t, r); !res.ColdStart {
		t.Errorf("got a warm start after Kill; want cold")
	}
}

func TestContextCancelled(t *testing.T) {
	r := start(t, Config{Timeout: time.Minute})
	_, before := invokeEcho(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := r.Invoke(ctx, []byte(`{"action":"sleep","ms":60000}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got error %v; want context.DeadlineExceeded", err)
	}
	assertGone(t, before.PID)
}

func TestInitFailures(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		errType string
		cause   error
		detail  string
	}{
		{"init error posted", "FN_INIT=error", "Runtime.ConfigError", nil, ""},
		{"exit at init", "FN_INIT=exit", "", ErrExited, "exit status 2"},
		{"init hangs", "FN_INIT=hang", "", ErrTimeout, "no GET /next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := &testenv.Buffer{}
			began := time.Now()
			r, err := Start(context.Background(), Config{Bootstrap: fnPath, Env: []string{tt.env}, InitTimeout: time.Second, Stderr: stderr})
			within(t, time.Since(began), 5*time.Second, "a failed init")
			if r != nil {
				r.Close()
				t.Fatalf("Start succeeded; want an init failure")
			}
			var ie *InitError
			if !errors.As(err, &ie) {
				t.Fatalf("got error %v; want *InitError", err)
			}
			if tt.errType != "" {
				var fe *FunctionError
				if !errors.As(err, &fe) || fe.ErrorType != tt.errType || fe.ErrorMessage != "FOO is not set" {
					t.Errorf("got %v; want %s: FOO is not set", err, tt.errType)
				}
			}
			if tt.cause != nil && (!errors.Is(err, tt.cause) || !strings.Contains(err.Error(), tt.detail)) {
				t.Errorf("got %v; want %v with %q", err, tt.cause, tt.detail)
			}
		})
	}
}

// TestInitErrorOnColdStart: a later cold start that fails its init makes
// that Invoke return the init error.
func TestInitErrorOnColdStart(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "fail")
	r := start(t, Config{Env: []string{"FN_FAIL_FILE=" + flag}})
	invokeEcho(t, r)
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r.Kill()
	_, err := r.Invoke(context.Background(), []byte(`{"action":"echo"}`))
	var ie *InitError
	if !errors.As(err, &ie) || ie.Function == nil || ie.Function.ErrorType != "Runtime.ConfigError" {
		t.Fatalf("got error %v; want the posted init error", err)
	}
	os.Remove(flag)
	if res, _ := invokeEcho(t, r); !res.ColdStart {
		t.Errorf("got a warm start after a failed init; want cold")
	}
}

func TestOutOfMemory(t *testing.T) {
	r := start(t, Config{MemoryMB: 40, Timeout: 30 * time.Second})
	_, err := r.Invoke(context.Background(), []byte(`{"action":"alloc","mb":300}`))
	if !errors.Is(err, ErrOutOfMemory) {
		t.Fatalf("got error %v; want ErrOutOfMemory", err)
	}
}

func TestPeakMemoryReported(t *testing.T) {
	r := start(t, Config{MemoryMB: 512, Timeout: 30 * time.Second})
	res := invoke(t, r, `{"action":"alloc","mb":40}`)
	if res.MaxMemoryUsed < 40<<20 {
		t.Errorf("got MaxMemoryUsed = %d; want at least 40 MiB", res.MaxMemoryUsed)
	}
}

func TestPayloadLimits(t *testing.T) {
	r := start(t, Config{Timeout: 30 * time.Second})
	big := make([]byte, maxPayload+1)
	if _, err := r.Invoke(context.Background(), big); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("got error %v for a 6 MB+1 event; want ErrPayloadTooLarge", err)
	}
	res := invoke(t, r, `{"action":"big","mb":7}`)
	if res.Error == nil || res.Error.ErrorType != "Function.ResponseSizeTooLarge" {
		t.Errorf("got %+v for a 7 MB response; want Function.ResponseSizeTooLarge", res.Error)
	}
}

func TestLogs(t *testing.T) {
	stdout, stderr := &testenv.Buffer{}, &testenv.Buffer{}
	r := start(t, Config{Stdout: stdout, Stderr: stderr})
	res := invoke(t, r, `{"action":"log","message":"hello"}`)
	r.Close()
	if want := `{"level":"INFO","msg":"hello","requestId":"` + res.RequestID + `"}`; !strings.Contains(stdout.String(), want) {
		t.Errorf("got stdout %q; want it to contain %s", stdout, want)
	}
	if !strings.Contains(stderr.String(), "stderr: hello") {
		t.Errorf("got stderr %q; want the function's stderr line", stderr)
	}
}

// TestProtocolErrors probes the API's answers to a misbehaving runtime.
func TestProtocolErrors(t *testing.T) {
	stderr := &testenv.Buffer{}
	r := start(t, Config{Env: []string{"FN_MODE=raw"}, Stderr: stderr})
	res := invoke(t, r, `{"action":"probe"}`)
	if want := `{"initErrorAfterInit":403,"unknownPath":404,"wrongId":400}`; string(res.Payload) != want {
		t.Errorf("got %s; want %s", res.Payload, want)
	}
	res = invoke(t, r, `{"action":"rawerror"}`)
	if res.Error == nil || res.Error.ErrorType != "Custom.Type" || res.Error.ErrorMessage != "not json at all" {
		t.Errorf("got %+v; want Custom.Type with the raw body as message", res.Error)
	}
	r.Close()
	if !strings.Contains(stderr.String(), "second response: 400") {
		t.Errorf("got stderr %q; want a second response for the same id refused with 400", stderr)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	r := start(t, Config{})
	_, e := invokeEcho(t, r)
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	assertGone(t, e.PID)
	if _, err := r.Invoke(context.Background(), []byte(`{"action":"echo"}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("got error %v after Close; want ErrClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartRejectsBadBootstrap(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "bootstrap")
	os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o600)
	for _, path := range []string{filepath.Join(t.TempDir(), "missing"), notExec, t.TempDir()} {
		if r, err := Start(context.Background(), Config{Bootstrap: path}); err == nil {
			r.Close()
			t.Errorf("Start(%s) succeeded; want an error", path)
		}
	}
}

func TestResultJSON(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		want string
	}{
		{"JSON payload", Result{RequestID: "r1", Payload: []byte(`{"a":1}`), Duration: 1500 * time.Microsecond, MaxMemoryUsed: 30 << 20},
			`{"requestId":"r1","payload":{"a":1},"durationMs":1.5,"coldStart":false,"maxMemoryUsedMB":30}`},
		{"text payload", Result{RequestID: "r2", Payload: []byte(`plain "text"`), ColdStart: true, InitDuration: 20 * time.Millisecond},
			`{"requestId":"r2","payload":"plain \"text\"","durationMs":0,"coldStart":true,"initDurationMs":20,"maxMemoryUsedMB":0}`},
		{"error", Result{RequestID: "r3", Error: &FunctionError{ErrorMessage: "boom", ErrorType: "errorString"}},
			`{"requestId":"r3","error":{"errorMessage":"boom","errorType":"errorString"},"durationMs":0,"coldStart":false,"maxMemoryUsedMB":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.res)
			if err != nil || string(got) != tt.want {
				t.Errorf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}
