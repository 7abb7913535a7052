package oauth

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

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
