package samtemplate

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// runCfnLint runs cfn-lint on the template at path and returns its output
// and whether it passed (exit status 0 and nothing printed).
func runCfnLint(t *testing.T, path string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatalf("cfn-lint not found on PATH: install it with: pip install cfn-lint (1.x)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--", path)
	cmd.Dir = filepath.Dir(path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run cfn-lint: %v: %s", err, out)
	}
	return string(out), err == nil && len(strings.TrimSpace(string(out))) == 0
}

// TestCfnLint fails on any cfn-lint error, warning or other output for
// template.yaml (cfn-lint applies the SAM transform first).
func TestCfnLint(t *testing.T) {
	out, ok := runCfnLint(t, filepath.Join(testenv.ModuleRoot(t), "template.yaml"))
	if !ok {
		t.Errorf("cfn-lint template.yaml: want no findings; got:\n%s", out)
	}
}

// TestCfnLintCatchesBadTemplate makes sure the runner above reports a
// finding rather than passing whatever cfn-lint says.
func TestCfnLintCatchesBadTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	bad := "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      MessageRetentionPeriod: not-a-number\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, ok := runCfnLint(t, path)
	if ok || !strings.Contains(out, "E3012") || !strings.Contains(out, "bad.yaml:6:") {
		t.Errorf("cfn-lint on a bad template: got pass=%v output %q; want finding E3012 at bad.yaml:6", ok, out)
	}
}

// TestMakefileBuildsFunctions checks, with `make -n`, that `sam build` can
// build every function declared with BuildMethod makefile: SAM runs
// `make build-<LogicalId>` with ARTIFACTS_DIR set and expects
// $(ARTIFACTS_DIR)/bootstrap, a linux/arm64 static binary.
func TestMakefileBuildsFunctions(t *testing.T) {
	root := testenv.ModuleRoot(t)
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatalf("make not found on PATH: install it with: apt-get install make")
	}
	doc := loadTemplate(t)
	pkgs := map[string]string{
		"RefresherFunction": "functions/refresher",
		"AuditPullFunction": "functions/auditpull",
	}
	for _, fn := range functionNames(doc) {
		t.Run(fn, func(t *testing.T) {
			artifacts := filepath.Join(t.TempDir(), "artifacts")
			cmd := exec.Command(makeBin, "-n", "build-"+fn, "ARTIFACTS_DIR="+artifacts)
			cmd.Dir = root
			// Let the Makefile's own defaults decide the target platform.
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "GOOS=") && !strings.HasPrefix(kv, "GOARCH=") && !strings.HasPrefix(kv, "MAKEFLAGS=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("make -n build-%s: %v\n%s\nwant a Makefile target build-%s writing $(ARTIFACTS_DIR)/bootstrap", fn, err, out, fn)
			}
			script := string(out)
			for _, want := range []string{artifacts + "/bootstrap", "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "lambda.norpc", pkgs[fn]} {
				if !strings.Contains(script, want) {
					t.Errorf("make -n build-%s: got commands\n%s\nwant them to contain %q", fn, script, want)
				}
			}
		})
	}
}
