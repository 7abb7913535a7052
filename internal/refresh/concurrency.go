package refresh

import (
	"fmt"
	"strconv"
	"strings"
)

// EnvConcurrency is the environment variable setting Refresher.Concurrency.
const EnvConcurrency = "REFRESHER_CONCURRENCY"

// Bounds of REFRESHER_CONCURRENCY.
const (
	// DefaultConcurrency applies when REFRESHER_CONCURRENCY is unset or empty.
	DefaultConcurrency = 8
	// MaxConcurrency bounds it: more would only queue on the token endpoints
	// and on the SDK's connection pools.
	MaxConcurrency = 64
)

// ParseConcurrency reads a REFRESHER_CONCURRENCY value: empty means
// DefaultConcurrency, else a whole number from 1 to MaxConcurrency.
func ParseConcurrency(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultConcurrency, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxConcurrency {
		return 0, fmt.Errorf("refresh: %s must be a whole number from 1 to %d, got %q", EnvConcurrency, MaxConcurrency, s)
	}
	return n, nil
}
