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

	mu  sync.Mutex
	src *ssmtoken.Source
}

// Token returns the token; reread, after a 401, drops the one held and
// reads the parameter again.
func (s *TokenSource) Token(ctx context.Context, reread bool) (string, error) {
	tok, err := s.source(reread).TokenContext(ctx)
	if err != nil {
		return "", fmt.Errorf("auditpull: token: %w", err)
	}
	return tok.AccessToken, nil
}

// source returns the ssmtoken.Source, a new one (holding no token) when
// fresh is set: ssmtoken drops a refused token only inside its Transport,
// and the audit API client handles its 401s itself.
func (s *TokenSource) source(fresh bool) *ssmtoken.Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.src == nil || fresh {
		s.src = ssmtoken.New(s.SSM, s.Name)
		s.src.Now = s.Now
	}
	return s.src
}
