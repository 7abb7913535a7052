package paramstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/redact"
)

// Format is how a token is stored.
type Format string

// The two storage formats of the contract's §1.4.
const (
	// FormatJSON stores a JSON object with the token and its expiry.
	FormatJSON Format = "json"
	// FormatRaw stores the access token alone.
	FormatRaw Format = "raw"
)

// Value is a stored token. It never prints its access token: String, Format
// and LogValue redact it.
type Value struct {
	// AccessToken is the bearer token itself.
	AccessToken string `json:"access_token"`
	// TokenType is the token's type, "Bearer" unless the provider said otherwise.
	TokenType string `json:"token_type"`
	// ExpiresAt is when the token stops working; zero when unknown (a raw
	// value that is not a JWT).
	ExpiresAt time.Time `json:"expires_at"`
	// IssuedAt is when the refresher obtained the token.
	IssuedAt time.Time `json:"issued_at"`
	// Scope is the granted (or, failing that, requested) scope.
	Scope string `json:"scope,omitempty"`
}

// String describes v without its access token.
func (v Value) String() string {
	return fmt.Sprintf("paramstore.Value{token_type: %s, expires_at: %s, scope: %q, access_token: %s}",
		v.TokenType, v.ExpiresAt.UTC().Format(time.RFC3339), v.Scope, redact.Marker)
}

// GoString is String, so %#v redacts too.
func (v Value) GoString() string { return v.String() }

// LogValue makes slog print v without its access token.
func (v Value) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token_type", v.TokenType),
		slog.Time("expires_at", v.ExpiresAt),
		slog.String("scope", v.Scope),
	)
}

// Encode renders v in format f ("" means json). Times are RFC 3339 UTC with
// whole seconds.
func Encode(v Value, f Format) (string, error) {
	if v.AccessToken == "" {
		return "", errors.New("paramstore: encode: empty access token")
	}
	switch f {
	case FormatRaw:
		return v.AccessToken, nil
	case FormatJSON, "":
		v.ExpiresAt = v.ExpiresAt.UTC().Truncate(time.Second)
		v.IssuedAt = v.IssuedAt.UTC().Truncate(time.Second)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", fmt.Errorf("paramstore: encode: %w", err)
		}
		return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
	default:
		return "", fmt.Errorf("paramstore: encode: unknown format %q", f)
	}
}

// Decode reads a stored value in either format. A JSON object with an
// access_token is the json format; anything else is a raw token, whose
// ExpiresAt comes from its JWT exp claim when it has one (zero otherwise).
// Errors never include the value.
func Decode(s string) (Value, Format, error) {
	trimmed := bytes.TrimSpace([]byte(s))
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var v Value
		if err := json.Unmarshal(trimmed, &v); err != nil {
			return Value{}, FormatJSON, errors.New("paramstore: decode: stored value is a malformed JSON token document")
		}
		if v.AccessToken == "" {
			return Value{}, FormatJSON, errors.New("paramstore: decode: stored JSON value has no access_token")
		}
		if v.TokenType == "" {
			v.TokenType = "Bearer"
		}
		return v, FormatJSON, nil
	}
	if len(trimmed) == 0 {
		return Value{}, FormatRaw, errors.New("paramstore: decode: stored value is empty")
	}
	v := Value{AccessToken: string(trimmed), TokenType: "Bearer"}
	if exp, ok := JWTExpiry(v.AccessToken); ok {
		v.ExpiresAt = exp
	}
	return v, FormatRaw, nil
}

// JWTExpiry returns the exp claim of token when it is a JWT, without
// verifying its signature: only the issuer can do that, and the expiry is
// used solely to decide when to fetch a new token.
func JWTExpiry(token string) (time.Time, bool) {
	exp, ok := oauth.UnverifiedExpiry(token)
	return exp.UTC(), ok
}
