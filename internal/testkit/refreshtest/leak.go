package refreshtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// chunk is the length of the pieces of a long secret looked for: any leaked
// run of 2*chunk-1 characters holds one of them.
const chunk = 24

// AssertNoSecrets fails t when text (a log, an error, a result) holds one of
// secrets, or any piece of one: a PEM block or a base64 blob is looked for
// in aligned pieces of its text without line breaks, so that a re-wrapped or
// JSON-escaped copy is caught too. where names the text in the failure.
func AssertNoSecrets(t testing.TB, where, text string, secrets []string) {
	t.Helper()
	for _, leak := range Leaks(text, secrets) {
		t.Errorf("%s holds %s", where, leak)
	}
}

// Leaks says which of secrets text holds, whole or in pieces, without
// repeating them.
func Leaks(text string, secrets []string) []string {
	var out []string
	flat := flatten(text)
	for i, s := range secrets {
		if s == "" {
			continue
		}
		if form := encodedIn(text, s); form != "" {
			out = append(out, fmt.Sprintf("secret #%d (%d bytes, %s)", i, len(s), form))
			continue
		}
		body := flatten(pemBody(s))
		if len(body) < 2*chunk {
			continue
		}
		for off := 0; off+chunk <= len(body); off += chunk {
			if strings.Contains(flat, body[off:off+chunk]) {
				out = append(out, fmt.Sprintf("a piece of secret #%d at offset %d", i, off))
				break
			}
		}
	}
	return out
}

// encodedIn returns the form in which text holds s, as is or as a server, a logger or an HTTP
// client could re-encode it, or "" when it holds none.
func encodedIn(text, s string) string {
	forms := []struct{ name, value string }{
		{"as is", s},
		{"form-encoded", url.QueryEscape(s)},
		{"path-escaped", url.PathEscape(s)},
		{"base64", base64.StdEncoding.EncodeToString([]byte(s))},
		{"base64url", base64.RawURLEncoding.EncodeToString([]byte(s))},
	}
	if j, err := json.Marshal(s); err == nil {
		forms = append(forms, struct{ name, value string }{"JSON-escaped", string(j[1 : len(j)-1])})
	}
	for _, f := range forms {
		if strings.Contains(text, f.value) {
			return f.name
		}
	}
	return ""
}

// pemBody returns the base64 text of a PEM block, without its BEGIN and END
// lines, or s itself when it is not PEM.
func pemBody(s string) string {
	if !strings.Contains(s, "-----BEGIN") {
		return s
	}
	var b strings.Builder
	for line := range strings.Lines(s) {
		if !strings.HasPrefix(line, "-----") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// flatten drops line breaks, literal and JSON-escaped, and JSON-escaped
// slashes.
func flatten(s string) string {
	return strings.NewReplacer("\n", "", "\r", "", `\n`, "", `\r`, "", `\/`, "/", `\u002b`, "+", `\u003d`, "=").Replace(s)
}
