package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/retry"
)

// ParseResponse turns a token endpoint's response (RFC 6749 §5.1, §5.2) into
// a Token issued at now. A 3xx, a non-2xx, a 2xx carrying an OAuth "error"
// and a body that is not a JSON object are *RetrieveError. The expiry comes
// from expires_in (seconds, number or numeric string), else expires_on (Unix
// seconds), else the access token's JWT exp, else defaultLifetime (0 means
// DefaultLifetime); the lifetime must be more than 0 and at most MaxLifetime.
func ParseResponse(status int, h http.Header, body []byte, now time.Time, defaultLifetime time.Duration) (*Token, error) {
	tok, err := parseResponse(status, h, body, now, lifetimeOr(defaultLifetime))
	if err != nil {
		var re *RetrieveError
		if errors.As(err, &re) {
			return nil, err
		}
		return nil, fmt.Errorf("oauth: %w", err)
	}
	return tok, nil
}

// parseResponse is ParseResponse with secrets to redact from any excerpt of
// the body. Errors other than *RetrieveError carry no "oauth:" prefix: the
// caller adds its own context.
func parseResponse(status int, h http.Header, body []byte, now time.Time, defaultLifetime time.Duration, secrets ...string) (*Token, error) {
	retrieveErr := func(fields map[string]json.RawMessage, notJSON bool) *RetrieveError {
		e := &RetrieveError{
			StatusCode:  status,
			ContentType: clean(h.Get("Content-Type"), 64),
			NotJSON:     notJSON,
		}
		if status < 200 || status > 299 {
			e.RetryAfterDelay = retry.ParseRetryAfter(h.Get("Retry-After"), now)
		}
		if at, ok := canonjson.String(fields["access_token"]); ok {
			secrets = append(secrets, at)
		}
		code, _ := canonjson.String(fields["error"])
		if code == "" && fields["error"] != nil && !isNull(fields["error"]) {
			code = string(fields["error"])
		}
		if e.ErrorCode = clean(code, maxErrorCode, secrets...); e.ErrorCode != "" {
			desc, _ := canonjson.String(fields["error_description"])
			e.ErrorDescription = clean(desc, maxDescription, secrets...)
		} else if trimmed := bytes.TrimSpace(body); status >= 200 && status <= 299 && !bytes.HasPrefix(trimmed, []byte("<")) {
			// A success status with a body that is not an OAuth response may still carry the
			// token (form-encoded, bare, or JSON with a syntax error): it is never quoted. An
			// HTML page (a login or proxy page) is, up to any mention of a token member.
			e.BodyLength = len(trimmed)
		} else {
			e.Body = clean(cutAtToken(string(body)), maxSnippet, secrets...)
		}
		return e
	}

	if status >= 300 && status <= 399 {
		e := retrieveErr(nil, false)
		e.Body = ""
		return nil, &redirectError{RetrieveError: e, location: clean(redact.URL(h.Get("Location")), maxSnippet, secrets...)}
	}
	fields, ok := jsonObject(body)
	if !ok {
		// An empty error body is common (a bare 503) and says nothing more.
		notJSON := len(bytes.TrimSpace(body)) > 0 || (status >= 200 && status <= 299)
		return nil, retrieveErr(nil, notJSON)
	}
	if status < 200 || status > 299 {
		return nil, retrieveErr(fields, false)
	}
	if e := fields["error"]; e != nil && !isNull(e) && string(e) != `""` {
		return nil, retrieveErr(fields, false)
	}

	tok := &Token{IssuedAt: now, TokenType: "Bearer"}
	var err error
	if tok.AccessToken, err = stringField(fields, "access_token"); err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, errors.New("response has no access_token")
	}
	if !visibleASCII(tok.AccessToken) {
		return nil, errors.New("access_token holds characters outside printable ASCII")
	}
	tt, err := stringField(fields, "token_type")
	if err != nil {
		return nil, err
	}
	switch {
	case tt == "" || strings.EqualFold(tt, "bearer"):
	case !visibleASCII(tt) || len(tt) > 64:
		return nil, errors.New("token_type is not a valid token type name")
	default:
		tok.TokenType = tt
	}
	if tok.Scope, err = scopeField(fields["scope"]); err != nil {
		return nil, err
	}
	if tok.Expiry, err = expiry(fields, tok.AccessToken, now, defaultLifetime); err != nil {
		return nil, err
	}
	return tok, nil
}

// redirectError is a 3xx answer: never followed, never retried.
type redirectError struct {
	*RetrieveError
	location string
}

func (e *redirectError) Error() string {
	msg := e.RetrieveError.Error() + "; redirects are not followed"
	if e.location != "" {
		msg += " (Location " + e.location + ")"
	}
	return msg
}

func (e *redirectError) Unwrap() error { return e.RetrieveError }

// expiry applies the precedence expires_in, expires_on, JWT exp, default.
func expiry(fields map[string]json.RawMessage, accessToken string, now time.Time, defaultLifetime time.Duration) (time.Time, error) {
	if secs, ok, err := numberField(fields, "expires_in"); err != nil {
		return time.Time{}, err
	} else if ok {
		if !(secs > 0 && secs <= MaxLifetime.Seconds()) {
			return time.Time{}, fmt.Errorf("invalid expires_in %s: the lifetime must be more than 0 and at most 366 days", rawForMessage(fields["expires_in"]))
		}
		return now.Add(time.Duration(secs * float64(time.Second))), nil
	}
	if secs, ok, err := numberField(fields, "expires_on"); err != nil {
		return time.Time{}, err
	} else if ok {
		if life := secs - float64(now.UnixNano())/1e9; !(life > 0 && life <= MaxLifetime.Seconds()) {
			return time.Time{}, fmt.Errorf("invalid expires_on %s: %s from now; the lifetime must be more than 0 and at most 366 days", rawForMessage(fields["expires_on"]), roundSeconds(life))
		}
		whole, frac := math.Modf(secs)
		return time.Unix(int64(whole), int64(frac*1e9)), nil
	}
	if exp, ok := UnverifiedExpiry(accessToken); ok {
		if life := exp.Sub(now); life <= 0 || life > MaxLifetime {
			return time.Time{}, fmt.Errorf("invalid access token JWT exp %s: %s from now; the lifetime must be more than 0 and at most 366 days", exp.UTC().Format(time.RFC3339), life.Round(time.Second))
		}
		return exp, nil
	}
	if defaultLifetime <= 0 || defaultLifetime > MaxLifetime {
		return time.Time{}, fmt.Errorf("invalid default lifetime %s: must be more than 0 and at most 366 days", defaultLifetime)
	}
	return now.Add(defaultLifetime), nil
}

// roundSeconds renders a signed number of seconds as a duration, clamped so
// that absurd values still print.
func roundSeconds(s float64) time.Duration {
	const limit = float64(math.MaxInt64 / int64(time.Second))
	s = math.Max(-limit, math.Min(limit, s))
	return time.Duration(s) * time.Second
}

// UnverifiedExpiry returns the exp claim of accessToken when it is a JWT,
// without verifying its signature: the token is the resource server's to
// verify, the expiry only tells when to fetch another.
func UnverifiedExpiry(accessToken string) (time.Time, bool) {
	if strings.Count(accessToken, ".") != 2 {
		return time.Time{}, false
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(accessToken, claims); err != nil {
		return time.Time{}, false
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return time.Time{}, false
	}
	return exp.Time, true
}

// jsonObject decodes body as one JSON object.
func jsonObject(body []byte) (map[string]json.RawMessage, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, false
	}
	return fields, true
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// stringField returns the string field name, "" when absent or null.
func stringField(fields map[string]json.RawMessage, name string) (string, error) {
	raw := fields[name]
	if raw == nil || isNull(raw) {
		return "", nil
	}
	s, ok := canonjson.String(raw)
	if !ok {
		return "", fmt.Errorf("%s is not a string", name)
	}
	return s, nil
}

// scopeField reads scope as a space-separated string, also accepting the
// array of strings a few servers send.
func scopeField(raw json.RawMessage) (string, error) {
	if raw == nil || isNull(raw) {
		return "", nil
	}
	if s, ok := canonjson.String(raw); ok {
		return sanitize(s), nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", errors.New("scope is neither a string nor an array of strings")
	}
	return sanitize(strings.Join(list, " ")), nil
}

// numberField reads a number given as a JSON number or a numeric string.
// ok is false when the field is absent or null.
func numberField(fields map[string]json.RawMessage, name string) (v float64, ok bool, err error) {
	raw := fields[name]
	if raw == nil || isNull(raw) {
		return 0, false, nil
	}
	text := string(raw)
	if s, isString := canonjson.String(raw); isString {
		text = strings.TrimSpace(s)
	}
	// JSON number grammar only: no hex, no "Inf", no "NaN", no underscores.
	if text == "" || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) || !json.Valid([]byte(text)) {
		return 0, false, fmt.Errorf("invalid %s %s: not a number", name, rawForMessage(raw))
	}
	v, err = strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false, fmt.Errorf("invalid %s %s: not a finite number", name, rawForMessage(raw))
	}
	return v, true, nil
}

// rawForMessage renders a server-supplied JSON value for an error message.
func rawForMessage(raw json.RawMessage) string {
	return clean(string(raw), 32)
}

// visibleASCII reports whether s holds only %x21-7E (RFC 6749 Appendix
// A.12's VSCHAR without space), so a token can go into an Authorization
// header as it is.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
