// Command demo is `make demo`: it builds both functions, starts the local
// stack (moto_server and the local AvePoint), seeds it, runs the refresher
// and the audit pull under AWS's Lambda Runtime Interface Emulator (go tool
// aws-lambda-rie) with template.yaml's settings, prints what
// landed in SSM and S3, and stops everything it started, on failure and on
// Ctrl-C too. It exits 1 naming the step that failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localstack"
)

func main() {
	dir := flag.String("dir", "", "stack directory (default .demo/demo at the module root, apart from the stack of scripts/stack)")
	days := flag.Int("days", 3, "days of audit records to pull")
	flag.Parse()
	// Signals stay caught until the stack is stopped: a second Ctrl-C must
	// not cut the cleanup short.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Output piped into a reader that quits (| head) must not kill the demo
	// before it stops the stack: caught (not ignored, which children would
	// inherit), SIGPIPE makes writes fail instead.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	err := run(ctx, *dir, *days)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string, days int) error {
	root, err := localstack.ModuleRoot()
	if err != nil {
		return err
	}
	if dir == "" {
		dir = filepath.Join(localstack.DefaultDir(root), "demo")
	}
	d := &localstack.Demo{Root: root, Dir: dir, Out: os.Stdout, AuditDays: days}
	_, err = d.Run(ctx)
	return err
}
