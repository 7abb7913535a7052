package localstack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// modulePath is this module's path, as go.mod names it.
const modulePath = "github.com/tokenrelay/tokenrelay"

// ModuleRoot returns the directory holding this module's go.mod, searched
// from the working directory upwards, so that the scripts run from anywhere
// in the checkout.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("localstack: %w", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("localstack: not inside the %s checkout (no go.mod above the working directory)", modulePath)
		}
		dir = parent
	}
}

// DefaultDir is the stack's directory in a checkout: .demo/ (gitignored).
func DefaultDir(root string) string {
	return filepath.Join(root, ".demo")
}
