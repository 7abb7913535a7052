//go:build !linux

package rie

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
