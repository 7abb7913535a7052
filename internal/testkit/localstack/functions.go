package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/runtimeapi"
)

// Function is one of the project's Lambda functions.
type Function struct {
	// Name is its directory under functions/ and bin/.
	Name string
	// LogicalID is its resource in template.yaml (sam's function identifier).
	LogicalID string
	// Timeout and MemoryMB are the template's defaults
	// (FunctionTimeoutSeconds, FunctionMemorySize).
	Timeout  time.Duration
	MemoryMB int
}

// The two functions.
var (
	Refresher = Function{Name: "refresher", LogicalID: "RefresherFunction", Timeout: 300 * time.Second, MemoryMB: 256}
	AuditPull = Function{Name: "auditpull", LogicalID: "AuditPullFunction", Timeout: 300 * time.Second, MemoryMB: 256}
)

// Functions lists them in the order the demo runs them.
var Functions = []Function{Refresher, AuditPull}

// FunctionNamed finds a function by name or logical id, in any case.
func FunctionNamed(name string) (Function, error) {
	for _, f := range Functions {
		if strings.EqualFold(name, f.Name) || strings.EqualFold(name, f.LogicalID) {
			return f, nil
		}
	}
	return Function{}, fmt.Errorf("localstack: no function %q: want refresher or auditpull", name)
}

// Bootstrap is the path of f's built bootstrap under binDir.
func (f Function) Bootstrap(binDir string) string {
	return filepath.Join(binDir, f.Name, "bootstrap")
}

// lambdaBuildFlags are the Makefile's GOFLAGS_LAMBDA, so that the binary the
// stack runs is the one sam build deploys, but for this host (a test checks
// that the two stay the same).
var lambdaBuildFlags = []string{"-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid="}

// Build builds each function's bootstrap under binDir for this host's
// operating system and architecture (linux/amd64 here, where the deployed
// one is linux/arm64), so that the harness can run it. Go builds are
// incremental: an unchanged function takes a moment.
func Build(ctx context.Context, root, binDir string, fns ...Function) error {
	for _, f := range fns {
		args := append([]string{"build"}, lambdaBuildFlags...)
		args = append(args, "-o", f.Bootstrap(binDir), "./functions/"+f.Name)
		if err := goBuild(ctx, root, args, "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH); err != nil {
			return err
		}
	}
	return nil
}

// BuildTool builds the main package pkg (such as ./scripts/localavepoint)
// to out, for this host. -trimpath, as for the functions, lets the two
// builds share the compiled standard library and dependencies in the build
// cache, which matters on a first, cold build.
func BuildTool(ctx context.Context, root, out, pkg string) error {
	return goBuild(ctx, root, []string{"build", "-trimpath", "-o", out, pkg})
}

func goBuild(ctx context.Context, root string, args []string, env ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("localstack: go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// functionEnv is each function's environment on the stack, keyed by logical
// id: the variables of events/env.local.json with the stack's URLs.
func (s *Stack) functionEnv(seeded *Seeded) map[string]map[string]string {
	return map[string]map[string]string{
		Refresher.LogicalID: {
			"AWS_ENDPOINT_URL":           s.MotoURL,
			"REFRESHER_CONFIG_PARAMETER": ConfigParameter,
			"REFRESHER_CONCURRENCY":      "8",
			"EVENT_BUS_NAME":             "default",
		},
		AuditPull.LogicalID: {
			"AWS_ENDPOINT_URL": s.MotoURL,
			"TOKEN_PARAMETER":  AuditParameter,
			"AUDIT_API_URL":    s.AvePointURL,
			"BUCKET":           Bucket,
			"PREFIX":           Prefix,
			"WINDOW":           "1h",
			"LAG":              "5m",
			"START_TIME":       seeded.AuditStart.Format(time.RFC3339),
			"RESCAN":           "0",
			"PRODUCT_TYPES":    "",
			"GEO_LOCATIONS":    "",
			"MAX_BACKFILL":     "744h",
		},
	}
}

func writeEnvFile(path string, env map[string]map[string]string) error {
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	return nil
}

// Env is f's environment on the stack: the AWS settings and f's section of
// env.json, which Seed wrote and a user may edit (sam reads the same file).
func (s *Stack) Env(f Function) ([]string, error) {
	if s.Seeded == nil {
		return nil, fmt.Errorf("localstack: the stack in %s is not seeded: seed it first", s.Dir)
	}
	b, err := os.ReadFile(s.Seeded.EnvFile)
	if err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}
	var all map[string]map[string]string
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("localstack: %s: %w", s.Seeded.EnvFile, err)
	}
	vars, ok := all[f.LogicalID]
	if !ok {
		return nil, fmt.Errorf("localstack: %s has no %s section", s.Seeded.EnvFile, f.LogicalID)
	}
	env := s.AWSEnv()
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env, nil
}

// Runtime starts f's bootstrap from binDir through the Runtime API harness
// with f's environment on the stack; the function's logs go to logs.
func (s *Stack) Runtime(ctx context.Context, f Function, binDir string, logs io.Writer) (*runtimeapi.Runtime, error) {
	env, err := s.Env(f)
	if err != nil {
		return nil, err
	}
	r, err := runtimeapi.Start(ctx, runtimeapi.Config{
		Bootstrap: f.Bootstrap(binDir), Env: env, FunctionName: f.Name,
		Timeout: f.Timeout, MemoryMB: f.MemoryMB, Stdout: logs, Stderr: logs,
	})
	if err != nil {
		return nil, fmt.Errorf("localstack: start %s: %w", f.Name, err)
	}
	return r, nil
}

// SAMAvailable reports whether `sam local invoke` can run here: SAM CLI on
// PATH and a Docker engine answering.
func SAMAvailable(ctx context.Context) bool {
	if _, err := exec.LookPath("sam"); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "docker", "info").Run() == nil
}

// SAMCommands returns the commands that run f with the event file through
// SAM CLI in Docker, from the module root: `sam build --cached` (the
// template's arm64 build through the Makefile), then `sam local invoke`
// with env.json. The container shares the host's network so that the
// stack's 127.0.0.1 URLs reach moto_server and the local AvePoint (Docker
// Engine on Linux; Docker Desktop needs host networking turned on), and it
// runs the arm64 image: an x86-64 host needs QEMU user emulation
// (docker run --privileged --rm tonistiigi/binfmt --install arm64).
func (s *Stack) SAMCommands(ctx context.Context, root string, f Function, event string) ([]*exec.Cmd, error) {
	if s.Seeded == nil {
		return nil, fmt.Errorf("localstack: the stack in %s is not seeded: seed it first", s.Dir)
	}
	env := append(os.Environ(), s.AWSEnv()...)
	build := exec.CommandContext(ctx, "sam", "build", "--cached")
	invoke := exec.CommandContext(ctx, "sam", "local", "invoke", f.LogicalID,
		"--event", event, "--env-vars", s.Seeded.EnvFile,
		"--docker-network", "host", "--region", s.Region)
	for _, c := range []*exec.Cmd{build, invoke} {
		c.Dir, c.Env = root, env
	}
	return []*exec.Cmd{build, invoke}, nil
}
