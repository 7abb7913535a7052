package auditapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/retry"
)

// StatusError is a response other than 200 from the audit API. It parses
// both error bodies the API sends, {"requestId", "date", "statusCode"} and
// {"traceId", "error", "statusCode"}.
type StatusError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// URL is the request URL without its query.
	URL string
	// RequestID and TraceID identify the failure for AvePoint support.
	RequestID, TraceID string
	// Message is the body's "error" or "message", when it has one.
	Message string
	// Wait is the server's Retry-After, 0 when absent.
	Wait time.Duration
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "auditapi: GET %s: HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (requestId %s)", e.RequestID)
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (traceId %s)", e.TraceID)
	}
	if e.Wait > 0 {
		fmt.Fprintf(&b, " (Retry-After %s)", e.Wait)
	}
	return b.String()
}

// Temporary reports whether the request may succeed later: 429 and 5xx.
func (e *StatusError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// RetryAfter is how long the server asked to wait before trying again.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }

// UnauthorizedError is a 401 that persisted after the token was re-read.
type UnauthorizedError struct {
	// Status is the second 401 response.
	Status *StatusError
}

func (e *UnauthorizedError) Error() string {
	return "auditapi: unauthorized even after re-reading the token: " + e.Status.Error()
}

// Unwrap returns the 401 response's error.
func (e *UnauthorizedError) Unwrap() error { return e.Status }

// PageError is a 200 response that is not a well-formed audit page.
type PageError struct {
	// Index is the position in "data" of the bad record, -1 when the
	// problem is not a record.
	Index int
	// Reason says what is wrong.
	Reason string
}

func (e *PageError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("auditapi: bad page: record %d: %s", e.Index, e.Reason)
	}
	return "auditapi: bad page: " + e.Reason
}

// maxErrorBody bounds what is read of an error response.
const maxErrorBody = 64 << 10

// newStatusError reads what it can of an error response. token, when it
// appears in the body's message, is redacted.
func newStatusError(status int, u, retryAfter string, body []byte, token string, now time.Time) *StatusError {
	e := &StatusError{StatusCode: status, URL: u}
	var doc struct {
		RequestID string          `json:"requestId"`
		TraceID   string          `json:"traceId"`
		Error     json.RawMessage `json:"error"`
		Message   string          `json:"message"`
		Title     string          `json:"title"`
	}
	if json.Unmarshal(body, &doc) == nil {
		e.RequestID, e.TraceID = clip(doc.RequestID, 64), clip(doc.TraceID, 64)
		var msg string
		if json.Unmarshal(doc.Error, &msg) != nil {
			var obj struct {
				Message string `json:"message"`
				Code    string `json:"code"`
			}
			if json.Unmarshal(doc.Error, &obj) == nil {
				msg = strings.TrimSpace(obj.Code + " " + obj.Message)
			}
		}
		for _, m := range []string{msg, doc.Message, doc.Title} {
			if m != "" {
				e.Message = clip(m, 300)
				break
			}
		}
		if token != "" {
			e.Message = redact.Secrets(e.Message, token)
			e.RequestID = redact.Secrets(e.RequestID, token)
			e.TraceID = redact.Secrets(e.TraceID, token)
		}
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		e.Wait = retry.ParseRetryAfter(retryAfter, now)
	}
	return e
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
