package runtimeapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// invocation is one event on its way through the Runtime API.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	traceID  string
	done     chan outcome // buffered: the answer never blocks its poster
}

type outcome struct {
	payload []byte
	err     *FunctionError
}

func newInvocation(payload []byte) *invocation {
	return &invocation{
		id:      newUUID(),
		payload: payload,
		traceID: fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8)),
		done:    make(chan outcome, 1),
	}
}

// sandbox is one process with its own Runtime API listener.
type sandbox struct {
	cfg     Config
	ln      net.Listener
	srv     *http.Server
	cmd     *exec.Cmd
	started time.Time

	next      chan *invocation // unbuffered: taken by a waiting GET /next
	ready     chan struct{}    // closed at the first GET /next
	readyOnce sync.Once
	firstNext time.Duration
	initErr   chan *FunctionError
	exited    chan struct{} // closed once the process is reaped
	served    bool          // an invocation was handed over

	mu      sync.Mutex
	current *invocation
	reason  error // why it was stopped; nil: it exited on its own
	exitErr error
	peak    int64
}

func startSandbox(cfg Config, bootstrap string) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: listen: %w", err)
	}
	sb := &sandbox{
		cfg:     cfg,
		ln:      ln,
		next:    make(chan *invocation),
		ready:   make(chan struct{}),
		initErr: make(chan *FunctionError, 1),
		exited:  make(chan struct{}),
	}
	cmd := exec.Command(bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = lambdaEnv(cfg, bootstrap, ln.Addr().String(), time.Now())
	cmd.Stdout, cmd.Stderr = cfg.Stdout, cfg.Stderr
	cmd.WaitDelay = time.Second // a grandchild holding the output pipes cannot block Wait
	sb.cmd = cmd
	sb.srv = &http.Server{Handler: sb.handler(), ReadHeaderTimeout: 10 * time.Second}
	sb.started = time.Now()
	go func() { _ = sb.srv.Serve(ln) }() // ErrServerClosed once the process ends
	if err := cmd.Start(); err != nil {
		sb.srv.Close()
		return nil, fmt.Errorf("runtimeapi: start %s: %w", bootstrap, err)
	}
	go sb.wait()
	go sb.watchMemory()
	return sb, nil
}

func (sb *sandbox) wait() {
	err := sb.cmd.Wait()
	sb.mu.Lock()
	sb.exitErr = err
	sb.mu.Unlock()
	close(sb.exited)
	sb.srv.Close()
}

// stop kills the process (SIGKILL, as Lambda does on timeout) for reason,
// unless it was already stopped for another, and waits until it is reaped.
func (sb *sandbox) stop(reason error) {
	sb.mu.Lock()
	if sb.reason == nil {
		sb.reason = reason
	}
	sb.mu.Unlock()
	_ = sb.cmd.Process.Kill() // fails only when the process is already gone
	<-sb.exited
}

func (sb *sandbox) done() bool {
	select {
	case <-sb.exited:
		return true
	default:
		return false
	}
}

// why explains an exit: the reason it was stopped, else ErrExited with the
// exit status.
func (sb *sandbox) why() (detail string, reason error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	detail = "exit status 0"
	if sb.exitErr != nil {
		detail = sb.exitErr.Error()
	}
	switch sb.reason {
	case nil:
		return detail, ErrExited
	case ErrOutOfMemory:
		return fmt.Sprintf("memory size %d MB", sb.cfg.MemoryMB), ErrOutOfMemory
	}
	return "", sb.reason
}

// take records inv as the invocation in flight.
func (sb *sandbox) take(inv *invocation) {
	sb.mu.Lock()
	sb.current = inv
	sb.mu.Unlock()
}

// answer completes the invocation in flight if id names it.
func (sb *sandbox) answer(id string, out outcome) bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.current == nil || sb.current.id != id {
		return false
	}
	sb.current.done <- out
	sb.current = nil
	return true
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
