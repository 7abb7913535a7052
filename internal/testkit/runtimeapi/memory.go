package runtimeapi

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// memoryPoll is how often the resident set is checked against MemoryMB.
const memoryPoll = 25 * time.Millisecond

// watchMemory kills the process when its resident set exceeds the memory
// size, as Lambda does, and keeps the peak for Result.MaxMemoryUsed. Where
// /proc is missing (not Linux) it does nothing.
func (sb *sandbox) watchMemory() {
	limit := int64(sb.cfg.MemoryMB) << 20
	t := time.NewTicker(memoryPoll)
	defer t.Stop()
	for {
		select {
		case <-sb.exited:
			return
		case <-t.C:
		}
		rss, hwm, ok := readStatus(sb.cmd.Process.Pid)
		if !ok {
			return
		}
		sb.notePeak(hwm)
		if rss > limit {
			sb.stop(ErrOutOfMemory)
			return
		}
	}
}

// peakRSS reads the current high-water mark, or the last one seen.
func (sb *sandbox) peakRSS() int64 {
	if !sb.done() {
		if _, hwm, ok := readStatus(sb.cmd.Process.Pid); ok {
			sb.notePeak(hwm)
		}
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.peak
}

func (sb *sandbox) notePeak(hwm int64) {
	sb.mu.Lock()
	if hwm > sb.peak {
		sb.peak = hwm
	}
	sb.mu.Unlock()
}

// readStatus returns VmRSS and VmHWM of pid in bytes.
func readStatus(pid int) (rss, hwm int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	for line := range bytes.Lines(b) {
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			rss = kib(line[len("VmRSS:"):])
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			hwm = kib(line[len("VmHWM:"):])
		}
	}
	return rss, hwm, true
}

func kib(field []byte) int64 {
	f := bytes.Fields(field)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[0]), 10, 64)
	return n << 10
}
