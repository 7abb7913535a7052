// Package redact keeps credentials out of error messages, logs and printed
// values (SECURITY.md): every secret it removes becomes [Marker], and
// URLs lose the parts that may carry one (query, fragment, user
// information), as go-github's sanitizeURL does.
package redact

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Marker replaces a removed secret, and stands for a value that is never
// printed.
const Marker = "[REDACTED]"

// URL returns raw without its query, fragment and user information: a query
// string may carry a client secret. A raw that does not parse is cut at its
// first "?" or "#" and after its last "@".
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			raw = raw[:i]
		}
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			raw = raw[i+1:]
		}
		return raw
	}
	u.User = nil
	u.RawQuery, u.ForceQuery = "", false
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// Secrets replaces every occurrence of each non-empty secret in s with
// Marker, in the forms a server could echo it: as is, form-url-encoded and
// JSON-escaped.
func Secrets(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		s = strings.ReplaceAll(s, secret, Marker)
		if q := url.QueryEscape(secret); q != secret {
			s = strings.ReplaceAll(s, q, Marker)
		}
		if j, err := json.Marshal(secret); err == nil {
			if j := string(j[1 : len(j)-1]); j != secret {
				s = strings.ReplaceAll(s, j, Marker)
			}
		}
	}
	return s
}

// Error is the last line of defence: when err's message holds any of the
// secrets, it returns an error whose message has them replaced (Secrets) and
// whose chain is err's, for errors.Is and errors.As; otherwise err itself.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := Secrets(msg, secrets...); r != msg {
		return &redacted{msg: r, err: err}
	}
	return err
}

// Wrap returns an error whose message is msg, which the caller has already
// redacted, and whose chain is err's.
func Wrap(msg string, err error) error { return &redacted{msg: msg, err: err} }

// redacted carries a message with secrets removed while keeping the original
// error reachable for errors.Is and errors.As.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
