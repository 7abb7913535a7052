package auditpull

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// TokenSource gives the audit API's bearer token from the SSM parameter
// Name, in either format of the README's "The stored token", through
// ssmtoken: the audit pull reads its token as any consumer does (README:
// "Reading a token from another Lambda"). The token is kept between calls
// and warm invocations until its expiry minus ssmtoken's margin, or until a
// 401 asks for it to be read again. A token whose expiry has passed is an
// error naming the parameter (ssmtoken.ErrExpired), so that no request is
// sent with it. It is safe for concurrent use.
type TokenSource struct {
	// SSM reads the parameter, usually *ssm.Client.
	SSM ssmtoken.GetParameterAPI
	// Name is the parameter (TOKEN_PARAMETER).
	Name string
	// Now is the clock expiry is judged by; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	src  *ssmtoken.Source
	last string // the token src returned last; "" while it has returned none
}

// Token returns the token. refused is "" or, after a 401, the token the
// API refused: the parameter is read again, once for all the callers
// refused the same token (windows in flight share one re-read), while a
// caller refused a token already replaced gets the replacement.
func (s *TokenSource) Token(ctx context.Context, refused string) (string, error) {
	src := s.source(refused)
	tok, err := src.TokenContext(ctx)
	if err != nil {
		return "", fmt.Errorf("auditpull: token: %w", err)
	}
	s.mu.Lock()
	if s.src == src {
		s.last = tok.AccessToken
	}
	s.mu.Unlock()
	return tok.AccessToken, nil
}

// source returns the ssmtoken.Source, a new one (holding no token) when
// refused is the token the current one returned last: ssmtoken drops a
// refused token only inside its Transport, and the audit API client
// handles its 401s itself. A new source's concurrent callers share its
// first read (ssmtoken reads once for them all).
func (s *TokenSource) source(refused string) *ssmtoken.Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.src == nil || (refused != "" && refused == s.last) {
		s.src = ssmtoken.New(s.SSM, s.Name)
		s.src.Now = s.Now
		s.last = ""
	}
	return s.src
}
