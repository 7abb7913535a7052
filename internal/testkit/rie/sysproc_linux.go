package rie

import "syscall"

// sysProcAttr kills the emulator when its parent dies, so that a test or
// command killed outright leaves no emulator behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
