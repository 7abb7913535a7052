package main_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// start runs the built bootstrap under the Lambda Runtime Interface
// Emulator with env, its output going to out.
func start(t testing.TB, bootstrap string, env []string, out *testenv.Buffer) *rie.Emulator {
	t.Helper()
	return rie.StartTest(t, rie.Config{
		Bootstrap: bootstrap, Env: env, FunctionName: "refresher",
		Timeout: 30 * time.Second, MemoryMB: 256, Output: out,
	})
}

func invoke(t *testing.T, e *rie.Emulator, event string) rie.Result {
	t.Helper()
	return e.InvokeTest(t, event)
}

// TestBootstrap runs the built refresher binary as Lambda would, against
// moto_server through the SDK's standard settings (AWS_ENDPOINT_URL), a
// local AvePoint and faulty endpoints: a scheduled event writes the good
// targets and fails naming the bad ones, whose old values stay intact; a
// second event skips; a force event refreshes, with the result as payload;
// an unknown target is refused; nothing secret is in the output, payloads
// or errors.
func TestBootstrap(t *testing.T) {
	w := refreshtest.NewWorld(t)
	bootstrap := testenv.GoBuild(t, "./functions/refresher", t.TempDir())
	out := &testenv.Buffer{}
	env := append(testenv.AWSEnv(w.AWS.Endpoint),
		"REFRESHER_CONFIG_PARAMETER="+refreshtest.ConfigParameter,
		"REFRESHER_CONCURRENCY=3",
		"AWS_LAMBDA_LOG_LEVEL=DEBUG")
	r := start(t, bootstrap, env, out)
	var texts []string
	scheduled, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "events", "refresher-scheduled.json"))
	if err != nil {
		t.Fatal(err)
	}

	res := invoke(t, r, string(scheduled))
	warm := res.PID
	if res.Error == nil {
		t.Fatalf("scheduled run succeeded with %s; want an error naming the failed targets", res.Payload)
	}
	texts = append(texts, res.Error.ErrorMessage)
	for _, name := range refreshtest.FailingOrder {
		if !strings.Contains(res.Error.ErrorMessage, name) {
			t.Errorf("error %q does not name failed target %s", res.Error.ErrorMessage, name)
		}
	}
	out.WaitFor(t, `"message":"invocation failed"`, 1)
	refreshtest.CheckResult(t, refreshtest.LastResult(t, out.String()), refreshtest.Good, []string{}, true)
	w.CheckOldIntact(t)
	for _, name := range refreshtest.Good {
		p, ok := w.AWS.Parameter(t, "/tokens/"+name)
		want := types.ParameterTierStandard
		if name == "long" {
			want = types.ParameterTierAdvanced
		}
		if !ok || p.Type != types.ParameterTypeSecureString || p.Tier != want || p.Version != 1 {
			t.Errorf("target %s: got %+v, stored %v; want a SecureString in the %s tier, version 1", name, p.Type, ok, want)
		}
	}
	sensitive := w.Sensitive(t)

	requests := w.TokenRequests()
	good := `{"targets":["aos-secret","aos-pem","aos-pfx","long"]}`
	res = invoke(t, r, good)
	if res.Error != nil {
		t.Fatalf("second run: %v", res.Error)
	}
	texts = append(texts, string(res.Payload))
	refreshtest.CheckResult(t, res.Payload, []string{}, refreshtest.Good, false)
	if n := w.TokenRequests() - requests; n != 0 {
		t.Errorf("second run made %d token requests; want none", n)
	}

	res = invoke(t, r, `{"force":true,"targets":["aos-secret","aos-pem","aos-pfx","long"]}`)
	if res.Error != nil {
		t.Fatalf("forced run: %v", res.Error)
	}
	texts = append(texts, string(res.Payload))
	refreshtest.CheckResult(t, res.Payload, refreshtest.Good, []string{}, false)
	for _, name := range refreshtest.Good {
		if p, _ := w.AWS.Parameter(t, "/tokens/"+name); p.Version != 2 {
			t.Errorf("target %s: version %d after force; want 2", name, p.Version)
		}
	}
	sensitive = append(sensitive, w.Sensitive(t)...)
	w.CheckOldIntact(t)

	force, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "events", "refresher-force-one.json"))
	if err != nil {
		t.Fatal(err)
	}
	res = invoke(t, r, string(force))
	if res.Error == nil || !strings.Contains(res.Error.ErrorMessage, `unknown target "aos-audit"`) {
		t.Errorf("got %v for a target the configuration lacks; want an error naming it", res.Error)
	}
	if res.PID == 0 || res.PID != warm {
		t.Errorf("the invocations ran in processes %d and %d; want one kept warm", warm, res.PID)
	}

	out.WaitFor(t, `"message":"invocation failed"`, 2)
	texts = append(texts, out.String())
	for i, text := range texts {
		refreshtest.AssertNoSecrets(t, "output "+string(rune('A'+i)), text, sensitive)
	}
	if !strings.Contains(out.String(), `"requestId":"`) || !strings.Contains(out.String(), `"level":"INFO"`) {
		t.Errorf("the output holds no JSON log records with a requestId:\n%s", out)
	}
}

// TestBootstrapInitErrors checks that a bad REFRESHER_CONCURRENCY fails the
// init phase through /runtime/init/error with a message saying what is
// expected, at every invocation, and that a missing configuration fails
// each invocation clearly.
func TestBootstrapInitErrors(t *testing.T) {
	bootstrap := testenv.GoBuild(t, "./functions/refresher", t.TempDir())
	base := testenv.AWSEnv("http://127.0.0.1:1")
	for _, value := range []string{"0", "eight", "1000"} {
		out := &testenv.Buffer{}
		e := start(t, bootstrap, append(slices.Clone(base), "REFRESHER_CONCURRENCY="+value), out)
		for range 2 {
			res := invoke(t, e, `{}`)
			if res.Status != 502 || res.Error == nil || res.Error.ErrorType != "Runtime.InitError" ||
				!strings.Contains(res.Error.ErrorMessage, "REFRESHER_CONCURRENCY must be a whole number from 1 to 64") {
				t.Errorf("REFRESHER_CONCURRENCY=%s: got %d %v; want an init error saying what is expected", value, res.Status, res.Error)
			}
		}
		out.WaitFor(t, `"message":"init failed"`, 2)
	}

	out := &testenv.Buffer{}
	e := start(t, bootstrap, base, out)
	res := invoke(t, e, `{}`)
	if res.Status != 200 || res.Error == nil || !strings.Contains(res.Error.ErrorMessage, "REFRESHER_CONFIG") {
		t.Errorf("got %d %v without configuration; want a function error naming REFRESHER_CONFIG", res.Status, res.Error)
	}
}

// TestBootstrapTimeout: an invocation that overruns the function timeout
// (the process is stopped, as a hung one would be) is reported as Lambda
// reports it, and the next invocation runs in a fresh process.
func TestBootstrapTimeout(t *testing.T) {
	bootstrap := testenv.GoBuild(t, "./functions/refresher", t.TempDir())
	out := &testenv.Buffer{}
	e := rie.StartTest(t, rie.Config{Bootstrap: bootstrap, Env: testenv.AWSEnv("http://127.0.0.1:1"),
		FunctionName: "refresher", Timeout: time.Second, Output: out})
	first := invoke(t, e, `{}`)
	if first.PID == 0 {
		t.Fatal("no bootstrap seen")
	}
	if err := rie.Stop(first.PID); err != nil {
		t.Fatal(err)
	}
	res := invoke(t, e, `{}`)
	if !res.TimedOut || res.Error.ErrorType != rie.TimedOutType || !strings.Contains(res.Error.ErrorMessage, "Task timed out after 1.00 seconds") {
		t.Errorf("got %+v; want a timeout after 1s", res.Error)
	}
	out.WaitFor(t, "REPORT RequestId: "+res.RequestID+"\tDuration: 1000.00 ms", 1)
	next := invoke(t, e, `{}`)
	if next.TimedOut || next.Error == nil || !strings.Contains(next.Error.ErrorMessage, "REFRESHER_CONFIG") || next.PID == first.PID {
		t.Errorf("got %+v in process %d after %d timed out; want the function's answer from a fresh process", next.Error, next.PID, first.PID)
	}
}
