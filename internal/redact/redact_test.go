package redact_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/redact"
)

func TestURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://h/p?client_secret=x#frag": "https://h/p",
		"https://u:p@h/p":                  "https://h/p",
		"%zz?client_secret=x":              "%zz",
		"%zz://u:p@h/p#f":                  "h/p",
	} {
		if got := redact.URL(in); got != want {
			t.Errorf("URL(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	const secret = `s3cr/t "x"`
	for _, tc := range []struct{ name, in, want string }{
		{"as is", "bad secret " + secret + ".", "bad secret [REDACTED]."},
		{"form-encoded", "client_secret=s3cr%2Ft+%22x%22&a=b", "client_secret=[REDACTED]&a=b"},
		{"JSON-escaped", `{"client_secret":"s3cr/t \"x\""}`, `{"client_secret":"[REDACTED]"}`},
		{"absent", "nothing here", "nothing here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := redact.Secrets(tc.in, secret, ""); got != tc.want {
				t.Errorf("Secrets(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	if redact.Error(nil, "x") != nil {
		t.Error("Error(nil) is not nil")
	}
	clean := errors.New("no secret")
	if got := redact.Error(clean, "token-1"); got != clean {
		t.Errorf("Error(clean) = %v; want the same error", got)
	}
	err := redact.Error(fmt.Errorf("echoed token-1: %w", context.Canceled), "token-1")
	if strings.Contains(err.Error(), "token-1") || !strings.Contains(err.Error(), redact.Marker) {
		t.Errorf("got %q; want the token replaced by %s", err, redact.Marker)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want the chain kept", err)
	}
	if w := redact.Wrap("msg", context.Canceled); w.Error() != "msg" || !errors.Is(w, context.Canceled) {
		t.Errorf("Wrap = %v; want msg wrapping context.Canceled", w)
	}
}
