package oauth

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseResponse feeds arbitrary responses to the parser: it must never
// panic, a token it accepts must be usable, and its errors must stay short
// single lines whatever the server sent. Seeds: testdata/fuzz/FuzzParseResponse.
func FuzzParseResponse(f *testing.F) {
	f.Add(200, "application/json", []byte(okBody))
	f.Add(200, "application/json", []byte(`{"access_token":"t","expires_in":"3600","refresh_token":"r"}`))
	f.Add(200, "application/json", []byte(`{"access_token":"t","expires_on":1795000000,"token_type":"bearer"}`))
	f.Add(200, "application/json", []byte(`{"access_token":"`+fakeJWT(map[string]any{"exp": 1795000000})+`"}`))
	f.Add(400, "application/json", []byte(`{"error":"invalid_client","error_description":"x"}`))
	f.Add(429, "application/json", []byte(`{"error":"slow_down"}`))
	f.Add(502, "text/html", []byte("<html>\x1b[2J</html>"))
	f.Add(302, "", []byte(""))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		h := http.Header{"Content-Type": {contentType}, "Retry-After": {"5"}, "Location": {contentType}}
		tok, err := ParseResponse(status, h, body, fxNow, 0)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r\x00\x1b") {
				t.Errorf("error %q holds control characters", msg)
			}
			if len(msg) > 1024 {
				t.Errorf("error of %d bytes; want a bounded message", len(msg))
			}
			if tok != nil {
				t.Errorf("got a token and an error")
			}
			return
		}
		if status < 200 || status > 299 {
			t.Errorf("status %d accepted", status)
		}
		if tok.AccessToken == "" || !visibleASCII(tok.AccessToken) {
			t.Errorf("accepted access token %q", tok.AccessToken)
		}
		if tok.TokenType == "" || strings.EqualFold(tok.TokenType, "bearer") && tok.TokenType != "Bearer" {
			t.Errorf("got TokenType %q", tok.TokenType)
		}
		if !tok.Expiry.After(fxNow) || tok.Expiry.After(fxNow.Add(MaxLifetime+time.Second)) {
			t.Errorf("got Expiry %s; want within (now, now+366d]", tok.Expiry)
		}
		if !tok.IssuedAt.Equal(fxNow) {
			t.Errorf("got IssuedAt %s; want %s", tok.IssuedAt, fxNow)
		}
	})
}
