package localstack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a service process the stack started, as stack.json records it.
type Process struct {
	// PID is its process id; it leads its own process group.
	PID int `json:"pid"`
	// StartTicks is its start time from /proc/<pid>/stat (clock ticks since
	// boot): it tells our process from a later one that reused the pid.
	// 0 where /proc is not available.
	StartTicks uint64 `json:"start_ticks,omitempty"`
	// Log is the file receiving its stdout and stderr.
	Log string `json:"log"`

	// exited is closed once this process, a child of ours, was reaped; nil
	// when the Process was read from stack.json by another process.
	exited chan struct{}
}

// stopGrace is how long a service gets to exit after SIGTERM before SIGKILL.
const stopGrace = 3 * time.Second

// spawn starts name with args in a process group of its own, output to
// logPath. A detached process gets a session of its own and outlives us
// (scripts/stack start); otherwise it is killed when we die (Linux), so that
// a demo or test killed outright leaves nothing behind.
func spawn(name string, args []string, logPath string, detached bool) (*Process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}
	defer log.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr(detached)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("localstack: start %s: %w", name, err)
	}
	p := &Process{PID: cmd.Process.Pid, Log: logPath, exited: make(chan struct{})}
	p.StartTicks = startTicks(p.PID)
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Running reports whether the process is still the one we started.
func (p *Process) Running() bool {
	if p == nil || p.PID <= 0 {
		return false
	}
	if p.exited != nil {
		select {
		case <-p.exited:
			return false
		default:
			return true
		}
	}
	if err := syscall.Kill(p.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	ticks, state := procStat(p.PID)
	if state == "Z" || state == "X" {
		return false
	}
	return p.StartTicks == 0 || ticks == p.StartTicks
}

// Stop ends the process and its group: SIGTERM, then SIGKILL after
// stopGrace. It does nothing when the process is gone or its pid now belongs
// to another process.
func (p *Process) Stop() error {
	if !p.Running() {
		return nil
	}
	_ = syscall.Kill(-p.PID, syscall.SIGTERM)
	if p.wait(stopGrace) {
		return nil
	}
	_ = syscall.Kill(-p.PID, syscall.SIGKILL)
	if p.wait(stopGrace) {
		return nil
	}
	return fmt.Errorf("localstack: process %d did not stop", p.PID)
}

func (p *Process) wait(d time.Duration) bool {
	if p.exited != nil {
		select {
		case <-p.exited:
			return true
		case <-time.After(d):
			return false
		}
	}
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !p.Running() {
			return true
		}
	}
	return false
}

// logTail returns the last lines of the process's log, for error messages.
func (p *Process) logTail() string {
	return tail(p.Log, 15)
}

// tail returns up to n last lines of the file at path, "" when unreadable.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// startTicks returns the start time of pid in clock ticks since boot, 0 when
// unknown.
func startTicks(pid int) uint64 {
	ticks, _ := procStat(pid)
	return ticks
}

// procStat reads the start time and state of pid from /proc/<pid>/stat.
func procStat(pid int) (ticks uint64, state string) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, ""
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis, which is field 2.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, ""
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, ""
	}
	ticks, _ = strconv.ParseUint(f[19], 10, 64) // field 22: starttime
	return ticks, f[0]                          // field 3: state
}
