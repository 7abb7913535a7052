package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/retry"
)

// wellKnown is the discovery document's path under the issuer (OpenID
// Connect Discovery 1.0 §4).
const wellKnown = "/.well-known/openid-configuration"

// Discovery finds an issuer's token endpoint in its OpenID Connect discovery
// document and caches it per issuer, so that one execution environment asks
// once per TTL. It is safe for concurrent use; concurrent callers for one
// issuer share one fetch. Its zero value is usable; do not copy it after
// first use.
type Discovery struct {
	// HTTP fetches the document. nil means a client from httpclient.New
	// with a 30s timeout. Redirects are never followed.
	HTTP *http.Client
	// Now is the clock for the cache. nil means time.Now.
	Now func() time.Time
	// TTL is how long a document is trusted. 0 means one hour.
	TTL time.Duration
	// Retry governs retries of 429, 5xx and network failures.
	Retry retry.Policy

	mu    sync.Mutex
	cache map[string]*discoveryEntry
}

// discoveryEntry is one issuer's fetch: in flight until done is closed,
// then endpoint or err, as of fetched.
type discoveryEntry struct {
	done     chan struct{}
	endpoint string
	err      error
	fetched  time.Time
}

func (d *Discovery) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Discovery) ttl() time.Duration {
	if d.TTL > 0 {
		return d.TTL
	}
	return time.Hour
}

// TokenEndpoint returns the token_endpoint of issuer's discovery document,
// from the cache when fetched less than TTL ago. The document's issuer must
// equal issuer (a trailing slash aside), and the token endpoint must pass
// httpclient.CheckURL and be on the issuer's host or under the issuer's
// parent domain (the issuer host minus its first label, itself holding a
// dot). Failures are not cached.
func (d *Discovery) TokenEndpoint(ctx context.Context, issuer string) (string, error) {
	key := strings.TrimSuffix(issuer, "/")
	d.mu.Lock()
	if d.cache == nil {
		d.cache = make(map[string]*discoveryEntry)
	}
	e := d.cache[key]
	if e != nil {
		select {
		case <-e.done:
			if e.err == nil && d.now().Sub(e.fetched) < d.ttl() {
				d.mu.Unlock()
				return e.endpoint, nil
			}
			e = nil
		default: // another caller is fetching: wait for it below
		}
	}
	if e == nil {
		e = &discoveryEntry{done: make(chan struct{}), fetched: d.now()}
		d.cache[key] = e
		d.mu.Unlock()
		e.endpoint, e.err = d.fetch(ctx, issuer)
		if e.err != nil {
			d.mu.Lock()
			if d.cache[key] == e {
				delete(d.cache, key)
			}
			d.mu.Unlock()
		}
		close(e.done)
		return e.endpoint, e.err
	}
	d.mu.Unlock()
	select {
	case <-e.done:
		return e.endpoint, e.err
	case <-ctx.Done():
		return "", fmt.Errorf("oauth: discovery for %s: %w", redact.URL(issuer), ctx.Err())
	}
}

// discoveryDocument holds the members of the document this package reads.
type discoveryDocument struct {
	Issuer        string `json:"issuer"`
	TokenEndpoint string `json:"token_endpoint"`
}

// fetch gets and checks issuer's document.
func (d *Discovery) fetch(ctx context.Context, issuer string) (string, error) {
	safeIssuer := redact.URL(issuer)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("oauth: discovery for %s: "+format, append([]any{safeIssuer}, args...)...)
	}
	iu, err := httpclient.CheckURL(issuer)
	if err != nil {
		return "", fail("issuer: %w", err)
	}
	if iu.RawQuery != "" || iu.ForceQuery || iu.Fragment != "" {
		return "", fail("issuer must not have a query or fragment")
	}
	docURL := strings.TrimSuffix(issuer, "/") + wellKnown
	hc := noRedirects(d.HTTP)
	var doc discoveryDocument
	err = d.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		doc, err = d.get(ctx, hc, docURL, fail)
		return err
	})
	if err != nil {
		return "", err
	}
	if strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return "", fail("document issuer %q does not match the configured issuer", clean(doc.Issuer, maxSnippet))
	}
	if doc.TokenEndpoint == "" {
		return "", fail("document has no token_endpoint")
	}
	tu, err := httpclient.CheckURL(doc.TokenEndpoint)
	if err != nil {
		return "", fail("token_endpoint: %w", err)
	}
	if !sameHostFamily(iu.Hostname(), tu.Hostname()) {
		return "", fail("token_endpoint %s is neither on the issuer's host nor a sibling of it", clean(redact.URL(doc.TokenEndpoint), maxSnippet))
	}
	return doc.TokenEndpoint, nil
}

// get makes one attempt at the document.
func (d *Discovery) get(ctx context.Context, hc *http.Client, docURL string, fail func(string, ...any) error) (discoveryDocument, error) {
	var doc discoveryDocument
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return doc, fail("%w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return doc, transportError(ctx, fail("get %s", wellKnown).Error(), docURL, err)
	}
	defer resp.Body.Close()
	body, err := httpclient.ReadBody(resp.Body, httpclient.MaxBody)
	if err != nil {
		if errors.Is(err, httpclient.ErrTooLarge) {
			return doc, fail("%w", err)
		}
		return doc, transportError(ctx, fail("get %s", wellKnown).Error(), docURL, err)
	}
	status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		return doc, fail("%s answered %s; redirects are not followed", wellKnown, status)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return doc, retry.Temporary(fail("%s answered %s", wellKnown, status), retry.ParseRetryAfter(resp.Header.Get("Retry-After"), d.now()))
	case resp.StatusCode != http.StatusOK:
		return doc, fail("%s answered %s", wellKnown, status)
	}
	fields, ok := jsonObject(body)
	if !ok {
		return doc, fail("%s is not a JSON object (Content-Type %s): %q", wellKnown, clean(resp.Header.Get("Content-Type"), 64), clean(string(body), maxSnippet))
	}
	if doc.Issuer, err = stringField(fields, "issuer"); err != nil {
		return doc, fail("%w", err)
	}
	if doc.TokenEndpoint, err = stringField(fields, "token_endpoint"); err != nil {
		return doc, fail("%w", err)
	}
	return doc, nil
}

// sameHostFamily reports whether endpoint is issuer itself or under issuer's
// parent domain: identity.example.com admits login.example.com and
// a.b.example.com, not example.org. IP addresses must match exactly, and an
// issuer whose parent has no dot (example.com → com) admits only itself.
func sameHostFamily(issuer, endpoint string) bool {
	issuer = strings.TrimSuffix(strings.ToLower(issuer), ".")
	endpoint = strings.TrimSuffix(strings.ToLower(endpoint), ".")
	if issuer == endpoint {
		return true
	}
	if net.ParseIP(issuer) != nil || net.ParseIP(endpoint) != nil {
		return false
	}
	_, parent, ok := strings.Cut(issuer, ".")
	if !ok || !strings.Contains(parent, ".") {
		return false
	}
	return strings.HasSuffix(endpoint, "."+parent)
}
