// Command lambdarun runs a built Lambda bootstrap through the local Runtime
// API harness: each -event file is one invocation of the same (warm)
// process. Results go to stdout as JSON lines, the function's logs to
// stderr; the exit status is 1 when any invocation failed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/runtimeapi"
)

// list is a repeatable flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var events, env list
	cfg := runtimeapi.Config{Stdout: os.Stderr, Stderr: os.Stderr}
	flag.StringVar(&cfg.Bootstrap, "bootstrap", "bootstrap", "path of the built bootstrap")
	flag.Var(&events, "event", "event JSON file (repeatable)")
	flag.Var(&env, "env", "KEY=VALUE for the function, or KEY to pass this environment's value (repeatable)")
	flag.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "function timeout")
	flag.IntVar(&cfg.MemoryMB, "memory", 128, "memory size in MB")
	flag.StringVar(&cfg.FunctionName, "name", "local-function", "function name")
	flag.Parse()
	for _, kv := range env {
		if !strings.Contains(kv, "=") {
			kv += "=" + os.Getenv(kv)
		}
		cfg.Env = append(cfg.Env, kv)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !run(ctx, cfg, events) {
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg runtimeapi.Config, events []string) (ok bool) {
	r, err := runtimeapi.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lambdarun:", err)
		return false
	}
	defer r.Close()
	ok = true
	for _, path := range events {
		event, err := os.ReadFile(path)
		if err == nil {
			var res runtimeapi.Result
			res, err = r.Invoke(ctx, event)
			line, _ := json.Marshal(res)
			fmt.Println(string(line))
			if err == nil && res.Error != nil {
				err = res.Error
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "lambdarun: %s: %v\n", path, err)
			ok = false
		}
	}
	return ok
}
