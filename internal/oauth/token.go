package oauth

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/redact"
)

// Token is an access token and what the response said about it. A
// refresh_token or id_token in the response is dropped, never kept.
//
// String, GoString and LogValue leave AccessToken out, so printing or
// logging a Token cannot leak it; read the field itself to use it.
type Token struct {
	// AccessToken is the token itself. Never log it.
	AccessToken string
	// TokenType is "Bearer" unless the server said otherwise.
	TokenType string
	// Scope is the granted scope, or the requested one when the response
	// did not state it.
	Scope string
	// IssuedAt is when the response was received.
	IssuedAt time.Time
	// Expiry is when the token stops being valid.
	Expiry time.Time
}

// String describes t without its access token.
func (t Token) String() string {
	return fmt.Sprintf("oauth.Token{AccessToken: %s, TokenType: %q, Scope: %q, IssuedAt: %s, Expiry: %s}",
		redact.Marker, t.TokenType, t.Scope, t.IssuedAt.UTC().Format(time.RFC3339), t.Expiry.UTC().Format(time.RFC3339))
}

// GoString is String, so %#v does not print the access token either.
func (t Token) GoString() string { return t.String() }

// LogValue gives slog the token's attributes without its access token.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token_type", t.TokenType),
		slog.String("scope", t.Scope),
		slog.Time("issued_at", t.IssuedAt),
		slog.Time("expiry", t.Expiry),
	)
}
