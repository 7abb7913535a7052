package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/retry"
)

// defaultTimeout bounds one HTTP exchange when no client is injected.
const defaultTimeout = 30 * time.Second

// defaultHTTP is the client used when none is injected, built on first use
// so that its connections are shared.
var defaultHTTP = sync.OnceValue(func() *http.Client { return httpclient.New(defaultTimeout) })

// Client requests tokens. Its zero value is usable.
type Client struct {
	// HTTP sends the requests. nil means a client from httpclient.New with
	// a 30s timeout. Whatever its settings, redirects are not followed.
	HTTP *http.Client
	// Now is the clock for assertions and expiry. nil means time.Now.
	Now func() time.Time
	// Retry governs retries of 429, 5xx and network failures; its zero
	// value is retry's default policy.
	Retry retry.Policy
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Token obtains an access token with the client credentials grant (RFC 6749
// §4.4). It checks the request and the token URL before any network call,
// then retries 429, 5xx and network failures within ctx's deadline, building
// a fresh request (and client assertion) for every attempt. When the
// response states no scope, the Token carries the requested one.
//
// Errors never contain the client secret, the assertion, the access token or
// the token URL's query string. A refusal by the server is a *RetrieveError
// (reach it with errors.As).
func (c *Client) Token(ctx context.Context, r Request) (*Token, error) {
	if err := r.validate(); err != nil {
		return nil, redact.Error(fmt.Errorf("oauth: token request: %w", err), r.ClientSecret)
	}
	u, err := httpclient.CheckURL(r.TokenURL)
	if err != nil {
		return nil, redact.Error(fmt.Errorf("oauth: token URL: %w", err), r.ClientSecret)
	}
	safeURL := redact.URL(r.TokenURL)
	hc := noRedirects(c.HTTP)
	var tok *Token
	err = c.Retry.Do(ctx, func(ctx context.Context) error {
		t, err := c.attempt(ctx, hc, u, safeURL, &r)
		tok = t
		return err
	})
	if err != nil {
		return nil, redact.Error(err, r.ClientSecret)
	}
	if tok.Scope == "" {
		tok.Scope = r.Scope
	}
	return tok, nil
}

// attempt makes one request and parses its response. Retryable failures come
// back marked so for retry.Policy.Do.
func (c *Client) attempt(ctx context.Context, hc *http.Client, u *url.URL, safeURL string, r *Request) (*Token, error) {
	now := c.now()
	var assertion string
	if r.method() == PrivateKeyJWT {
		var err error
		if assertion, err = signAssertion(r.PrivateKey, r.Certificate, r.ClientID, r.TokenURL, now); err != nil {
			return nil, fmt.Errorf("oauth: token request to %s: %w", safeURL, err)
		}
	}
	secrets := []string{r.ClientSecret, assertion}
	req, err := r.newHTTPRequest(ctx, u, assertion)
	if err != nil {
		return nil, redact.Error(fmt.Errorf("oauth: token request to %s: %w", safeURL, err), secrets...)
	}
	if basic, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Basic "); ok {
		secrets = append(secrets, basic) // a server may echo the header
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, "oauth: token request to "+safeURL, req.URL.String(), err, secrets...)
	}
	defer resp.Body.Close()
	body, err := httpclient.ReadBody(resp.Body, httpclient.MaxBody)
	if err != nil {
		if errors.Is(err, httpclient.ErrTooLarge) {
			err = fmt.Errorf("oauth: token request to %s: answered %d: %w", safeURL, resp.StatusCode, err)
			if (&RetrieveError{StatusCode: resp.StatusCode}).Temporary() {
				return nil, retry.Temporary(err, 0)
			}
			return nil, err
		}
		return nil, transportError(ctx, "oauth: token request to "+safeURL, req.URL.String(), err, secrets...)
	}
	tok, err := parseResponse(resp.StatusCode, resp.Header, body, now, lifetimeOr(r.DefaultLifetime), secrets...)
	if err != nil {
		var re *RetrieveError
		if errors.As(err, &re) {
			re.URL = safeURL
			return nil, redact.Error(err, secrets...)
		}
		return nil, redact.Error(fmt.Errorf("oauth: token request to %s: %w", safeURL, err), secrets...)
	}
	return tok, nil
}

// noRedirects returns a copy of hc (or of the default client) that never
// follows a redirect, whatever the injected client's policy: a redirected
// token request could carry credentials to another place.
func noRedirects(hc *http.Client) *http.Client {
	if hc == nil {
		hc = defaultHTTP()
	}
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// transportError describes a failed exchange as "prefix: cause". Go's
// *url.Error prints the whole URL, query string and all, so it is peeled
// off and the request URL and secrets are redacted from what remains. A
// done ctx is not retryable; a certificate problem neither; anything else
// (connection refused, reset, timeout) is.
func transportError(ctx context.Context, prefix, rawURL string, err error, secrets ...string) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s: %w", prefix, cerr)
	}
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			break
		}
		err = ue.Err
	}
	msg := redact.Secrets(err.Error(), append([]string{rawURL}, secrets...)...)
	wrapped := redact.Wrap(prefix+": "+msg, err)
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) {
		return wrapped
	}
	return retry.Temporary(wrapped, 0)
}
