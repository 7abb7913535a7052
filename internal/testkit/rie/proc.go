package rie

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BootstrapPID returns the process id of the bootstrap the emulator runs,
// 0 when none runs (before the first invocation, after a kill).
func (e *Emulator) BootstrapPID() int {
	pid := childOf(e.cmd.Process.Pid)
	if pid > 0 {
		e.mu.Lock()
		e.pid = pid
		e.mu.Unlock()
	}
	return pid
}

// lastPID returns the bootstrap seen last, alive or not.
func (e *Emulator) lastPID() int {
	if pid := e.BootstrapPID(); pid > 0 {
		return pid
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pid
}

// watchPID notes the bootstrap while an invocation runs, so that a process
// started by this invocation is known even if it is gone by its end.
func (e *Emulator) watchPID(ctx context.Context) {
	for {
		e.BootstrapPID()
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// KillBootstrap sends SIGKILL to the running bootstrap, as a crash or the
// host would: the invocation in flight fails with Runtime.ExitError and the
// next one starts a fresh bootstrap.
func (e *Emulator) KillBootstrap() error {
	pid := e.BootstrapPID()
	if pid == 0 {
		return errors.New("rie: no bootstrap is running")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	return nil
}

// PeakRSS returns the running bootstrap's peak resident set in bytes
// (VmHWM of /proc/PID/status, since it started), 0 when none runs or /proc
// is missing. The emulator reports Max Memory Used as the memory size.
func (e *Emulator) PeakRSS() int64 {
	pid := e.BootstrapPID()
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// childOf returns a live child of pid, 0 when it has none.
func childOf(pid int) int {
	p := strconv.Itoa(pid)
	tasks, _ := os.ReadDir("/proc/" + p + "/task")
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + p + "/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, _ := strconv.Atoi(f); c > 0 && alive(c) {
				return c
			}
		}
	}
	return 0
}

// alive reports whether pid is a process that has not exited (a zombie
// has).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	state := b[i+2]
	return state != 'Z' && state != 'X'
}
