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

	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
	"github.com/tokenrelay/tokenrelay/internal/testkit/samlocal"
)

// Function is one of the project's Lambda functions. Its timeout, memory
// size and environment come from template.yaml (see Stack.Settings).
type Function struct {
	// Name is its directory under functions/ and bin/.
	Name string
	// LogicalID is its resource in template.yaml (sam's function identifier).
	LogicalID string
}

// The two functions.
var (
	Refresher = Function{Name: "refresher", LogicalID: "RefresherFunction"}
	AuditPull = Function{Name: "auditpull", LogicalID: "AuditPullFunction"}
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
	return Function{}, fmt.Errorf("localstack: no function %q: name refresher or auditpull (or RefresherFunction, AuditPullFunction)", name)
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
// one is linux/arm64), so that the emulator can run it. Go builds are
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
			"AWS_ENDPOINT_URL":  s.MotoURL,
			"TOKEN_PARAMETER":   AuditParameter,
			"AUDIT_API_URL":     s.AvePointURL,
			"BUCKET":            Bucket,
			"PREFIX":            Prefix,
			"WINDOW":            "1h",
			"LAG":               "5m",
			"START_TIME":        seeded.AuditStart.Format(time.RFC3339),
			"RESCAN":            "0",
			"PRODUCT_TYPES":     "",
			"GEO_LOCATIONS":     "",
			"MAX_BACKFILL":      "744h",
			"AUDIT_CONCURRENCY": "4",
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

// TemplateFile is the SAM template, at the module root.
const TemplateFile = "template.yaml"

// Invocation says how to run a function, in the terms of `sam local
// invoke`.
type Invocation struct {
	// Template is the SAM template (--template); "" means template.yaml at
	// the module root.
	Template string
	// EnvVars is the --env-vars file; "" means, on a stack, its env.json,
	// which Seed wrote and a user may edit (sam reads the same file).
	EnvVars string
	// ParameterOverrides are --parameter-overrides.
	ParameterOverrides map[string]string
	// Shell is the environment SAM CLI would run in (os.Environ() for a
	// command); a template variable the env-vars file leaves unset takes its
	// value from it.
	Shell []string
}

// Resolve returns f's timeout, memory size and environment from the
// template with the env-vars file and parameter overrides, as `sam local
// invoke` resolves them. A bad template, function or env-vars file is a
// one-line error naming the file and the fix.
func (inv Invocation) Resolve(root string, f Function, region string) (samlocal.Function, error) {
	path := inv.Template
	if path == "" {
		path = filepath.Join(root, TemplateFile)
	}
	tmpl, err := samlocal.Load(path)
	if err != nil {
		return samlocal.Function{}, err
	}
	return tmpl.Resolve(f.LogicalID, samlocal.Options{
		EnvVars: inv.EnvVars, ParameterOverrides: inv.ParameterOverrides, Shell: inv.Shell, Region: region,
	})
}

// Settings resolves f's settings on the stack: inv with, unless it names
// another, the stack's env.json as its env-vars file.
func (s *Stack) Settings(root string, f Function, inv Invocation) (samlocal.Function, error) {
	if inv.EnvVars == "" {
		if s.Seeded == nil {
			return samlocal.Function{}, fmt.Errorf("localstack: the stack in %s is not seeded: seed it first", s.Dir)
		}
		inv.EnvVars = s.Seeded.EnvFile
	}
	return inv.Resolve(root, f, s.Region)
}

// Emulator starts f's bootstrap from binDir under AWS's Runtime Interface
// Emulator with its settings (see Settings) and the stack's credentials, as
// `sam local invoke` runs it in its container; the function's logs and the
// START, END and REPORT lines go to logs. Close stops it.
func (s *Stack) Emulator(ctx context.Context, root string, f Function, binDir string, inv Invocation, logs io.Writer) (*rie.Emulator, error) {
	set, err := s.Settings(root, f, inv)
	if err != nil {
		return nil, err
	}
	emulator, err := rie.Path(ctx, root)
	if err != nil {
		return nil, err
	}
	e, err := rie.Start(ctx, rie.Config{
		Emulator: emulator, Bootstrap: f.Bootstrap(binDir), FunctionName: f.LogicalID,
		Timeout: set.Timeout, MemoryMB: set.MemoryMB, Output: logs,
		Env: set.LambdaEnv(samlocal.Credentials{Region: s.Region, AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey}),
	})
	if err != nil {
		return nil, fmt.Errorf("localstack: start %s: %w", f.Name, err)
	}
	return e, nil
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
// with the invocation's env-vars file (the stack's env.json by default) and
// parameter overrides. The container shares the host's network so that the
// stack's 127.0.0.1 URLs reach moto_server and the local AvePoint (Docker
// Engine on Linux; Docker Desktop needs host networking turned on), and it
// runs the arm64 image: an x86-64 host needs QEMU user emulation
// (docker run --privileged --rm tonistiigi/binfmt --install arm64).
func (s *Stack) SAMCommands(ctx context.Context, root string, f Function, event string, inv Invocation) ([]*exec.Cmd, error) {
	if inv.EnvVars == "" {
		if s.Seeded == nil {
			return nil, fmt.Errorf("localstack: the stack in %s is not seeded: seed it first", s.Dir)
		}
		inv.EnvVars = s.Seeded.EnvFile
	}
	env := append(os.Environ(), s.AWSEnv()...)
	buildArgs := []string{"build", "--cached"}
	invokeArgs := []string{"local", "invoke", f.LogicalID, "--event", event, "--env-vars", inv.EnvVars}
	if inv.Template != "" {
		buildArgs = append(buildArgs, "--template-file", inv.Template)
	}
	if len(inv.ParameterOverrides) > 0 {
		keys := make([]string, 0, len(inv.ParameterOverrides))
		for k := range inv.ParameterOverrides {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var pairs []string
		for _, k := range keys {
			pairs = append(pairs, "ParameterKey="+k+",ParameterValue="+inv.ParameterOverrides[k])
		}
		invokeArgs = append(invokeArgs, "--parameter-overrides", strings.Join(pairs, " "))
	}
	invokeArgs = append(invokeArgs, "--docker-network", "host", "--region", s.Region)
	build := exec.CommandContext(ctx, "sam", buildArgs...)
	invoke := exec.CommandContext(ctx, "sam", invokeArgs...)
	for _, c := range []*exec.Cmd{build, invoke} {
		c.Dir, c.Env = root, env
	}
	return []*exec.Cmd{build, invoke}, nil
}
