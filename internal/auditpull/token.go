package auditpull

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/paramstore"
)

// ParameterGetter reads an SSM parameter; paramstore.Store satisfies it.
type ParameterGetter interface {
	Get(ctx context.Context, name string) (value string, found bool, err error)
}

// TokenSource gives the audit API's bearer token from the SSM parameter
// Name, in either format of the README's "The stored token". It keeps the token between calls
// (and warm invocations) until it is asked to re-read it after a 401, or a
// JSON value's expires_at has passed. A JSON value that is already expired
// when read is an error naming the parameter, so that no request is sent
// with it. It is safe for concurrent use.
type TokenSource struct {
	// Params reads the parameter.
	Params ParameterGetter
	// Name is the parameter (TOKEN_PARAMETER).
	Name string
	// Now is the clock expiry is judged by; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	cached *paramstore.Value
	format paramstore.Format
}

// Token returns the token, reading the parameter when it holds none, when
// reread is set, or when the one it holds has expired.
func (s *TokenSource) Token(ctx context.Context, reread bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !reread && s.cached != nil && !s.expired(*s.cached, s.format, now) {
		return s.cached.AccessToken, nil
	}
	s.cached = nil
	raw, found, err := s.Params.Get(ctx, s.Name)
	switch {
	case err != nil:
		return "", fmt.Errorf("auditpull: token parameter %s: %w", s.Name, err)
	case !found:
		return "", fmt.Errorf("auditpull: token parameter %s does not exist; run the refresher for it first", s.Name)
	}
	v, format, err := paramstore.Decode(raw)
	if err != nil {
		return "", fmt.Errorf("auditpull: token parameter %s: %w", s.Name, err)
	}
	if s.expired(v, format, now) {
		return "", fmt.Errorf("auditpull: the token in parameter %s expired at %s (is the refresher running?); no request was sent with it",
			s.Name, v.ExpiresAt.UTC().Format(time.RFC3339))
	}
	s.cached, s.format = &v, format
	return v.AccessToken, nil
}

// expired applies the contract's rule: a JSON value whose expires_at has
// passed. A raw value has no stated expiry (a JWT's exp is only a hint);
// the API's 401 judges it.
func (s *TokenSource) expired(v paramstore.Value, f paramstore.Format, now time.Time) bool {
	return f == paramstore.FormatJSON && !v.ExpiresAt.IsZero() && !now.Before(v.ExpiresAt)
}

func (s *TokenSource) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
