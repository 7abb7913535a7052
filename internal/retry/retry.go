// Package retry runs an operation again after transient failures, with capped
// exponential backoff and full jitter, honouring a server's Retry-After and
// never sleeping past the context's deadline.
//
// A failure is retryable when errors.As finds an error with a Temporary() bool
// method that returns true (the convention of golang.org/x/oauth2/google).
// Such an error may also say how long to wait with RetryAfter() time.Duration.
//
// Giving up because the next wait would pass the deadline is a *DeadlineError,
// which matches ErrDeadline and context.DeadlineExceeded, so that a caller can
// tell a lack of time from a failure.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy says how often and how patiently to retry. Its zero value is usable.
type Policy struct {
	// Attempts is the total number of calls, the first included. 0 means 6.
	Attempts int
	// Base is the backoff before the second attempt. 0 means 200ms.
	Base time.Duration
	// Max caps one backoff (not a server's Retry-After). 0 means 10s.
	Max time.Duration
	// Sleep waits d or until ctx is done. nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for jitter. nil means math/rand/v2.
	Rand func() float64
}

type temporary interface{ Temporary() bool }

type retryAfter interface{ RetryAfter() time.Duration }

// ErrDeadline is matched (errors.Is) by the *DeadlineError of a Do that gave
// up because its next wait would pass ctx's deadline.
var ErrDeadline = errors.New("retry: the next wait would pass the deadline")

// DeadlineError is the error of a Do that gave up, before ctx's deadline,
// because its next wait would pass that deadline. It matches ErrDeadline and
// context.DeadlineExceeded, and unwraps to the last error.
type DeadlineError struct {
	// Attempts is the number of calls made.
	Attempts int
	// Wait is the wait that would have passed Deadline.
	Wait time.Duration
	// Deadline is ctx's deadline.
	Deadline time.Time
	// Err is the last error.
	Err error
}

// Error names the attempts, the wait and the last error.
func (e *DeadlineError) Error() string {
	return fmt.Sprintf("retry: gave up after %d attempts, next wait %s would pass the deadline: %v",
		e.Attempts, e.Wait.Round(time.Millisecond), e.Err)
}

// Unwrap returns the last error.
func (e *DeadlineError) Unwrap() error { return e.Err }

// Is reports whether target is ErrDeadline or context.DeadlineExceeded.
func (e *DeadlineError) Is(target error) bool {
	return target == ErrDeadline || target == context.DeadlineExceeded
}

// Do calls fn until it succeeds, fails with an error that is not retryable,
// runs out of attempts, or would have to wait past ctx's deadline (a
// *DeadlineError). A non-retryable error is returned as it is; giving up on a
// retryable one wraps the last error, so errors.As still reaches it.
func (p Policy) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 6
	}
	for n := 1; ; n++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			return fmt.Errorf("retry: %w; last error: %w", cerr, err)
		}
		if !Retryable(err) || ctx.Err() != nil {
			return err
		}
		if n >= attempts {
			return fmt.Errorf("retry: gave up after %d attempts: %w", n, err)
		}
		wait := p.backoff(n)
		var ra retryAfter
		if errors.As(err, &ra) && ra.RetryAfter() > wait {
			wait = ra.RetryAfter()
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return &DeadlineError{Attempts: n, Wait: wait, Deadline: deadline, Err: err}
		}
		if serr := p.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("retry: interrupted after %d attempts: %w; last error: %w", n, serr, err)
		}
	}
}

// Retryable reports whether err, or an error it wraps, says it is temporary.
func Retryable(err error) bool {
	var t temporary
	return errors.As(err, &t) && t.Temporary()
}

func (p Policy) backoff(n int) time.Duration {
	base, max := p.Base, p.Max
	if base <= 0 {
		base = 200 * time.Millisecond
	}
	if max <= 0 {
		max = 10 * time.Second
	}
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	r := rand.Float64
	if p.Rand != nil {
		r = p.Rand
	}
	// Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter").
	return time.Duration(r() * float64(d))
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// MaxRetryAfter bounds what a Retry-After may ask for, in either form.
const MaxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header value: delta-seconds or an
// HTTP-date (RFC 9110 §10.2.3), at most MaxRetryAfter. It returns 0 when h
// is empty or invalid.
func ParseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(MaxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return min(t.Sub(now), MaxRetryAfter)
	}
	return 0
}

// Temporary marks err as retryable, waiting at least after (0: backoff only).
func Temporary(err error, after time.Duration) error {
	return &temporaryError{err: err, after: after}
}

type temporaryError struct {
	err   error
	after time.Duration
}

func (e *temporaryError) Error() string             { return e.err.Error() }
func (e *temporaryError) Unwrap() error             { return e.err }
func (e *temporaryError) Temporary() bool           { return true }
func (e *temporaryError) RetryAfter() time.Duration { return e.after }
