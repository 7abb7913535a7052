package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localstack"
)

// TestCommands runs the commands a user types, each in its own process:
// start, seed, invoke (through the harness) both functions with committed
// events, stop, and stop again.
func TestCommands(t *testing.T) {
	root, err := localstack.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "stack")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	stack := func(args ...string) (stdout, stderr string, err error) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-dir", dir}, args...)...)
		cmd.Dir = root
		var o, e strings.Builder
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.String(), e.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := stack(args...)
		if err != nil {
			t.Fatalf("stack %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	t.Cleanup(func() { _, _, _ = stack("stop") })

	var urls map[string]string
	if err := json.Unmarshal([]byte(must("start")), &urls); err != nil || !strings.HasPrefix(urls["moto_url"], "http://127.0.0.1:") {
		t.Fatalf("got start output %v, %v; want the services' loopback URLs", urls, err)
	}
	must("seed")

	var refresh struct {
		Payload localstack.RefresherResult `json:"payload"`
	}
	if err := json.Unmarshal([]byte(must("invoke", "-harness", "refresher", "events/refresher-force-one.json")), &refresh); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(refresh.Payload.Refreshed, []string{localstack.AuditTarget}) {
		t.Errorf("got refresher result %+v; want aos-audit refreshed", refresh.Payload)
	}
	var pull struct {
		Payload localstack.AuditResult `json:"payload"`
	}
	if err := json.Unmarshal([]byte(must("invoke", "-harness", "auditpull", "events/auditpull-backfill.json")), &pull); err != nil {
		t.Fatal(err)
	}
	if p := pull.Payload; p.Windows != 72 || p.Records != 72*60 || len(p.Objects) != 72 || !p.Complete {
		t.Errorf("got backfill result %d windows, %d records, %d objects, complete %v; want 72 hourly windows of 60 records",
			p.Windows, p.Records, len(p.Objects), p.Complete)
	}

	if env := must("env"); !strings.Contains(env, "export AWS_ENDPOINT_URL="+urls["moto_url"]+"\n") {
		t.Errorf("got env %q; want AWS_ENDPOINT_URL=%s", env, urls["moto_url"])
	}
	must("stop")
	if _, errOut, err := stack("stop"); err != nil || !strings.Contains(errOut, "nothing to stop") {
		t.Errorf("got %v, %q from a second stop; want success, nothing to stop", err, errOut)
	}
	if _, _, err := stack("invoke", "refresher", "events/refresher-scheduled.json"); err == nil {
		t.Errorf("invoke on a stopped stack succeeded; want an error")
	}
}
