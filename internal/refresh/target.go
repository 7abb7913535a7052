package refresh

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// outcome is what happened to one target.
type outcome struct {
	target    string
	refreshed bool
	err       error
	// expiresAt is the new token's expiry when refreshed, the stored one when
	// skipped.
	expiresAt time.Time
	// reason says why the target was refreshed or skipped.
	reason string
	// method and tokenURL say how a token was requested.
	method   oauth.AuthMethod
	tokenURL string
	// certNotAfter is the NotAfter of the credentials' certificate, when
	// the secret was read and holds one.
	certNotAfter time.Time
}

// targetError is a target's failure: the step that failed and why, with the
// secrets the refresher handled removed from the message.
type targetError struct {
	target string
	step   string
	err    error
	// secrets are removed from Error's text.
	secrets []string
}

func (e *targetError) Error() string {
	detail := e.err.Error()
	// A secret under 4 characters cannot be removed without shredding the
	// message's own words: when the detail holds one, it is withheld.
	long := make([]string, 0, len(e.secrets))
	for _, s := range e.secrets {
		switch {
		case len(s) >= 4:
			long = append(long, s)
		case s != "" && redact.Secrets(detail, s) != detail:
			detail = "the detail is withheld: it holds a secret too short to remove from it"
		}
	}
	return redact.Secrets(fmt.Sprintf("refresh: target %q: %s: %s", e.target, e.step, detail), long...)
}

func (e *targetError) Unwrap() error { return e.err }

// refreshTarget keeps one target fresh: it reads the stored value and, when
// it is due or force is set, obtains and writes a new token. Every step but
// the write runs in work, which ends at the run's cut-off; the write runs in
// ctx, so that a token obtained before the cut-off is still stored.
func (r *Refresher) refreshTarget(ctx, work context.Context, t targets.Target, force bool) outcome {
	out := outcome{target: t.Name}
	fail := func(step string, err error, secrets ...string) outcome {
		out.err = &targetError{target: t.Name, step: step, err: timedOut(work, err), secrets: secrets}
		return out
	}
	stored, found, err := r.Store.Get(work, t.ParameterName)
	if err != nil && work.Err() != nil {
		return fail("read stored value", err)
	}
	if err != nil {
		// An unreadable value is refreshed; a write that fails the same way
		// will say so.
		r.logger().WarnContext(ctx, "stored value not readable; refreshing", "target", t.Name, "parameter", t.ParameterName, "error", err.Error())
		found = false
	}
	f := judge(t, stored, found, r.now())
	out.expiresAt, out.reason = f.expiresAt, f.reason
	if f.fresh && !force {
		out.reason = "fresh"
		return out
	}
	if force {
		out.reason = "forced"
	}

	creds, err := r.Credentials.Get(work, t.SecretID)
	if err != nil {
		return fail("get credentials", err)
	}
	out.certNotAfter = certExpiry(creds)
	tokenURL, err := r.tokenURL(work, t)
	if err != nil {
		return fail("find token endpoint", err, creds.ClientSecret)
	}
	req := request(t, creds, tokenURL)
	out.method, out.tokenURL = req.Method, tokenURL
	tok, err := r.Tokens.Token(work, req)
	if err != nil {
		return fail("request token", err, creds.ClientSecret)
	}
	value, err := paramstore.Encode(paramstore.Value{
		AccessToken: tok.AccessToken,
		TokenType:   tok.TokenType,
		ExpiresAt:   tok.Expiry,
		IssuedAt:    tok.IssuedAt,
		Scope:       tok.Scope,
	}, t.ValueFormat)
	if err != nil {
		return fail("encode value", err, creds.ClientSecret, tok.AccessToken)
	}
	if err := r.Store.Put(ctx, t.ParameterName, value, t.KMSKeyID); err != nil {
		return fail("store token", err, creds.ClientSecret, tok.AccessToken, value)
	}
	out.refreshed, out.expiresAt = true, tok.Expiry
	return out
}

// tokenURL returns the target's token endpoint: token_url, or the issuer's
// discovered one.
func (r *Refresher) tokenURL(ctx context.Context, t targets.Target) (string, error) {
	if t.TokenURL != "" {
		return t.TokenURL, nil
	}
	if r.Discovery == nil {
		return "", errors.New("no discovery client for an issuer")
	}
	return r.Discovery.TokenEndpoint(ctx, t.Issuer)
}

// request builds the token request of t with creds. The authentication
// method defaults, as §1.1 says, to private_key_jwt when the secret holds a
// key, else client_secret_post.
func request(t targets.Target, creds credentials.Credentials, tokenURL string) oauth.Request {
	method := t.AuthMethod
	if method == "" {
		method = oauth.ClientSecretPost
		if creds.HasKey() {
			method = oauth.PrivateKeyJWT
		}
	}
	return oauth.Request{
		TokenURL:        tokenURL,
		Method:          method,
		BasicEncoding:   t.BasicAuthEncoding,
		ClientID:        creds.ClientID,
		ClientSecret:    creds.ClientSecret,
		PrivateKey:      creds.PrivateKey,
		Certificate:     creds.Certificate,
		Scope:           t.Scope,
		Params:          t.Params,
		DefaultLifetime: t.DefaultLifetime,
	}
}
