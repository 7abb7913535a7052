package oauth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tokenrelay/tokenrelay/internal/redact"
)

// Limits on what a server's words may add to an error message.
const (
	maxSnippet     = 120 // a body excerpt
	maxErrorCode   = 64  // an OAuth error code
	maxDescription = 300 // an OAuth error_description
)

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
	return body[:cut] + redact.Marker
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
	return strings.TrimSpace(truncate(redact.Secrets(sanitize(redact.Secrets(s, secrets...)), secrets...), n))
}
