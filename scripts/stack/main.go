// Command stack drives the local stack step by step:
//
//	go run ./scripts/stack start     moto_server and the local AvePoint on free 127.0.0.1 ports
//	go run ./scripts/stack seed      credentials, refresher config, bucket; writes .demo/env.json
//	go run ./scripts/stack invoke refresher events/refresher-scheduled.json
//	go run ./scripts/stack status    what is running, as .demo/stack.json records it
//	eval "$(go run ./scripts/stack env)"   points the AWS CLI and SDKs at the stack's moto_server
//	go run ./scripts/stack stop      stops what start started; nothing to do is fine
//
// invoke builds the function for this host and runs it under AWS's Lambda
// Runtime Interface Emulator (go tool aws-lambda-rie), with the timeout,
// memory size and environment template.yaml gives it and the stack's
// env.json (or -env-vars) over them, as `sam local invoke` would; with -sam
// it runs `sam build --cached` and `sam local invoke` (SAM CLI and Docker)
// with the same file. As with sam, the function's answer goes to stdout, its
// logs and the START, END and REPORT lines to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localstack"
	"github.com/tokenrelay/tokenrelay/internal/testkit/samlocal"
)

const usage = `usage: go run ./scripts/stack [-dir DIR] <command> [flags]

commands:
  start  [-moto-port N] [-avepoint-port N] [-records-per-hour N] [-page-size N]
  seed   [-days N]
  invoke [-sam] [-template FILE] [-env-vars FILE] [-parameter-overrides "Name=Value ..."] <refresher|auditpull> <event.json>
  status
  env    (eval "$(go run ./scripts/stack env)"; then e.g. aws s3 ls s3://tokenrelay-local-audit --recursive)
  stop
`

func main() {
	global := flag.NewFlagSet("stack", flag.ExitOnError)
	global.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	dir := global.String("dir", "", "stack directory (default .demo at the module root)")
	_ = global.Parse(os.Args[1:])
	if global.NArg() == 0 {
		global.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *dir, global.Arg(0), global.Args()[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stack:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, cmd string, args []string) error {
	root, err := localstack.ModuleRoot()
	if err != nil {
		return err
	}
	if dir == "" {
		dir = localstack.DefaultDir(root)
	}
	switch cmd {
	case "start":
		return start(ctx, root, dir, args)
	case "seed":
		return seed(ctx, dir, args)
	case "invoke":
		return invoke(ctx, root, dir, args)
	case "status":
		s, err := localstack.Load(dir)
		if err != nil {
			return err
		}
		return printJSON(s)
	case "env":
		s, err := localstack.Load(dir)
		if err != nil {
			return err
		}
		for _, kv := range s.AWSEnv() {
			fmt.Println("export " + kv)
		}
		return nil
	case "stop":
		stopped, err := localstack.StopDir(dir)
		if err == nil && !stopped {
			fmt.Fprintln(os.Stderr, "stack: nothing to stop in", dir)
		}
		return err
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func start(ctx context.Context, root, dir string, args []string) error {
	fs := flag.NewFlagSet("start", flag.ExitOnError)
	cfg := localstack.StartConfig{Dir: dir, Detached: true, AvePointBin: filepath.Join(dir, "bin", "localavepoint")}
	fs.IntVar(&cfg.MotoPort, "moto-port", 0, "moto_server port (0: a free one; events/env.local.json assumes 5000)")
	fs.IntVar(&cfg.AvePointPort, "avepoint-port", 0, "local AvePoint port (0: a free one; events/env.local.json assumes 8400)")
	fs.IntVar(&cfg.RecordsPerHour, "records-per-hour", 60, "generated audit records in every hour")
	fs.IntVar(&cfg.PageSize, "page-size", 25, "audit records per page")
	_ = fs.Parse(args)
	if err := localstack.BuildTool(ctx, root, cfg.AvePointBin, "./scripts/localavepoint"); err != nil {
		return err
	}
	s, err := localstack.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "stack: moto_server %s (pid %d), local AvePoint %s (pid %d); recorded in %s\n",
		s.MotoURL, s.Moto.PID, s.AvePointURL, s.AvePoint.PID, filepath.Join(dir, localstack.StateFile))
	return printJSON(map[string]string{"moto_url": s.MotoURL, "avepoint_url": s.AvePointURL})
}

func seed(ctx context.Context, dir string, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	days := fs.Int("days", 3, "the audit pull's START_TIME lies this many days back")
	_ = fs.Parse(args)
	s, err := localstack.Load(dir)
	if err != nil {
		return err
	}
	if err := s.Seed(ctx, localstack.SeedConfig{AuditDays: *days}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "stack: seeded secrets %s and %s, config %s, bucket %s; function environments in %s\n",
		localstack.AuditSecret, localstack.BackupSecret, localstack.ConfigParameter, localstack.Bucket, s.Seeded.EnvFile)
	return nil
}

func invoke(ctx context.Context, root, dir string, args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ExitOnError)
	useSAM := fs.Bool("sam", false, "run through sam build and sam local invoke (needs SAM CLI and Docker)")
	template := fs.String("template", "", "SAM template (default template.yaml at the module root)")
	envVars := fs.String("env-vars", "", "environment variables file in the format of sam local invoke --env-vars (default the stack's env.json)")
	overrides := fs.String("parameter-overrides", "", `template parameters as sam's --parameter-overrides: "Name=Value Name2=Value2"`)
	_ = fs.Parse(args)
	if fs.NArg() != 2 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("invoke takes a function and an event file")
	}
	// Every input is checked before anything is built or started.
	fn, err := localstack.FunctionNamed(fs.Arg(0))
	if err != nil {
		return err
	}
	event, payload, err := readEvent(fs.Arg(1))
	if err != nil {
		return err
	}
	inv := localstack.Invocation{Template: abs(*template), EnvVars: abs(*envVars), Shell: os.Environ()}
	if inv.ParameterOverrides, err = samlocal.ParseParameterOverrides(*overrides); err != nil {
		return err
	}
	if _, err := inv.Resolve(root, fn, localstack.Region); err != nil {
		return err
	}
	s, err := localstack.Load(dir)
	if err != nil {
		return err
	}
	set, err := s.Settings(root, fn, inv)
	if err != nil {
		return err
	}
	if *useSAM {
		if !localstack.SAMAvailable(ctx) {
			return errors.New("-sam needs SAM CLI (sam) on PATH and a Docker engine answering: install them, or drop -sam to run under the emulator")
		}
		cmds, err := s.SAMCommands(ctx, root, fn, event, inv)
		if err != nil {
			return err
		}
		for _, c := range cmds {
			c.Stdout, c.Stderr = os.Stdout, os.Stderr
			fmt.Fprintln(os.Stderr, "stack:", c.String())
			if err := c.Run(); err != nil {
				return fmt.Errorf("%s: %w", c.String(), err)
			}
		}
		return nil
	}
	binDir := filepath.Join(dir, "bin")
	if err := localstack.Build(ctx, root, binDir, fn); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "stack: %s under the Lambda Runtime Interface Emulator (go tool aws-lambda-rie): timeout %s, memory %d MB\n",
		fn.LogicalID, set.Timeout, set.MemoryMB)
	e, err := s.Emulator(ctx, root, fn, binDir, inv, os.Stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	res, err := e.Invoke(ctx, payload)
	if err != nil {
		return err
	}
	// As sam local invoke: the answer on stdout, the logs on stderr.
	fmt.Println(string(res.Payload))
	if res.Error != nil {
		return fmt.Errorf("%s failed: %w", fn.LogicalID, res.Error)
	}
	return nil
}

// readEvent reads the event file, which must hold JSON, as Lambda's and
// sam local invoke's events do.
func readEvent(path string) (abs string, payload []byte, err error) {
	abs, err = filepath.Abs(path)
	if err != nil {
		return "", nil, err
	}
	payload, err = os.ReadFile(abs)
	if err != nil {
		return "", nil, fmt.Errorf("event: %w: give a JSON event file such as events/refresher-scheduled.json", err)
	}
	if !json.Valid(payload) {
		var v any
		err := json.Unmarshal(payload, &v)
		return "", nil, fmt.Errorf("event %s is not JSON (%v): fix it, or start from a file in events/", path, err)
	}
	return abs, payload, nil
}

// abs makes a path given on the command line absolute; "" stays "".
func abs(path string) string {
	if path == "" {
		return ""
	}
	if p, err := filepath.Abs(path); err == nil {
		return p
	}
	return path
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
