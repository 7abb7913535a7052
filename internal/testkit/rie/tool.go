package rie

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// Tool is the emulator's package, as go.mod's tool directive names it.
const Tool = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

var (
	toolOnce sync.Once
	toolPath string
	toolErr  error
)

// Path returns the emulator's executable, built once per process by `go
// tool -n aws-lambda-rie` run in moduleRoot: Go builds it through the module
// proxy on first use and keeps it in its build cache, so that later calls,
// in this process or another, take a moment. A failed build is an error,
// with the fix.
func Path(ctx context.Context, moduleRoot string) (string, error) {
	toolOnce.Do(func() {
		cmd := exec.CommandContext(ctx, "go", "tool", "-n", "aws-lambda-rie")
		cmd.Dir = moduleRoot
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			toolErr = fmt.Errorf("rie: build the emulator (go tool -n aws-lambda-rie in %s): %w: %s; check that go.mod has `tool %s` and the module proxy is reachable",
				moduleRoot, err, strings.TrimSpace(stderr.String()), Tool)
			return
		}
		toolPath = strings.TrimSpace(string(out))
	})
	return toolPath, toolErr
}
