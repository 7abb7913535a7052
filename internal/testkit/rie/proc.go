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

// Stop sends SIGSTOP to pid, as if the process hung, and waits until every
// one of its threads has stopped. kill returns before that: the process
// stops only once one of its threads takes the signal, and on a loaded
// machine another thread may meanwhile answer a request.
func Stop(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return err
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if stopped(pid) {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("rie: process " + strconv.Itoa(pid) + " did not stop within 5s of SIGSTOP")
		}
		time.Sleep(time.Millisecond)
	}
}

// stopped reports whether every thread of pid is stopped (state T).
func stopped(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, t := range tasks {
		if threadState(dir+t.Name()+"/stat") != 'T' {
			return false
		}
	}
	return true
}

// threadState returns the state letter of a /proc stat file, 0 if unread.
func threadState(path string) byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
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
	state := threadState("/proc/" + strconv.Itoa(pid) + "/stat")
	return state != 0 && state != 'Z' && state != 'X'
}
