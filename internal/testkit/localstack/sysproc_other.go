//go:build !linux

package localstack

import "syscall"

// sysProcAttr: without Pdeathsig, a demo killed outright (SIGKILL) leaves its
// services running; `go run ./scripts/stack stop` ends them.
func sysProcAttr(detached bool) *syscall.SysProcAttr {
	if detached {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return &syscall.SysProcAttr{Setpgid: true}
}
