package localstack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoStopsOnFailure: a step failing after the stack started (here the
// refresher, whose event file is missing) fails the demo naming the step,
// and the stack is stopped all the same.
func TestDemoStopsOnFailure(t *testing.T) {
	root := t.TempDir() // the checkout without events/
	entries, err := os.ReadDir(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "events" {
			continue
		}
		if err := os.Symlink(filepath.Join(moduleRoot(t), e.Name()), filepath.Join(root, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	out := &strings.Builder{}
	d := &Demo{Root: root, Dir: t.TempDir(), Out: out}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err = d.Run(ctx)
	var se *StepError
	if !errors.As(err, &se) || se.Step != "refresher" || !strings.Contains(err.Error(), "refresher-scheduled.json") {
		t.Fatalf("got %v; want step refresher failed naming the missing event\n%s", err, out)
	}
	if _, err := Load(d.Dir); err == nil {
		t.Errorf("stack.json left behind")
	}
	pids := regexp.MustCompile(`\(pid (\d+)\)`).FindAllStringSubmatch(out.String(), -1)
	if len(pids) != 2 {
		t.Fatalf("got output %q; want the start line with both pids", out)
	}
	for _, m := range pids {
		pid, _ := strconv.Atoi(m[1])
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still there after the failed demo (kill 0: %v)", pid, err)
		}
	}
	if !strings.Contains(out.String(), "==> stop") {
		t.Errorf("got output %q; want the stop line", out)
	}
}
