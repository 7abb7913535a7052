package testenv

import (
	"fmt"
	"sync"
	"testing"
)

func TestBuffer(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { fmt.Fprintf(&b, "{\"n\":%d}\n", i) })
	}
	wg.Wait()
	b.WaitFor(t, `"n"`, 8)
	if got := len(b.Lines(t)); got != 8 {
		t.Errorf("got %d JSON lines; want 8", got)
	}
}
