package rie

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// Config describes the function to run.
type Config struct {
	// Emulator is the emulator's executable (see Path).
	Emulator string
	// Bootstrap is the path of the function's executable.
	Bootstrap string
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME; "" means the emulator's
	// "test_function".
	FunctionName string
	// Timeout is the function timeout, rounded up to whole seconds as the
	// emulator takes it; 0 means Lambda's 3 s.
	Timeout time.Duration
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE; 0 means 128.
	MemoryMB int
	// Env holds the function's KEY=VALUE variables. The emulator passes its
	// whole environment to the function, so it gets only these, over the
	// Lambda defaults (PATH, LANG, TZ), and the settings above over them;
	// never the caller's environment.
	Env []string
	// Output receives what `sam local invoke` shows: the function's output
	// (its logs), the START, END and REPORT lines, and the emulator's
	// errors. nil discards it.
	Output io.Writer
	// LogFormat is AWS_LAMBDA_LOG_FORMAT, which Lambda sets from the
	// function's LoggingConfig; "" means JSON, as template.yaml's Globals
	// set it (the functions log JSON lines only with it). A LogFormat in
	// Env wins.
	LogFormat string
	// LogLevel is the emulator's --log-level; "" means "error", as `sam
	// local invoke` runs it. At "info" the emulator also logs the INIT
	// REPORT whose duration InitDurations returns.
	LogLevel string
}

// Emulator is a running emulator with its function.
type Emulator struct {
	cmd     *exec.Cmd
	url     string
	client  *http.Client
	exited  chan struct{} // the emulator process ended
	drained chan struct{} // its output, and the bootstrap's, was read to the end
	invokes sync.Mutex    // the emulator serves one invocation at a time

	mu      sync.Mutex
	reports map[string]report
	inits   []time.Duration
	waitErr error
	closed  bool
	pid     int // the bootstrap, once seen
}

// report is what the emulator's REPORT line says of one invocation.
type report struct {
	duration time.Duration
}

// startTimeout bounds the wait for the emulator's HTTP listener.
const startTimeout = 15 * time.Second

// Start runs the emulator on free 127.0.0.1 ports (its invoke endpoint
// and the Runtime API it serves the bootstrap) and waits until it accepts
// invocations. The bootstrap itself starts at the first Invoke, as in SAM
// CLI's container. Close stops both.
func Start(ctx context.Context, cfg Config) (*Emulator, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.MemoryMB <= 0 {
		cfg.MemoryMB = 128
	}
	if cfg.LogLevel == "" {
		cfg.LogLevel = "error"
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	boot, err := filepath.Abs(cfg.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("rie: bootstrap %s: %w", cfg.Bootstrap, err)
	}
	if fi, err := os.Stat(boot); err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("rie: bootstrap %s is not an executable file: build it first", boot)
	}
	cfg.Bootstrap = boot
	var last error
	for range 3 { // a port taken between FreePort and the emulator's bind: try others
		e, err := start(ctx, cfg)
		if err == nil {
			return e, nil
		}
		last = err
		if !errors.Is(err, errExitedEarly) {
			break
		}
	}
	return nil, last
}

var errExitedEarly = errors.New("rie: the emulator exited before it listened")

func start(ctx context.Context, cfg Config) (*Emulator, error) {
	invokePort, err := testenv.FreePort()
	if err != nil {
		return nil, err
	}
	apiPort, err := testenv.FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(invokePort)
	cmd := exec.Command(cfg.Emulator, "--log-level", cfg.LogLevel,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		cfg.Bootstrap)
	cmd.Dir = filepath.Dir(cfg.Bootstrap)
	cmd.Env = environ(cfg)
	cmd.SysProcAttr = sysProcAttr()
	// One pipe for stdout and stderr keeps their lines in the order written.
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("rie: %w", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	e := &Emulator{
		cmd: cmd, url: "http://" + addr + "/2015-03-31/functions/function/invocations",
		client:  &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
		exited:  make(chan struct{}),
		drained: make(chan struct{}),
		reports: map[string]report{},
	}
	err = cmd.Start()
	pw.Close() // the emulator and the bootstrap hold it
	if err != nil {
		pr.Close()
		return nil, fmt.Errorf("rie: start %s: %w", cfg.Emulator, err)
	}
	go func() {
		defer close(e.drained)
		defer pr.Close()
		e.scan(pr, cfg.Output) // until the last writer, the bootstrap too, is gone
	}()
	go func() {
		err := cmd.Wait()
		e.mu.Lock()
		e.waitErr = err
		e.mu.Unlock()
		close(e.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return e, nil
		}
		select {
		case <-e.exited:
			return nil, fmt.Errorf("%w (%v)", errExitedEarly, e.waitErr)
		case <-ctx.Done():
			_ = e.Close()
			return nil, fmt.Errorf("rie: start: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = e.Close()
			return nil, fmt.Errorf("rie: the emulator did not listen on %s within %s", addr, startTimeout)
		}
	}
}

// environ is the emulator's, and so the function's, environment: Lambda's
// defaults for provided.al2023, cfg.Env, then the settings of cfg.
func environ(cfg Config) []string {
	env := []string{
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"LAMBDA_TASK_ROOT=" + filepath.Dir(cfg.Bootstrap),
	}
	if cfg.LogFormat == "" {
		cfg.LogFormat = "JSON"
	}
	env = append(env, "AWS_LAMBDA_LOG_FORMAT="+cfg.LogFormat)
	env = append(env, cfg.Env...)
	secs := int(math.Ceil(cfg.Timeout.Seconds()))
	env = append(env,
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(secs),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(cfg.MemoryMB))
	if cfg.FunctionName != "" {
		env = append(env, "AWS_LAMBDA_FUNCTION_NAME="+cfg.FunctionName)
	}
	return env
}

// scan copies the emulator's output line by line and notes its REPORT and
// INIT REPORT lines.
func (e *Emulator) scan(r io.Reader, out io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	for sc.Scan() {
		line := sc.Text()
		_, _ = io.WriteString(out, line+"\n")
		e.note(line)
	}
	_, _ = io.Copy(io.Discard, r)
}

func (e *Emulator) note(line string) {
	if rest, ok := strings.CutPrefix(line, "REPORT RequestId: "); ok {
		id, fields, _ := strings.Cut(rest, "\t")
		var rep report
		for _, f := range strings.Split(fields, "\t") {
			if v, ok := strings.CutPrefix(f, "Duration: "); ok {
				rep.duration = millis(strings.TrimSuffix(v, " ms"))
			}
		}
		e.mu.Lock()
		e.reports[id] = rep
		e.mu.Unlock()
		return
	}
	// (rapid) INIT REPORT(durationMs: 9.198000): bootstrap start to its
	// first GET /next, logged at --log-level info.
	if _, rest, ok := strings.Cut(line, "INIT REPORT(durationMs: "); ok {
		v, _, _ := strings.Cut(rest, ")")
		e.mu.Lock()
		e.inits = append(e.inits, millis(v))
		e.mu.Unlock()
	}
}

func millis(s string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0
	}
	return time.Duration(f * float64(time.Millisecond))
}

// Close stops the emulator (SIGTERM, which stops the bootstrap too; SIGKILL
// after a grace period) and any bootstrap left, and waits for them. It is
// idempotent.
func (e *Emulator) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	boot := e.BootstrapPID()
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(3 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
	if boot == 0 {
		boot = e.lastPID()
	}
	if boot > 0 && alive(boot) {
		// The bootstrap leads its own process group (the emulator starts it
		// so); an emulator that died first leaves it to us.
		_ = syscall.Kill(-boot, syscall.SIGKILL)
		_ = syscall.Kill(boot, syscall.SIGKILL)
		for i := 0; i < 100 && alive(boot); i++ {
			time.Sleep(10 * time.Millisecond)
		}
	}
	select { // the last lines reach Output before Close returns
	case <-e.drained:
	case <-time.After(2 * time.Second):
	}
	return nil
}

// PID returns the emulator's process id.
func (e *Emulator) PID() int { return e.cmd.Process.Pid }
