package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// avepointBin builds scripts/localavepoint once for the test binary.
var avepointBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "localstack-test-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "localavepoint")
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return out, BuildTool(context.Background(), root, out, "./scripts/localavepoint")
})

func startStack(t *testing.T, dir string, detached bool) *Stack {
	t.Helper()
	bin, err := avepointBin()
	if err != nil {
		t.Fatalf("build the local AvePoint: %v", err)
	}
	s, err := Start(context.Background(), StartConfig{Dir: dir, AvePointBin: bin, Detached: detached})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// TestStartStop: stop, from this process or another one (Load), ends both
// services; a second start on a running stack is refused; stopping twice,
// or with nothing started, is fine.
func TestStartStop(t *testing.T) {
	for _, detached := range []bool{false, true} {
		name := map[bool]string{false: "owned", true: "detached, stopped from stack.json"}[detached]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := startStack(t, dir, detached)
			if _, err := Start(context.Background(), StartConfig{Dir: dir, AvePointBin: s.AvePointCfg.Bin}); err == nil || !strings.Contains(err.Error(), "already running") {
				t.Errorf("got %v starting a second stack in %s; want already running", err, dir)
			}
			procs := []*Process{s.Moto, s.AvePoint}
			stopper := s
			if detached {
				var err error
				if stopper, err = Load(dir); err != nil {
					t.Fatalf("Load: %v", err)
				}
			}
			if stopped, err := StopDir(dir); err != nil || !stopped {
				t.Fatalf("got StopDir = %v, %v; want true, nil", stopped, err)
			}
			for _, p := range procs {
				if p.Running() {
					t.Errorf("process %d still running after stop", p.PID)
				}
			}
			if err := stopper.Stop(); err != nil {
				t.Errorf("second Stop: %v", err)
			}
			if stopped, err := StopDir(dir); err != nil || stopped {
				t.Errorf("got StopDir = %v, %v on a stopped stack; want false, nil", stopped, err)
			}
		})
	}
}

// TestStaleStateReplaced: a stack.json whose processes are gone (a demo
// killed outright) does not block a new start, and a pid reused by another
// process is never signalled.
func TestStaleStateReplaced(t *testing.T) {
	dir := t.TempDir()
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	stale := &Stack{Dir: dir, Moto: &Process{PID: other.Process.Pid, StartTicks: startTicks(other.Process.Pid) + 1}}
	if err := stale.Save(); err != nil {
		t.Fatal(err)
	}
	startStack(t, dir, false)
	if err := stale.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("process %d, which reused a recorded pid, was stopped: %v", other.Process.Pid, err)
	}
}

func TestStartWithoutMoto(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), StartConfig{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `pip install "moto[server]"`) {
		t.Fatalf("got %v; want moto_server not found with the install command", err)
	}
}

// TestEnvMatchesLocalExample: env.json has exactly the variables of the
// committed events/env.local.json, which the template declares.
func TestEnvMatchesLocalExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), "events", "env.local.json"))
	if err != nil {
		t.Fatal(err)
	}
	var example map[string]map[string]string
	if err := json.Unmarshal(b, &example); err != nil {
		t.Fatal(err)
	}
	s := &Stack{MotoURL: "http://127.0.0.1:1", AvePointURL: "http://127.0.0.1:2"}
	got := s.functionEnv(&Seeded{AuditStart: time.Unix(0, 0)})
	if !slices.Equal(sortedKeys(got), sortedKeys(example)) {
		t.Fatalf("got functions %v; want %v", sortedKeys(got), sortedKeys(example))
	}
	for fn, vars := range example {
		if !slices.Equal(sortedKeys(got[fn]), sortedKeys(vars)) {
			t.Errorf("%s: got variables %v; want %v", fn, sortedKeys(got[fn]), sortedKeys(vars))
		}
	}
}

// TestBuildFlagsMatchMakefile: the stack runs the binary sam build deploys.
func TestBuildFlagsMatchMakefile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^GOFLAGS_LAMBDA\s*:=\s*(.*)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no GOFLAGS_LAMBDA in the Makefile")
	}
	var quoted []string
	for _, f := range lambdaBuildFlags {
		if strings.Contains(f, " ") {
			f = `"` + f + `"`
		}
		quoted = append(quoted, f)
	}
	if got, want := strings.Join(quoted, " "), strings.TrimSpace(string(m[1])); got != want {
		t.Errorf("got build flags %s; want the Makefile's %s", got, want)
	}
}

func TestSAMCommands(t *testing.T) {
	s := &Stack{Dir: "/x", Region: Region, MotoURL: "http://127.0.0.1:5000", Seeded: &Seeded{EnvFile: "/x/env.json"}}
	cmds, err := s.SAMCommands(context.Background(), "/repo", AuditPull, "/repo/events/auditpull-backfill.json", Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"sam", "build", "--cached"},
		{"sam", "local", "invoke", "AuditPullFunction", "--event", "/repo/events/auditpull-backfill.json",
			"--env-vars", "/x/env.json", "--docker-network", "host", "--region", "us-east-1"},
	}
	for i, c := range cmds {
		if got := append([]string{filepath.Base(c.Args[0])}, c.Args[1:]...); !slices.Equal(got, want[i]) || c.Dir != "/repo" {
			t.Errorf("got %v in %s; want %v in /repo", got, c.Dir, want[i])
		}
		if !slices.Contains(c.Env, "AWS_ACCESS_KEY_ID=testing") || !slices.Contains(c.Env, "AWS_REGION=us-east-1") {
			t.Errorf("%v: the environment lacks the stack's credentials and region", c.Args)
		}
	}
	if _, err := (&Stack{}).SAMCommands(context.Background(), "/repo", Refresher, "e.json", Invocation{}); err == nil {
		t.Errorf("got no error for an unseeded stack")
	}
	cmds, err = s.SAMCommands(context.Background(), "/repo", Refresher, "e.json",
		Invocation{EnvVars: "my.json", ParameterOverrides: map[string]string{"FunctionTimeoutSeconds": "60", "AuditWindow": "6h"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cmds[1].Args[1:], " "); !strings.Contains(got, "--env-vars my.json --parameter-overrides ParameterKey=AuditWindow,ParameterValue=6h ParameterKey=FunctionTimeoutSeconds,ParameterValue=60 ") {
		t.Errorf("got %s; want the env-vars file and the parameter overrides in SAM's form", got)
	}
}

func TestFunctionNamed(t *testing.T) {
	for name, want := range map[string]string{"refresher": "refresher", "RefresherFunction": "refresher", "AUDITPULL": "auditpull", "AuditPullFunction": "auditpull"} {
		if f, err := FunctionNamed(name); err != nil || f.Name != want {
			t.Errorf("got FunctionNamed(%q) = %q, %v; want %q", name, f.Name, err, want)
		}
	}
	if _, err := FunctionNamed("lambda"); err == nil {
		t.Errorf("got no error for an unknown function")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestReseed: seeding again replaces the credentials and the local AvePoint
// (same URL, new pid) and deletes the tokens the old one issued.
func TestReseed(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, t.TempDir(), false)
	if err := s.Seed(ctx, SeedConfig{}); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	params := ssm.NewFromConfig(s.AWSConfig())
	if _, err := params.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(AuditParameter), Type: ssmtypes.ParameterTypeSecureString, Value: aws.String(`{"access_token":"old"}`)}); err != nil {
		t.Fatal(err)
	}
	url, pid := s.AvePointURL, s.AvePoint.PID
	if err := s.Seed(ctx, SeedConfig{}); err != nil {
		t.Fatalf("second Seed: %v", err)
	}
	if s.AvePointURL != url || s.AvePoint.PID == pid {
		t.Errorf("got AvePoint %s pid %d after reseed; want %s in a new process (was %d)", s.AvePointURL, s.AvePoint.PID, url, pid)
	}
	var notFound *ssmtypes.ParameterNotFound
	if _, err := params.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(AuditParameter)}); !errors.As(err, &notFound) {
		t.Errorf("got %v reading the old token after reseed; want ParameterNotFound", err)
	}
}
