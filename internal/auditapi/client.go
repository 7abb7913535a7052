package auditapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/retry"
)

// MaxRange is the longest startTime..endTime span the API serves.
const MaxRange = 7 * 24 * time.Hour

// MaxPages bounds the pages of one query, in case a server never ends.
const MaxPages = 100000

// DefaultMaxPageBytes is the default cap on one page's body.
const DefaultMaxPageBytes = 64 << 20

// TokenSource gives the bearer token. refused is "" for the first token of
// a query; after a 401 it is the token the API refused, and the source must
// not return it from its cache but fetch the token again (concurrent
// callers refused the same token may share that one fetch).
type TokenSource interface {
	Token(ctx context.Context, refused string) (string, error)
}

// Query selects audit records.
type Query struct {
	// Start and End bound actionTime, at most MaxRange apart; they are sent
	// in UTC with whole seconds.
	Start, End time.Time
	// ProductTypes and GeoLocations, when set, are sent as repeated
	// productTypes and geoLocations parameters.
	ProductTypes, GeoLocations []string
}

// Client calls the audit API.
type Client struct {
	// HTTP sends the requests; it should not follow redirects
	// (httpclient.New). Required.
	HTTP *http.Client
	// BaseURL is the API's root, e.g. from BaseURL("us"). Required.
	BaseURL *url.URL
	// Tokens gives the bearer token. Required.
	Tokens TokenSource
	// Retry retries each page on 429, 5xx and network errors.
	Retry retry.Policy
	// MaxPageBytes caps one page's body. 0 means DefaultMaxPageBytes.
	MaxPageBytes int64
	// Now reads the clock for Retry-After dates. nil means time.Now.
	Now func() time.Time
	// Lenient delivers a page whose "data" holds items ParsePage refuses (a
	// value that is not an object, nesting deeper than it scans) with those
	// items as returned, for the caller to set aside, instead of failing the
	// page; the page must otherwise be well formed.
	Lenient bool
	// Stream hands fn each page's "data" array before it is read, so that
	// a caller that scans every record anyway (as auditpull does, with
	// canonjson) delimits each record by that scan (Records.Skip) and a
	// record is read once. A Stream client reads pages as a Lenient one
	// does. A page found bad, even after fn was handed some of its records,
	// fails Pages with the error the whole reading gives it, unless fn has
	// failed first (then fn's error is returned): either way the caller must
	// drop what it made of that query's records.
	Stream bool
}

// lenient reports whether pages are read as Lenient says.
func (c *Client) lenient() bool { return c.Lenient || c.Stream }

// Pages requests the records of q page by page and calls fn with each
// page's records, in order, once per page (also for a page without
// records). It stops at the first page whose nextLink is null, empty (or
// only white space) or absent. An error from fn is returned as it is,
// unless the page was found bad meanwhile.
func (c *Client) Pages(ctx context.Context, q Query, fn func(records *Records) error) error {
	first, err := c.firstURL(q)
	if err != nil {
		return err
	}
	token, err := c.Tokens.Token(ctx, "")
	if err != nil {
		return fmt.Errorf("auditapi: token: %w", err)
	}
	if token == "" {
		return errors.New("auditapi: token: empty")
	}
	st := &session{token: token}
	seen := map[string]bool{}
	next := first
	for n := 1; ; n++ {
		if n > MaxPages {
			return fmt.Errorf("auditapi: more than %d pages for %s", MaxPages, q)
		}
		seen[pageKey(next)] = true
		f, err := c.page(ctx, next, st)
		if err != nil {
			return fmt.Errorf("auditapi: page %d of %s: %w", n, q, err)
		}
		link, fnErr, pageErr := c.readPage(f.body, fn)
		if pageErr != nil {
			return fmt.Errorf("auditapi: page %d of %s: %w", n, q, parseError(next, f.contentType, pageErr))
		}
		if fnErr != nil {
			return fnErr
		}
		if strings.TrimSpace(link) == "" {
			return nil
		}
		u, err := c.resolve(next, link)
		if err != nil {
			return fmt.Errorf("auditapi: page %d of %s: %w", n, q, err)
		}
		if seen[pageKey(u)] {
			return fmt.Errorf("auditapi: page %d of %s: nextLink %s repeats an earlier page (a loop)", n, q, redact.URL(u.String()))
		}
		next = u
	}
}

// ReadPage reads one page body as Pages does, calling fn with its records,
// and returns its nextLink. The error is the page's (a *PageError) when the
// page is bad, else fn's.
func (c *Client) ReadPage(body []byte, fn func(records *Records) error) (nextLink string, err error) {
	nextLink, fnErr, pageErr := c.readPage(body, fn)
	if pageErr != nil {
		return "", pageErr
	}
	return nextLink, fnErr
}

// readPage is ReadPage, with fn's error and the page's apart.
func (c *Client) readPage(body []byte, fn func(*Records) error) (nextLink string, fnErr, pageErr error) {
	whole := func() (string, error, error) {
		p, err := c.parse(body)
		if err != nil {
			return "", nil, err
		}
		return p.NextLink, fn(RecordsOf(p.Data)), nil
	}
	if !c.Stream {
		return whole()
	}
	var r *Records
	p, err := parsePage(body, func(i int) (int, error) {
		r = recordsIn(body, i, func() error { _, err := c.parse(body); return err })
		if fnErr = fn(r); fnErr == nil {
			for r.Next() { // what fn left unread
			}
		}
		if fnErr != nil || r.err != nil {
			return i, errStopped
		}
		return r.end, nil
	})
	switch {
	case r != nil && r.err != nil:
		return "", fnErr, r.err
	case fnErr != nil:
		return "", fnErr, nil
	case r == nil: // not read in place: bad before its "data", or "data" is not an array
		return whole()
	case err != nil: // bad after its "data": so says ParsePage, unless the Lenient reading takes it
		lp, lerr := c.parse(body)
		if lerr != nil {
			return "", nil, lerr
		}
		return lp.NextLink, nil, nil
	}
	return p.NextLink, nil, nil
}

// errStopped ends the reading of a page whose records fn did not take.
var errStopped = errors.New("auditapi: page reading stopped")

func (c *Client) firstURL(q Query) (*url.URL, error) {
	switch {
	case c.HTTP == nil || c.BaseURL == nil || c.Tokens == nil:
		return nil, errors.New("auditapi: client needs HTTP, BaseURL and Tokens")
	case q.Start.IsZero() || q.End.IsZero():
		return nil, errors.New("auditapi: query needs a start and an end time")
	case !q.End.After(q.Start):
		return nil, fmt.Errorf("auditapi: query %s: end is not after start", q)
	case q.End.Sub(q.Start) > MaxRange:
		return nil, fmt.Errorf("auditapi: query %s spans %s, more than the API's 7 days", q, q.End.Sub(q.Start))
	}
	v := url.Values{}
	v.Set("startTime", q.Start.UTC().Format(time.RFC3339))
	v.Set("endTime", q.End.UTC().Format(time.RFC3339))
	for _, p := range q.ProductTypes {
		if p != "" {
			v.Add("productTypes", p)
		}
	}
	for _, g := range q.GeoLocations {
		if g != "" {
			v.Add("geoLocations", g)
		}
	}
	u := *c.BaseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + "/aos/audit"
	u.RawPath, u.RawQuery, u.Fragment, u.RawFragment = "", v.Encode(), "", ""
	return &u, nil
}

// String returns the query's time range, for messages.
func (q Query) String() string {
	return q.Start.UTC().Format(time.RFC3339) + "/" + q.End.UTC().Format(time.RFC3339)
}

// resolve turns a nextLink into the next request's URL: a relative path is
// resolved against BaseURL (a query alone against the current page), and
// the result must have BaseURL's scheme and host, so the token is never
// sent elsewhere.
func (c *Client) resolve(current *url.URL, link string) (*url.URL, error) {
	ref, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return nil, fmt.Errorf("nextLink %q is not a URL", redact.URL(link))
	}
	var u *url.URL
	switch {
	case ref.IsAbs() || ref.Host != "":
		u = current.ResolveReference(ref)
	case ref.Path == "" && ref.RawPath == "":
		u = current.ResolveReference(ref)
	default:
		base := *c.BaseURL
		if !strings.HasSuffix(base.Path, "/") {
			base.Path += "/"
			base.RawPath = ""
		}
		u = base.ResolveReference(ref)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.User != nil || !strings.EqualFold(u.Scheme, c.BaseURL.Scheme) || hostPort(u) != hostPort(c.BaseURL) {
		return nil, fmt.Errorf("nextLink points to %s://%s, not %s://%s; the token is not sent there",
			u.Scheme, u.Host, c.BaseURL.Scheme, c.BaseURL.Host)
	}
	return u, nil
}

// hostPort is u's host and port, lowercase, with the scheme's default port.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")) + ":" + port
}

// pageKey identifies a page's URL for loop detection, whatever the order
// of its query parameters.
func pageKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + hostPort(u) + u.EscapedPath() + "?" + u.Query().Encode()
}
