// Package throttle makes the requests to one server slow down together: a
// 429 Too Many Requests (or a 503 with Retry-After) on any request holds
// every request sent after it through the same [Gate] until the time the
// server asked for (README: "Audit pull", "Backlogs"). The audit pull sends
// the requests of all its windows in flight through one Gate, so that
// pulling windows concurrently never becomes a rate-limit storm; each
// request's own retry (internal/retry) still backs off on top of it.
package throttle

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/retry"
)

// DefaultPause is the hold after a 429 without a usable Retry-After.
const DefaultPause = time.Second

// HeldError is the cause of a request the gate refuses because the hold
// outlasts its context's deadline; it names the answer that closed the gate.
type HeldError struct {
	// StatusCode and RetryAfter are those of the answer that closed the gate.
	StatusCode int
	RetryAfter string
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("throttle: HTTP %d %s (Retry-After %q) holds every request past the deadline",
		e.StatusCode, http.StatusText(e.StatusCode), e.RetryAfter)
}

// Gate is an http.RoundTripper shared by the requests to one server. It is
// safe for concurrent use.
type Gate struct {
	// Base sends the requests. Required.
	Base http.RoundTripper
	// Pause is the hold after a 429 without Retry-After; 0 means DefaultPause.
	Pause time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu    sync.Mutex
	until time.Time  // no request is sent before this
	cause *HeldError // the answer that set until
}

// RoundTrip waits until the gate is open, sends req, and closes the gate
// for everyone when the server answers 429 (or 503 with Retry-After). A
// hold that would outlast req's context deadline fails at once with a
// *retry.DeadlineError, as a retry would.
func (g *Gate) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.wait(req); err != nil {
		return nil, err
	}
	resp, err := g.Base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	after := resp.Header.Get("Retry-After")
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable && after != "" {
		d := retry.ParseRetryAfter(after, g.now())
		if d <= 0 {
			d = g.pause()
		}
		g.hold(d, &HeldError{StatusCode: resp.StatusCode, RetryAfter: after})
	}
	return resp, nil
}

// Until returns the time before which no request is sent; zero when open.
func (g *Gate) Until() time.Time {
	until, _ := g.held()
	return until
}

func (g *Gate) held() (time.Time, *HeldError) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until, g.cause
}

func (g *Gate) hold(d time.Duration, cause *HeldError) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.now().Add(d); t.After(g.until) {
		g.until, g.cause = t, cause
	}
}

func (g *Gate) wait(req *http.Request) error {
	ctx := req.Context()
	for {
		until, cause := g.held()
		d := until.Sub(g.now())
		if d <= 0 {
			return nil
		}
		if deadline, ok := ctx.Deadline(); ok && g.now().Add(d).After(deadline) {
			return &retry.DeadlineError{Attempts: 0, Wait: d, Deadline: deadline, Err: cause}
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}

func (g *Gate) pause() time.Duration {
	if g.Pause > 0 {
		return g.Pause
	}
	return DefaultPause
}

func (g *Gate) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}
