package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fakeJWT returns an unsigned-looking JWT carrying claims; expiry parsing
// never verifies signatures.
func fakeJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func TestParseResponse(t *testing.T) {
	t.Parallel()
	jwtExp := fakeJWT(map[string]any{"sub": "x", "exp": fxNow.Add(30 * time.Minute).Unix()})
	jwtNoExp := fakeJWT(map[string]any{"sub": "x"})
	tests := []struct {
		name            string
		body            string
		defaultLifetime time.Duration
		wantToken       string
		wantType        string
		wantScope       string
		wantExpiry      time.Time
	}{
		{"expires_in number", `{"access_token":"t1","token_type":"Bearer","expires_in":3600,"scope":"audit.read.all"}`, 0, "t1", "Bearer", "audit.read.all", fxNow.Add(time.Hour)},
		{"expires_in string (Virtana)", `{"access_token":"t1","refresh_token":"rt","expires_in":"43200","scope":"Scope","token_type":"Bearer"}`, 0, "t1", "Bearer", "Scope", fxNow.Add(12 * time.Hour)},
		{"expires_in string with spaces", `{"access_token":"t1","expires_in":" 60 "}`, 0, "t1", "Bearer", "", fxNow.Add(time.Minute)},
		{"expires_in fractional", `{"access_token":"t1","expires_in":1.5}`, 0, "t1", "Bearer", "", fxNow.Add(1500 * time.Millisecond)},
		{"expires_in exactly 366 days", `{"access_token":"t1","expires_in":31622400}`, 0, "t1", "Bearer", "", fxNow.Add(366 * 24 * time.Hour)},
		{"expires_on number, lowercase bearer (Acronis)", fmt.Sprintf(`{"access_token":"t1","expires_on":%d,"id_token":"idt","token_type":"bearer"}`, fxNow.Add(2*time.Hour).Unix()), 0, "t1", "Bearer", "", fxNow.Add(2 * time.Hour)},
		{"expires_on string", fmt.Sprintf(`{"access_token":"t1","expires_on":"%d"}`, fxNow.Add(2*time.Hour).Unix()), 0, "t1", "Bearer", "", fxNow.Add(2 * time.Hour)},
		{"expires_in wins over expires_on", fmt.Sprintf(`{"access_token":"t1","expires_in":60,"expires_on":%d}`, fxNow.Add(2*time.Hour).Unix()), 0, "t1", "Bearer", "", fxNow.Add(time.Minute)},
		{"null expires_in falls through to expires_on", fmt.Sprintf(`{"access_token":"t1","expires_in":null,"expires_on":%d}`, fxNow.Add(2*time.Hour).Unix()), 0, "t1", "Bearer", "", fxNow.Add(2 * time.Hour)},
		{"JWT exp", `{"access_token":"` + jwtExp + `"}`, 0, jwtExp, "Bearer", "", fxNow.Add(30 * time.Minute)},
		{"expires_in wins over JWT exp", `{"access_token":"` + jwtExp + `","expires_in":60}`, 0, jwtExp, "Bearer", "", fxNow.Add(time.Minute)},
		{"JWT without exp: default lifetime", `{"access_token":"` + jwtNoExp + `"}`, 2 * time.Hour, jwtNoExp, "Bearer", "", fxNow.Add(2 * time.Hour)},
		{"opaque token: default lifetime", `{"access_token":"t1"}`, 90 * time.Minute, "t1", "Bearer", "", fxNow.Add(90 * time.Minute)},
		{"opaque token: default of the default is 1h", `{"access_token":"t1"}`, 0, "t1", "Bearer", "", fxNow.Add(time.Hour)},
		{"other token type kept", `{"access_token":"t1","token_type":"DPoP","expires_in":60}`, 0, "t1", "DPoP", "", fxNow.Add(time.Minute)},
		{"BEARER normalised", `{"access_token":"t1","token_type":"BEARER","expires_in":60}`, 0, "t1", "Bearer", "", fxNow.Add(time.Minute)},
		{"scope as array", `{"access_token":"t1","expires_in":60,"scope":["a","b"]}`, 0, "t1", "Bearer", "a b", fxNow.Add(time.Minute)},
		{"empty error ignored", `{"access_token":"t1","expires_in":60,"error":""}`, 0, "t1", "Bearer", "", fxNow.Add(time.Minute)},
		{"leading whitespace", "\n {\"access_token\":\"t1\",\"expires_in\":60}\n", 0, "t1", "Bearer", "", fxNow.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := ParseResponse(200, http.Header{"Content-Type": {"application/json"}}, []byte(tt.body), fxNow, tt.defaultLifetime)
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if tok.AccessToken != tt.wantToken {
				t.Errorf("got AccessToken %q; want %q", tok.AccessToken, tt.wantToken)
			}
			if tok.TokenType != tt.wantType {
				t.Errorf("got TokenType %q; want %q", tok.TokenType, tt.wantType)
			}
			if tok.Scope != tt.wantScope {
				t.Errorf("got Scope %q; want %q", tok.Scope, tt.wantScope)
			}
			if !tok.Expiry.Equal(tt.wantExpiry) {
				t.Errorf("got Expiry %s; want %s", tok.Expiry, tt.wantExpiry)
			}
			if !tok.IssuedAt.Equal(fxNow) {
				t.Errorf("got IssuedAt %s; want %s", tok.IssuedAt, fxNow)
			}
		})
	}
}

func TestParseResponseErrors(t *testing.T) {
	t.Parallel()
	jwtPast := fakeJWT(map[string]any{"exp": fxNow.Add(-time.Minute).Unix()})
	tests := []struct {
		name          string
		status        int
		header        http.Header
		body          string
		want          string // substring of the error
		wantRetrieve  bool
		wantTemporary bool
		wantCode      string
		wantAfter     time.Duration
	}{
		{name: "missing access_token", status: 200, body: `{"token_type":"Bearer","expires_in":3600}`, want: "oauth: response has no access_token"},
		{name: "empty access_token", status: 200, body: `{"access_token":"","expires_in":3600}`, want: "no access_token"},
		{name: "null access_token", status: 200, body: `{"access_token":null}`, want: "no access_token"},
		{name: "numeric access_token", status: 200, body: `{"access_token":12345}`, want: "access_token is not a string"},
		{name: "access_token with a newline", status: 200, body: `{"access_token":"a\nb"}`, want: "outside printable ASCII"},
		{name: "access_token with a space", status: 200, body: `{"access_token":"a b"}`, want: "outside printable ASCII"},
		{name: "bad token_type", status: 200, body: `{"access_token":"t","token_type":"Bear\ter"}`, want: "token_type is not a valid"},
		{name: "token_type not a string", status: 200, body: `{"access_token":"t","token_type":1}`, want: "token_type is not a string"},
		{name: "scope not a string", status: 200, body: `{"access_token":"t","scope":{"a":1}}`, want: "scope is neither"},
		{name: "200 with error", status: 200, body: `{"error":"invalid_scope","error_description":"scope x is not allowed"}`, want: "answered 200 OK: invalid_scope: scope x is not allowed", wantRetrieve: true, wantCode: "invalid_scope"},
		{name: "200 with error and a token", status: 200, body: `{"access_token":"` + fxToken + `","error":"server_error","error_description":"token ` + fxToken + `"}`, want: "server_error: token [REDACTED]", wantRetrieve: true, wantCode: "server_error"},
		{name: "200 with non-string error", status: 200, body: `{"error":{"code":7}}`, want: `answered 200 OK: {"code":7}`, wantRetrieve: true, wantCode: `{"code":7}`},
		{name: "400 invalid_grant", status: 400, body: `{"error":"invalid_grant","error_description":"grant expired"}`, want: "answered 400 Bad Request: invalid_grant: grant expired", wantRetrieve: true, wantCode: "invalid_grant"},
		{name: "400 invalid_client", status: 400, body: `{"error":"invalid_client"}`, want: "answered 400 Bad Request: invalid_client", wantRetrieve: true, wantCode: "invalid_client"},
		{name: "401 invalid_client", status: 401, body: `{"error":"invalid_client","error_description":"Client authentication failed"}`, want: "answered 401 Unauthorized: invalid_client: Client authentication failed", wantRetrieve: true, wantCode: "invalid_client"},
		{name: "403 JSON without error", status: 403, body: `{"message":"Forbidden"}`, want: `answered 403 Forbidden: "{\"message\":\"Forbidden\"}"`, wantRetrieve: true},
		{name: "429 with Retry-After", status: 429, header: http.Header{"Retry-After": {"7"}}, body: `{"error":"slow_down"}`, want: "answered 429 Too Many Requests: slow_down (retry after 7s)", wantRetrieve: true, wantTemporary: true, wantCode: "slow_down", wantAfter: 7 * time.Second},
		{name: "503 empty body", status: 503, body: ``, want: "answered 503 Service Unavailable", wantRetrieve: true, wantTemporary: true},
		{name: "502 HTML", status: 502, header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>", want: `answered 502 Bad Gateway with a body that is not a JSON object (Content-Type text/html; charset=utf-8): "<html> <head><title>502 Bad Gateway</title></head> <body>nginx</body></html>"`, wantRetrieve: true, wantTemporary: true},
		{name: "200 HTML login page", status: 200, header: http.Header{"Content-Type": {"text/html"}}, body: "<!DOCTYPE html><html>" + strings.Repeat("x", 500), want: "answered 200 OK with a body that is not a JSON object (Content-Type text/html)", wantRetrieve: true},
		{name: "200 empty", status: 200, body: ``, want: "answered 200 OK with an empty body", wantRetrieve: true},
		{name: "garbage", status: 200, body: "\x00\x01garbage\x1b[31m", want: `answered 200 OK with a body of 14 bytes that is not a JSON object (Content-Type application/json; not shown, it may hold a token)`, wantRetrieve: true},
		{name: "form-encoded token at 200", status: 200, body: "access_token=" + fxToken + "&token_type=bearer", want: "bytes that is not a JSON object (Content-Type application/json; not shown", wantRetrieve: true},
		{name: "bare token at 200", status: 200, body: fxToken, want: "bytes that is not a JSON object (Content-Type application/json; not shown", wantRetrieve: true},
		{name: "token in an error page", status: 502, body: "upstream said access_token=" + fxToken, want: `"upstream said [REDACTED]"`, wantRetrieve: true, wantTemporary: true},
		{name: "truncated JSON", status: 200, body: `{"access_token":"t`, want: "not a JSON object", wantRetrieve: true},
		{name: "JSON array", status: 200, body: `[{"access_token":"t"}]`, want: "not a JSON object", wantRetrieve: true},
		{name: "JSON string", status: 200, body: `"t"`, want: "not a JSON object", wantRetrieve: true},
		{name: "negative expires_in", status: 200, body: `{"access_token":"t","expires_in":-5}`, want: "oauth: invalid expires_in -5: the lifetime must be more than 0 and at most 366 days"},
		{name: "zero expires_in", status: 200, body: `{"access_token":"t","expires_in":0}`, want: "invalid expires_in 0"},
		{name: "absurd expires_in", status: 200, body: `{"access_token":"t","expires_in":1e300}`, want: "invalid expires_in 1e300"},
		{name: "expires_in a second past 366 days", status: 200, body: `{"access_token":"t","expires_in":31622401}`, want: "invalid expires_in 31622401"},
		{name: "expires_in not numeric", status: 200, body: `{"access_token":"t","expires_in":"soon"}`, want: `invalid expires_in "soon": not a number`},
		{name: "expires_in empty string", status: 200, body: `{"access_token":"t","expires_in":""}`, want: `invalid expires_in "": not a number`},
		{name: "expires_in NaN", status: 200, body: `{"access_token":"t","expires_in":"NaN"}`, want: "not a number"},
		{name: "expires_in Inf", status: 200, body: `{"access_token":"t","expires_in":"Inf"}`, want: "not a number"},
		{name: "expires_in hex", status: 200, body: `{"access_token":"t","expires_in":"0x10"}`, want: "not a number"},
		{name: "expires_in bool", status: 200, body: `{"access_token":"t","expires_in":true}`, want: "invalid expires_in true: not a number"},
		{name: "expires_in overflowing float", status: 200, body: `{"access_token":"t","expires_in":1e999}`, want: "not a finite number"},
		{name: "expires_on in the past", status: 200, body: fmt.Sprintf(`{"access_token":"t","expires_on":%d}`, fxNow.Add(-time.Hour).Unix()), want: "invalid expires_on " + fmt.Sprint(fxNow.Add(-time.Hour).Unix()) + ": -1h0m0s from now"},
		{name: "expires_on in milliseconds", status: 200, body: fmt.Sprintf(`{"access_token":"t","expires_on":%d}`, fxNow.Add(time.Hour).UnixMilli()), want: "invalid expires_on"},
		{name: "JWT exp in the past", status: 200, body: `{"access_token":"` + jwtPast + `"}`, want: "invalid access token JWT exp 2026-11-22T06:59:00Z: -1m0s from now"},
		{name: "redirect", status: 302, header: http.Header{"Location": {"https://elsewhere.example.com/login?client_secret=" + fxSecret}}, body: `{"access_token":"t"}`, want: "answered 302 Found; redirects are not followed (Location https://elsewhere.example.com/login)", wantRetrieve: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := tt.header
			if h == nil {
				h = http.Header{"Content-Type": {"application/json"}}
			}
			tok, err := ParseResponse(tt.status, h, []byte(tt.body), fxNow, 0)
			if err == nil {
				t.Fatalf("ParseResponse = %v, nil; want an error containing %q", tok, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q; want it to contain %q", err, tt.want)
			}
			assertNoLeak(t, err, fxSecret, fxToken)
			var re *RetrieveError
			if got := errors.As(err, &re); got != tt.wantRetrieve {
				t.Fatalf("errors.As(*RetrieveError) = %v; want %v", got, tt.wantRetrieve)
			}
			if re == nil {
				return
			}
			if re.StatusCode != tt.status || re.ErrorCode != tt.wantCode || re.Temporary() != tt.wantTemporary || re.RetryAfter() != tt.wantAfter {
				t.Errorf("got status %d code %q temporary %v retry-after %s; want %d %q %v %s",
					re.StatusCode, re.ErrorCode, re.Temporary(), re.RetryAfter(), tt.status, tt.wantCode, tt.wantTemporary, tt.wantAfter)
			}
			if len([]rune(re.Body)) > maxSnippet {
				t.Errorf("got Body of %d characters; want at most %d", len([]rune(re.Body)), maxSnippet)
			}
			if strings.ContainsAny(re.Body+re.ErrorCode+re.ErrorDescription+re.ContentType, "\x00\x1b\n\r\t") {
				t.Errorf("RetrieveError holds control characters: %#v", re)
			}
		})
	}
}

func TestRetrieveErrorLimitsServerText(t *testing.T) {
	t.Parallel()
	desc := strings.Repeat("é", 1000) + "\x1b[2J"
	body, _ := json.Marshal(map[string]string{"error": strings.Repeat("e", 500), "error_description": desc})
	_, err := ParseResponse(400, http.Header{"Content-Type": {"application/json"}}, body, fxNow, 0)
	var re *RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("got %v; want a *RetrieveError", err)
	}
	if n := len([]rune(re.ErrorCode)); n > maxErrorCode {
		t.Errorf("got ErrorCode of %d characters; want at most %d", n, maxErrorCode)
	}
	if n := len([]rune(re.ErrorDescription)); n > maxDescription {
		t.Errorf("got ErrorDescription of %d characters; want at most %d", n, maxDescription)
	}
	if !strings.HasSuffix(re.ErrorDescription, "…") {
		t.Errorf("got ErrorDescription %q; want it to end with …", re.ErrorDescription)
	}
}

func TestSnippetRedactsTheSecret(t *testing.T) {
	t.Parallel()
	// A server echoing the request form in a plain-text error.
	body := "bad request: client_id=my-app&client_secret=s%2Be%3Dc%3Ar%25et or raw s+e=c:r%et or json s+e=c:r%et"
	_, err := parseResponse(400, http.Header{"Content-Type": {"text/plain"}}, []byte(body), fxNow, time.Hour, fxSecret)
	if err == nil || !strings.Contains(err.Error(), `"bad request: client_id=my-app&[REDACTED]"`) {
		t.Fatalf("got error %v; want the excerpt cut at client_secret", err)
	}
	assertNoLeak(t, err, defaultSecrets()...)
	// A secret cut by a control character is still found.
	_, err = parseResponse(400, nil, []byte("x s+e=c\x00:r%et y"), fxNow, time.Hour, fxSecret)
	assertNoLeak(t, err, fxSecret)
}

func TestUnverifiedExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		token  string
		want   time.Time
		wantOK bool
	}{
		{"JWT with exp", fakeJWT(map[string]any{"exp": 1900000000}), time.Unix(1900000000, 0), true},
		{"JWT with fractional exp (jwt's second precision)", fakeJWT(map[string]any{"exp": 1900000000.5}), time.Unix(1900000000, 0), true},
		{"JWT without exp", fakeJWT(map[string]any{"sub": "x"}), time.Time{}, false},
		{"JWT with string exp", fakeJWT(map[string]any{"exp": "tomorrow"}), time.Time{}, false},
		{"opaque", "abc", time.Time{}, false},
		{"three garbage parts", "a.b.c", time.Time{}, false},
		{"empty", "", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := UnverifiedExpiry(tt.token)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("got %s, %v; want %s, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestTokenNeverPrintsAccessToken(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: fxToken, TokenType: "Bearer", Scope: "read", IssuedAt: fxNow, Expiry: fxNow.Add(time.Hour)}
	assertNoLeak(t, tok, fxToken)
	assertNoLeak(t, &tok, fxToken)
	assertNoLeak(t, struct{ T Token }{tok}, fxToken)
	if s := tok.String(); !strings.Contains(s, `Scope: "read"`) || !strings.Contains(s, "Expiry: 2026-11-22T08:00:00Z") {
		t.Errorf("got String %q; want scope and expiry", s)
	}
	var buf strings.Builder
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("refreshed", "token", tok, "ptr", &tok)
	if strings.Contains(buf.String(), fxToken) {
		t.Errorf("slog output %q leaks the access token", buf.String())
	}
	if !strings.Contains(buf.String(), `"token":{"token_type":"Bearer","scope":"read"`) {
		t.Errorf("slog output %q lacks the token's attributes", buf.String())
	}
}
