package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// MotoInstall is the command that installs moto_server.
const MotoInstall = `pip install "moto[server]"   (moto 5; Python 3.9 or later)`

// ReadyTimeout bounds the wait for a started service to answer.
const ReadyTimeout = 30 * time.Second

// Service is a process a launcher started, as WaitReady and StartMoto watch
// it: the tests' children here, localstack's recorded processes there.
type Service interface {
	// Running reports whether the process has not exited.
	Running() bool
	// Stop ends the process; it is a no-op once it has exited.
	Stop() error
	// Output returns the end of what the process printed, for errors.
	Output() string
}

// MotoBin returns the path of moto_server, or an error naming the command
// that installs it: a missing tool fails loudly, it is never a skip.
func MotoBin() (string, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return "", fmt.Errorf("moto_server not found on PATH: install it with: %s", MotoInstall)
	}
	return bin, nil
}

// StartMoto starts moto_server on 127.0.0.1:port through spawn and waits
// until it answers. Port 0 picks a free port, and another twice more when
// the chosen one was taken in between. It returns the process and its
// endpoint URL; a process that did not answer is stopped.
func StartMoto[S Service](ctx context.Context, port int, spawn func(bin string, args []string) (S, error)) (S, string, error) {
	var zero S
	bin, err := MotoBin()
	if err != nil {
		return zero, "", err
	}
	var lastErr error
	for range 3 {
		p := port
		if p == 0 {
			if p, err = FreePort(); err != nil {
				return zero, "", err
			}
		}
		proc, err := spawn(bin, []string{"-H", "127.0.0.1", "-p", strconv.Itoa(p)})
		if err != nil {
			return zero, "", err
		}
		endpoint := "http://127.0.0.1:" + strconv.Itoa(p)
		if lastErr = WaitReady(ctx, proc, endpoint+"/moto-api/"); lastErr == nil {
			return proc, endpoint, nil
		}
		_ = proc.Stop()
		if port != 0 || ctx.Err() != nil {
			break
		}
	}
	return zero, "", fmt.Errorf("start moto_server: %w", lastErr)
}

// WaitReady polls url until it answers 200, the process exits, or
// ReadyTimeout passes; errors carry the end of the process's output.
func WaitReady(ctx context.Context, p Service, url string) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !p.Running() {
			return fmt.Errorf("exited before answering on %s; its output:\n%s", url, p.Output())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s: %w; output:\n%s", url, ctx.Err(), p.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Moto starts a fresh moto_server on a free 127.0.0.1 port, waits until it
// answers, stops it when the test ends, and returns its endpoint URL.
func Moto(t testing.TB) string {
	t.Helper()
	proc, endpoint, err := StartMoto(context.Background(), 0, startChild)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { _ = proc.Stop() })
	return endpoint
}

// child is a test's service process, in a process group of its own so that
// Stop ends what it started too.
type child struct {
	cmd  *exec.Cmd
	out  Buffer
	done chan struct{}
}

func startChild(bin string, args []string) (*child, error) {
	c := &child{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) Running() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

func (c *child) Stop() error {
	if err := syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("testenv: stop %s: %w", c.cmd.Path, err)
	}
	<-c.done
	return nil
}

func (c *child) Output() string { return c.out.String() }
