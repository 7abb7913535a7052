package rie

import (
	"context"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// StartTest starts cfg under the emulator for a test, the emulator built
// once per test binary (a failed build fails the test, never skips it), and
// closes it when the test ends. cfg.Emulator may be left empty.
func StartTest(t testing.TB, cfg Config) *Emulator {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a first, cold build of the emulator
	defer cancel()
	if cfg.Emulator == "" {
		path, err := Path(ctx, testenv.ModuleRoot(t))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Emulator = path
	}
	e, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start the emulator: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// InvokeTest runs one invocation and fails the test if the emulator did
// not answer; a failed invocation is in Result.Error.
func (e *Emulator) InvokeTest(t testing.TB, event string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := e.Invoke(ctx, []byte(event))
	if err != nil {
		t.Fatalf("invoke %.200s: %v", event, err)
	}
	return res
}
