// Package httpclient builds the outbound HTTP client both functions use and
// holds the checks every outbound URL and response body goes through: TLS 1.2
// or later, a timeout on every request, no redirects followed, https required
// off loopback, and bodies read through a size limit.
package httpclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/redact"
)

// MaxBody is the default cap on a response body read into memory (1 MiB, as
// golang.org/x/oauth2 does).
const MaxBody = 1 << 20

// ErrTooLarge is returned by ReadBody when a body exceeds its limit.
var ErrTooLarge = errors.New("httpclient: response body too large")

// New returns a client with TLS 1.2 or later, the proxy from the
// environment, timeout as the limit on one whole request, and redirects not
// followed: the 3xx response is returned to the caller, so credentials and
// tokens are never replayed to another location.
func New(timeout time.Duration) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	transport.ResponseHeaderTimeout = timeout
	transport.MaxIdleConnsPerHost = 16
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// CheckURL parses raw as an absolute http(s) URL and requires https unless the
// host is a loopback address. URLs carrying user information are refused.
// The error never repeats the query string, which may hold a credential.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("httpclient: invalid URL %q", redact.URL(raw))
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("httpclient: URL %s: scheme must be https", redact.URL(raw))
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("httpclient: URL %s: no host", redact.URL(raw))
	case u.User != nil:
		return nil, fmt.Errorf("httpclient: URL %s: user information is not allowed", redact.URL(raw))
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return nil, fmt.Errorf("httpclient: URL %s: must be https (plain http only on a loopback host)", redact.URL(raw))
	}
	return u, nil
}

// IsLoopback reports whether host (without port) is localhost, in
// 127.0.0.0/8 or ::1. Names under .localhost are not: Go's resolver sends
// them to DNS like any other name, so they could resolve off the machine.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// ReadBody reads r up to limit bytes; a longer body is ErrTooLarge.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("httpclient: read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (over %d bytes)", ErrTooLarge, limit)
	}
	return b, nil
}
