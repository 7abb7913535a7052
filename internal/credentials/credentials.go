package credentials

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/tokenrelay/tokenrelay/internal/redact"
)

// Credentials are the client credentials held in one secret: a client ID
// with either a client secret or an RSA private key (and, optionally, the
// certificate of its public key).
//
// Printing (any fmt verb), logging through slog and JSON marshalling never
// show ClientSecret or PrivateKey. Do not print PrivateKey on its own, nor a
// struct holding Credentials in an unexported field, which fmt prints without
// calling its methods.
type Credentials struct {
	// ClientID is the OAuth client_id.
	ClientID string
	// ClientSecret is the client secret; empty when the secret holds a key.
	ClientSecret string
	// PrivateKey signs client assertions (private_key_jwt); nil when the
	// secret holds a client secret. It is RSA, at least 2048 bits.
	PrivateKey *rsa.PrivateKey
	// Certificate is the X.509 certificate of PrivateKey's public key, from
	// the PEM certificate field or the PFX; nil when there is none.
	Certificate *x509.Certificate
}

// HasKey reports whether the credentials hold a private key, so that
// private_key_jwt is the default client authentication.
func (c Credentials) HasKey() bool { return c.PrivateKey != nil }

// String describes the credentials with the secret and the key redacted.
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteString("credentials.Credentials{ClientID:")
	b.WriteString(strconv.Quote(c.ClientID))
	b.WriteString(", ClientSecret:")
	b.WriteString(c.secretDesc())
	b.WriteString(", PrivateKey:")
	b.WriteString(c.keyDesc())
	b.WriteString(", Certificate:")
	b.WriteString(c.certDesc())
	b.WriteString("}")
	return b.String()
}

// GoString is String, so that %#v redacts too.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb and flag (%v, %+v, %#v, %s, %q, %x…),
// so that no formatting path reaches the fields.
func (c Credentials) Format(f fmt.State, verb rune) {
	s := c.String()
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = f.Write([]byte(s))
}

// LogValue logs the client ID, whether a secret or key is present (redacted)
// and the certificate's subject and thumbprint.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", c.secretDesc()),
		slog.String("private_key", c.keyDesc()),
		slog.String("certificate", c.certDesc()),
	)
}

// MarshalJSON writes the same redacted description as LogValue, so that
// credentials accidentally put into a result or a log line stay secret.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"client_id":     c.ClientID,
		"client_secret": c.secretDesc(),
		"private_key":   c.keyDesc(),
		"certificate":   c.certDesc(),
	})
}

func (c Credentials) secretDesc() string {
	if c.ClientSecret == "" {
		return "none"
	}
	return redact.Marker
}

func (c Credentials) keyDesc() string {
	if c.PrivateKey == nil || c.PrivateKey.N == nil {
		return "none"
	}
	return "RSA-" + strconv.Itoa(c.PrivateKey.N.BitLen()) + " " + redact.Marker
}

func (c Credentials) certDesc() string {
	if c.Certificate == nil {
		return "none"
	}
	sum := sha1.Sum(c.Certificate.Raw)
	return c.Certificate.Subject.String() + " (SHA-1 " + strings.ToUpper(hex.EncodeToString(sum[:])) + ")"
}
