package ssmtoken

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"golang.org/x/oauth2"
)

// GetParameterAPI reads one SSM parameter; *ssm.Client is one.
type GetParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Defaults of the Source fields.
const (
	// DefaultMargin is Margin when it is zero.
	DefaultMargin = time.Minute
	// DefaultRawTTL is RawTTL when it is zero.
	DefaultRawTTL = 5 * time.Minute
	// LateRecheck is how long a token read with less than Margin left is
	// kept before the parameter is read again.
	LateRecheck = 10 * time.Second
)

// ErrExpired is the error, reached with errors.Is, for a stored token whose
// expiry (expires_at, or a raw JWT's exp) has passed.
var ErrExpired = errors.New("ssmtoken: stored token expired")

// Source is the token held in one SSM parameter. Create it with New; its
// exported fields may be set before first use and have usable zero values.
// It is safe for concurrent use.
type Source struct {
	// Margin is how long before its expiry a token stops being handed out,
	// so that a request never leaves with a token about to lapse; zero (or
	// negative) means DefaultMargin. A token read with less than Margin left
	// (the refresher is late) is still handed out, and kept for at most
	// LateRecheck, never past its expiry, so that SSM is asked again soon
	// but not at every request.
	Margin time.Duration
	// RawTTL is how long a token of unknown expiry (a raw value that is no
	// JWT with exp) is kept before the parameter is read again; zero (or
	// negative) means DefaultRawTTL.
	RawTTL time.Duration
	// Now is the clock expiry is judged by; nil means time.Now.
	Now func() time.Time

	api  GetParameterAPI
	name string

	mu     sync.Mutex
	cached *oauth2.Token
	until  time.Time
	flight *flight
}

// flight is one read of the parameter that concurrent callers wait for.
type flight struct {
	done  chan struct{}
	tok   *oauth2.Token
	until time.Time
	err   error
}

// New returns the Source of parameter name (a name or ARN), read through api.
func New(api GetParameterAPI, name string) *Source {
	return &Source{api: api, name: name}
}

// Token returns the token, reading the parameter only when the token it
// holds is due; it implements oauth2.TokenSource. The token's Expiry is
// the stored expiry, or for a token of unknown expiry when the Source will
// read it again, so that oauth2's own reuse follows the same rule. Callers
// share the returned token and must not modify it.
func (s *Source) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext is Token with a context bounding the read of the parameter.
// When other callers are already reading it, it waits for their read
// instead of starting another.
func (s *Source) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	for {
		s.mu.Lock()
		if s.cached != nil && s.now().Before(s.until) {
			tok := s.cached
			s.mu.Unlock()
			return tok, nil
		}
		f := s.flight
		if f == nil {
			f = &flight{done: make(chan struct{})}
			s.flight = f
			s.mu.Unlock()
			s.lead(ctx, f)
			return f.tok, f.err
		}
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("ssmtoken: read parameter %s: %w", s.name, ctx.Err())
		}
		// A read that ended because its caller gave up says nothing of the
		// parameter: a caller still waiting reads it itself.
		if f.err != nil && ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
			continue
		}
		return f.tok, f.err
	}
}

// lead reads the parameter for every caller waiting on f.
func (s *Source) lead(ctx context.Context, f *flight) {
	f.tok, f.until, f.err = s.read(ctx)
	s.mu.Lock()
	s.flight = nil
	if f.err == nil {
		s.cached, s.until = f.tok, f.until
	}
	s.mu.Unlock()
	close(f.done)
}

// invalidate drops tok when it is still the one held, after a 401 refused
// it; a newer token read meanwhile is kept.
func (s *Source) invalidate(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == tok {
		s.cached, s.until = nil, time.Time{}
	}
}

// read gets and decodes the parameter, returning the token and until when
// it may be handed out.
func (s *Source) read(ctx context.Context) (*oauth2.Token, time.Time, error) {
	out, err := s.api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(s.name), WithDecryption: aws.Bool(true)})
	var nf *types.ParameterNotFound
	switch {
	case errors.As(err, &nf):
		return nil, time.Time{}, fmt.Errorf("ssmtoken: parameter %s does not exist (has the refresher written it?): %w", s.name, err)
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("ssmtoken: read parameter %s: %w", s.name, err)
	case out.Parameter == nil || out.Parameter.Value == nil:
		return nil, time.Time{}, fmt.Errorf("ssmtoken: read parameter %s: the response has no value", s.name)
	}
	v, err := decode(*out.Parameter.Value)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("ssmtoken: parameter %s: %w", s.name, err)
	}
	now := s.now()
	tok := &oauth2.Token{AccessToken: v.AccessToken, TokenType: v.TokenType, Expiry: v.ExpiresAt}
	if v.ExpiresAt.IsZero() {
		tok.Expiry = now.Add(s.rawTTL())
		return tok, tok.Expiry, nil
	}
	if !now.Before(v.ExpiresAt) {
		return nil, time.Time{}, fmt.Errorf("%w: parameter %s holds a token that expired at %s (is the refresher running?)",
			ErrExpired, s.name, v.ExpiresAt.UTC().Format(time.RFC3339))
	}
	until := v.ExpiresAt.Add(-s.margin())
	if until.Before(now) {
		until = now.Add(LateRecheck)
		if v.ExpiresAt.Before(until) {
			until = v.ExpiresAt
		}
	}
	return tok, until, nil
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Source) margin() time.Duration {
	if s.Margin > 0 {
		return s.Margin
	}
	return DefaultMargin
}

func (s *Source) rawTTL() time.Duration {
	if s.RawTTL > 0 {
		return s.RawTTL
	}
	return DefaultRawTTL
}
