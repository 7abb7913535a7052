package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localstack"
)

// buildStack builds the command; it returns the module root and the binary.
func buildStack(t *testing.T) (root, bin string) {
	t.Helper()
	root, err := localstack.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(t.TempDir(), "stack")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return root, bin
}

// TestCommands runs the commands a user types, each in its own process:
// start, seed, invoke (under the emulator) both functions with committed
// events, stop, and stop again.
func TestCommands(t *testing.T) {
	root, bin := buildStack(t)
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

	noSAM := exec.Command(bin, "-dir", dir, "invoke", "-sam", "refresher", "events/refresher-scheduled.json")
	noSAM.Dir, noSAM.Env = root, append(os.Environ(), "PATH="+t.TempDir())
	if out, err := noSAM.CombinedOutput(); err == nil || !strings.Contains(string(out), "-sam needs SAM CLI (sam) on PATH and a Docker engine") {
		t.Errorf("got %v, %q from -sam without sam; want what is missing", err, out)
	}

	var refresh localstack.RefresherResult
	if err := json.Unmarshal([]byte(must("invoke", "refresher", "events/refresher-force-one.json")), &refresh); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(refresh.Refreshed, []string{localstack.AuditTarget}) {
		t.Errorf("got refresher result %+v; want aos-audit refreshed", refresh)
	}
	var pull localstack.AuditResult
	if err := json.Unmarshal([]byte(must("invoke", "auditpull", "events/auditpull-backfill.json")), &pull); err != nil {
		t.Fatal(err)
	}
	if p := pull; p.Windows != 72 || p.Records != 72*60 || len(p.Objects) != 72 || !p.Complete {
		t.Errorf("got backfill result %d windows, %d records, %d objects, complete %v; want 72 hourly windows of 60 records",
			p.Windows, p.Records, len(p.Objects), p.Complete)
	}
	// What sam local invoke prints: the logs and START, END, REPORT on
	// stderr; a function error as errorType and errorMessage on stdout.
	badEnv := filepath.Join(t.TempDir(), "env.json")
	if err := os.WriteFile(badEnv, []byte(`{"Parameters": {"REFRESHER_CONCURRENCY": "0"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := stack("invoke", "-env-vars", badEnv, "refresher", "events/refresher-scheduled.json")
	var fe struct{ ErrorType, ErrorMessage string }
	if err == nil || json.Unmarshal([]byte(out), &fe) != nil || fe.ErrorType != "Runtime.InitError" || !strings.Contains(fe.ErrorMessage, "REFRESHER_CONCURRENCY") {
		t.Errorf("got %v, stdout %q for REFRESHER_CONCURRENCY=0; want a failure with the init error on stdout", err, out)
	}
	if !strings.Contains(errOut, "START RequestId: ") || !strings.Contains(errOut, `"message":"init failed"`) ||
		!strings.Contains(errOut, "RefresherFunction failed: Runtime.InitError") {
		t.Errorf("stderr %q; want START, the function's log and the failure", errOut)
	}
	out, errOut, err = stack("invoke", "refresher", "events/refresher-scheduled.json")
	if err != nil || !strings.Contains(errOut, "END RequestId: ") || !strings.Contains(errOut, "REPORT RequestId: ") ||
		!strings.Contains(errOut, "timeout 5m0s, memory 256 MB") || !strings.Contains(errOut, "Memory Size: 256 MB") {
		t.Errorf("got %v, stderr %q; want a success with END and REPORT, the template's settings", err, errOut)
	}
	if json.Unmarshal([]byte(out), &refresh) != nil || len(refresh.Skipped) == 0 {
		t.Errorf("stdout %q; want the refresher's result", out)
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

// TestInvokeBadInput: an event that is not JSON, an unknown function, a
// template that does not parse, an env-vars file naming a variable the
// template does not declare: each a one-line error naming the file and the
// fix, before anything is built or started.
func TestInvokeBadInput(t *testing.T) {
	root, bin := buildStack(t)
	files := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(files, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	notJSON := file("event.json", "{\"force\": tru")
	badTemplate := file("template.yaml", "Resources:\n  Fn: !Reff X\n")
	envVars := file("env.json", `{"RefresherFunction": {"REFRESHER_CONFIG_PARAMETER": "/c", "NOT_DECLARED": "x"}}`)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"event not JSON", []string{"refresher", notJSON}, []string{notJSON + " is not JSON", "fix it"}},
		{"unknown function", []string{"lambda", "events/refresher-scheduled.json"}, []string{`no function "lambda"`, "name refresher or auditpull"}},
		{"template does not parse", []string{"-template", badTemplate, "refresher", "events/refresher-scheduled.json"},
			[]string{badTemplate + " does not parse as a SAM template", "unknown tag !Reff", "fix the YAML"}},
		{"env vars not declared", []string{"-env-vars", envVars, "refresher", "events/refresher-scheduled.json"},
			[]string{envVars + ": RefresherFunction.NOT_DECLARED", "does not declare NOT_DECLARED", "remove it from " + envVars}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, append([]string{"-dir", dir, "invoke"}, tt.args...)...)
			cmd.Dir = root
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			msg := strings.TrimSuffix(stderr.String(), "\n")
			if err == nil || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "stack: ") || stdout.Len() != 0 {
				t.Errorf("got %v, stdout %q, stderr %q; want a failure with one line on stderr", err, stdout.String(), msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q; want it to say %q", msg, w)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the stack directory holds %v; want nothing built or started", entries)
			}
		})
	}
}
