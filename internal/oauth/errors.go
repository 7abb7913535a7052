package oauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a server's words may add to an error message.
const (
	maxSnippet     = 120 // a body excerpt
	maxErrorCode   = 64  // an OAuth error code
	maxDescription = 300 // an OAuth error_description
)

// redacted replaces a sensitive value in an error message.
const redacted = "[REDACTED]"

// RetrieveError is a token endpoint's refusal: a non-2xx status, a 2xx
// response carrying an OAuth error, or a body that is not a JSON object.
// Callers decide on retries with Temporary and RetryAfter (errors.As). Every
// field is already sanitized: no credential, no control characters.
type RetrieveError struct {
	// URL is the endpoint, without query string or user information.
	URL string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// ContentType is the response's Content-Type header (truncated).
	ContentType string
	// ErrorCode is the OAuth "error" (RFC 6749 §5.2), when the body had one.
	ErrorCode string
	// ErrorDescription is the OAuth "error_description", truncated.
	ErrorDescription string
	// Body is a short excerpt of the body (at most 120 characters, control
	// characters removed, credentials redacted) when it carried no OAuth
	// error.
	Body string
	// NotJSON is true when the body was not a JSON object.
	NotJSON bool
	// BodyLength is the size of a body that is not quoted: a 2xx body that is
	// not a JSON object may hold a token in another encoding
	// (access_token=…&token_type=…), so none of it is shown.
	BodyLength int
	// RetryAfterDelay is the server's Retry-After, 0 when absent.
	RetryAfterDelay time.Duration
}

// Error describes the refusal with the OAuth error, or else the body excerpt.
func (e *RetrieveError) Error() string {
	var b strings.Builder
	b.WriteString("oauth: token endpoint ")
	if e.URL != "" {
		b.WriteString(e.URL + " ")
	}
	fmt.Fprintf(&b, "answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.ErrorCode != "":
		b.WriteString(": " + e.ErrorCode)
		if e.ErrorDescription != "" {
			b.WriteString(": " + e.ErrorDescription)
		}
	case e.NotJSON:
		ct := e.ContentType
		if ct == "" {
			ct = "none"
		}
		switch {
		case e.Body == "" && e.BodyLength > 0:
			fmt.Fprintf(&b, " with a body of %d bytes that is not a JSON object (Content-Type %s; not shown, it may hold a token)", e.BodyLength, ct)
		case e.Body == "":
			fmt.Fprintf(&b, " with an empty body (Content-Type %s)", ct)
		default:
			fmt.Fprintf(&b, " with a body that is not a JSON object (Content-Type %s): %q", ct, e.Body)
		}
	case e.Body != "":
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	if e.RetryAfterDelay > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfterDelay)
	}
	return b.String()
}

// Temporary reports whether another attempt may succeed: 429 and 5xx.
func (e *RetrieveError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || (e.StatusCode >= 500 && e.StatusCode <= 599)
}

// RetryAfter is the wait the server asked for, 0 when none.
func (e *RetrieveError) RetryAfter() time.Duration { return e.RetryAfterDelay }

// tokenNames are the response members that carry a credential; an excerpt of a body stops at
// the first of them, whatever the body's encoding.
var tokenNames = []string{"access_token", "refresh_token", "id_token", "assertion", "client_secret"}

// cutAtToken returns body up to the first (case-insensitive) mention of a member in tokenNames,
// marked as cut, so that an excerpt of an error body never carries a token the redaction of
// known values could not recognise.
func cutAtToken(body string) string {
	lower := strings.ToLower(body)
	cut := -1
	for _, name := range tokenNames {
		if i := strings.Index(lower, name); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut < 0 {
		return body
	}
	return body[:cut] + redacted
}

// redact replaces every occurrence of each secret in s, in the forms a
// server could echo it: as is, form-url-encoded and JSON-escaped.
func redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		s = strings.ReplaceAll(s, secret, redacted)
		if q := url.QueryEscape(secret); q != secret {
			s = strings.ReplaceAll(s, q, redacted)
		}
		if j, err := json.Marshal(secret); err == nil {
			if j := string(j[1 : len(j)-1]); j != secret {
				s = strings.ReplaceAll(s, j, redacted)
			}
		}
	}
	return s
}

// sanitize drops control characters and invalid UTF-8 from s, turning line
// breaks and tabs into spaces, so a server cannot forge log lines.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError || unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// truncate cuts s to at most n characters, marking a cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return s[:i] + "…"
}

// clean makes server-supplied text fit for an error message: secrets
// redacted (before and after dropping control characters, which could hide
// one), then cut to n characters.
func clean(s string, n int, secrets ...string) string {
	return strings.TrimSpace(truncate(redact(sanitize(redact(s, secrets...)), secrets...), n))
}

// redactedError carries a message with secrets removed while keeping the
// original error reachable for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// scrub is the last line of defence: if err's message holds any secret, it
// returns an error with the same chain whose message has them redacted.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := redact(msg, secrets...); r != msg {
		return &redactedError{msg: r, err: err}
	}
	return err
}
