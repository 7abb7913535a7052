package main_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/runtimeapi"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// start runs the built bootstrap through the Runtime API harness with env,
// its output going to out.
func start(t testing.TB, bootstrap string, env []string, out *testenv.Buffer) (*runtimeapi.Runtime, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := runtimeapi.Start(ctx, runtimeapi.Config{
		Bootstrap: bootstrap, Env: env, FunctionName: "refresher",
		Timeout: 30 * time.Second, MemoryMB: 256, Stdout: out, Stderr: out,
	})
	if err == nil {
		t.Cleanup(func() { _ = r.Close() })
	}
	return r, err
}

func invoke(t *testing.T, r *runtimeapi.Runtime, event string) runtimeapi.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	res, err := r.Invoke(ctx, []byte(event))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	return res
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
	r, err := start(t, bootstrap, env, out)
	if err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	var texts []string
	scheduled, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "events", "refresher-scheduled.json"))
	if err != nil {
		t.Fatal(err)
	}

	res := invoke(t, r, string(scheduled))
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
	if res.ColdStart {
		t.Error("the process restarted between invocations; want it kept warm")
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
// init phase with a message saying what is expected, and that a missing
// configuration fails each invocation clearly.
func TestBootstrapInitErrors(t *testing.T) {
	bootstrap := testenv.GoBuild(t, "./functions/refresher", t.TempDir())
	base := testenv.AWSEnv("http://127.0.0.1:1")
	for _, value := range []string{"0", "eight", "1000"} {
		out := &testenv.Buffer{}
		_, err := start(t, bootstrap, append(slices.Clone(base), "REFRESHER_CONCURRENCY="+value), out)
		var initErr *runtimeapi.InitError
		if !errors.As(err, &initErr) || initErr.Function == nil ||
			!strings.Contains(initErr.Function.ErrorMessage, "REFRESHER_CONCURRENCY must be a whole number from 1 to 64") {
			t.Errorf("REFRESHER_CONCURRENCY=%s: got %v; want an init error saying what is expected", value, err)
		}
		out.WaitFor(t, `"message":"init failed"`, 1)
	}

	out := &testenv.Buffer{}
	r, err := start(t, bootstrap, base, out)
	if err != nil {
		t.Fatalf("start without configuration: %v", err)
	}
	res := invoke(t, r, `{}`)
	if res.Error == nil || !strings.Contains(res.Error.ErrorMessage, "REFRESHER_CONFIG") {
		t.Errorf("got %v without configuration; want an error naming REFRESHER_CONFIG", res.Error)
	}
}
