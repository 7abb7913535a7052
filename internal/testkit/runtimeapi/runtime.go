package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// maxPayload is Lambda's limit on a synchronous request or response.
const maxPayload = 6 << 20

// Config describes the function to run.
type Config struct {
	// Bootstrap is the path of the executable, as sam build leaves it.
	Bootstrap string
	// Env holds extra KEY=VALUE entries; they override the Lambda defaults
	// (but not AWS_LAMBDA_RUNTIME_API). The host environment is not passed.
	Env []string
	// FunctionName names the function in its ARN and log group. "" means
	// "local-function".
	FunctionName string
	// Timeout is the function timeout; 0 means Lambda's default of 3s.
	Timeout time.Duration
	// InitTimeout bounds the start of a process up to its first GET /next;
	// 0 means Lambda's 10s.
	InitTimeout time.Duration
	// MemoryMB is the memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE); a
	// process whose resident set exceeds it is killed. 0 means 128.
	MemoryMB int
	// Stdout and Stderr receive the function's output (its logs); nil
	// discards it.
	Stdout, Stderr io.Writer
}

// Result is a completed invocation.
type Result struct {
	// RequestID is the Lambda-Runtime-Aws-Request-Id the function saw.
	RequestID string
	// Payload is the response body; nil when the function reported an error.
	Payload []byte
	// Error is the error the function reported, if any.
	Error *FunctionError
	// Duration runs from handing the event to the process to its answer.
	Duration time.Duration
	// ColdStart reports the first invocation of a process (the one whose
	// init it waited for, at Start or after a process ended).
	ColdStart bool
	// InitDuration is, on a cold start, the process start to its first
	// GET /next.
	InitDuration time.Duration
	// MaxMemoryUsed is the process's peak resident set in bytes (VmHWM),
	// since it started; 0 where /proc is not available.
	MaxMemoryUsed int64
}

// Runtime runs one function, one invocation at a time, in a process it
// keeps warm between invocations.
type Runtime struct {
	cfg       Config
	bootstrap string

	invokeMu sync.Mutex // one invocation at a time, as in one Lambda sandbox

	mu        sync.Mutex
	sb        *sandbox
	closed    bool
	firstNext time.Duration
}

// Start starts the process and waits until it asks for its first
// invocation; an init failure is returned as *InitError. ctx bounds only
// that wait: the process lives until Close.
func Start(ctx context.Context, cfg Config) (*Runtime, error) {
	if cfg.FunctionName == "" {
		cfg.FunctionName = "local-function"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.InitTimeout <= 0 {
		cfg.InitTimeout = 10 * time.Second
	}
	if cfg.MemoryMB <= 0 {
		cfg.MemoryMB = 128
	}
	path, err := filepath.Abs(cfg.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: bootstrap %s: %w", cfg.Bootstrap, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: bootstrap: %w", err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("runtimeapi: bootstrap %s is not an executable file", path)
	}
	r := &Runtime{cfg: cfg, bootstrap: path}
	if _, err := r.coldStart(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// coldStart starts a process and waits for its first GET /next.
func (r *Runtime) coldStart(ctx context.Context) (*sandbox, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, &InitError{Err: ErrClosed}
	}
	sb, err := startSandbox(r.cfg, r.bootstrap)
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	r.sb = sb
	r.mu.Unlock()

	timer := time.NewTimer(r.cfg.InitTimeout)
	defer timer.Stop()
	select {
	case <-sb.ready:
		r.mu.Lock()
		r.firstNext = sb.firstNext
		r.mu.Unlock()
		return sb, nil
	case fe := <-sb.initErr:
		sb.stop(errInitPosted)
		return nil, &InitError{Function: fe}
	case <-sb.exited:
		detail, reason := sb.why()
		return nil, &InitError{Err: reason, Detail: detail}
	case <-timer.C:
		sb.stop(ErrTimeout)
		return nil, &InitError{Err: ErrTimeout, Detail: "no GET /next within " + r.cfg.InitTimeout.String()}
	case <-ctx.Done():
		sb.stop(ctx.Err())
		return nil, &InitError{Err: ctx.Err()}
	}
}

// Invoke runs one invocation with payload as the event. A function error is
// in Result.Error with a nil error; an invocation that ends otherwise
// (timeout, kill, exit, memory, ctx) returns *InvokeError, and the next
// Invoke starts a fresh process.
func (r *Runtime) Invoke(ctx context.Context, payload []byte) (Result, error) {
	r.invokeMu.Lock()
	defer r.invokeMu.Unlock()
	inv := newInvocation(payload)
	if len(payload) > maxPayload {
		return Result{RequestID: inv.id}, &InvokeError{RequestID: inv.id, Err: ErrPayloadTooLarge,
			Detail: fmt.Sprintf("%d bytes, limit %d", len(payload), maxPayload)}
	}
	res := Result{RequestID: inv.id}
	start := time.Now()
	inv.deadline = start.Add(r.cfg.Timeout)
	timer := time.NewTimer(r.cfg.Timeout)
	defer timer.Stop()

	// Hand the event to a process; one that exits before taking it is
	// replaced once, as Lambda replaces a sandbox that died between events.
	var sb *sandbox
	for attempt := 0; sb == nil; attempt++ {
		cur, err := r.current(ctx, &res)
		if err != nil {
			return res, err
		}
		select {
		case cur.next <- inv:
			sb = cur
		case <-cur.exited:
			if attempt > 0 {
				detail, reason := cur.why()
				return res, &InvokeError{RequestID: inv.id, Err: reason, Detail: detail}
			}
		case <-timer.C:
			cur.stop(ErrTimeout)
			return res, &InvokeError{RequestID: inv.id, Err: ErrTimeout, Detail: "after " + r.cfg.Timeout.String()}
		case <-ctx.Done():
			return res, &InvokeError{RequestID: inv.id, Err: ctx.Err()}
		}
	}

	delivered := time.Now()
	if !sb.served {
		sb.served = true // only Invoke touches it, under invokeMu
		res.ColdStart, res.InitDuration = true, sb.firstNext
	}
	var out outcome
	select {
	case out = <-inv.done:
	case <-sb.exited:
		select {
		case out = <-inv.done: // answered, then exited (a panic does so)
		default:
			detail, reason := sb.why()
			return r.finish(res, sb, delivered), &InvokeError{RequestID: inv.id, Err: reason, Detail: detail}
		}
	case <-timer.C:
		sb.stop(ErrTimeout)
		return r.finish(res, sb, delivered), &InvokeError{RequestID: inv.id, Err: ErrTimeout, Detail: "after " + r.cfg.Timeout.String()}
	case <-ctx.Done():
		sb.stop(ctx.Err())
		return r.finish(res, sb, delivered), &InvokeError{RequestID: inv.id, Err: ctx.Err()}
	}
	res = r.finish(res, sb, delivered)
	res.Payload, res.Error = out.payload, out.err
	return res, nil
}

// current returns a live process, starting one if needed.
func (r *Runtime) current(ctx context.Context, res *Result) (*sandbox, error) {
	r.mu.Lock()
	sb, closed := r.sb, r.closed
	r.mu.Unlock()
	if closed {
		return nil, &InvokeError{RequestID: res.RequestID, Err: ErrClosed}
	}
	if sb != nil && !sb.done() {
		return sb, nil
	}
	sb, err := r.coldStart(ctx)
	if err != nil {
		return nil, err
	}
	return sb, nil
}

func (r *Runtime) finish(res Result, sb *sandbox, delivered time.Time) Result {
	res.Duration = time.Since(delivered)
	res.MaxMemoryUsed = sb.peakRSS()
	return res
}

// Kill sends SIGKILL to the process now and waits for it to end. An
// invocation in flight fails with ErrKilled; the next Invoke cold-starts.
func (r *Runtime) Kill() error {
	r.mu.Lock()
	sb := r.sb
	r.mu.Unlock()
	if sb != nil {
		sb.stop(ErrKilled)
	}
	return nil
}

// FirstNext returns how long the latest process took from its start to its
// first GET /next: the cold-start cost.
func (r *Runtime) FirstNext() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.firstNext
}

// PID returns the process id of the running process, 0 when there is none.
func (r *Runtime) PID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sb == nil || r.sb.done() {
		return 0
	}
	return r.sb.cmd.Process.Pid
}

// Close kills the process, waits for it, and stops the listener. Invoke
// returns ErrClosed afterwards. Close is idempotent.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	sb := r.sb
	r.mu.Unlock()
	if sb != nil {
		sb.stop(ErrClosed)
	}
	return nil
}

// errInitPosted marks a sandbox stopped because its init failed.
var errInitPosted = errors.New("runtimeapi: init error posted")
