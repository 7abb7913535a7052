package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer collects output written concurrently: a logger used by several
// goroutines, or a child process's stdout and stderr copied by exec. Its zero
// value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor waits until the buffer holds n occurrences of s, for output a
// child process writes through a pipe after it answered; it fails t after
// five seconds.
func (b *Buffer) WaitFor(t testing.TB, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(b.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("testenv: %d of %q not in the output after 5s:\n%s", n, s, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Lines decodes the JSON lines written so far, failing t on anything else.
func (b *Buffer) Lines(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(strings.NewReader(b.String()))
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("testenv: output is not JSON lines: %v\n%s", err, b.String())
		}
		out = append(out, m)
	}
}
