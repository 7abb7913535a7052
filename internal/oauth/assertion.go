package oauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Assertion timing: iat and nbf a minute in the past so a
// host clock slightly ahead of the server's is tolerated, exp five minutes
// ahead, well inside IdentityServer's accepted window.
const (
	assertionBackdate = time.Minute
	assertionLifetime = 5 * time.Minute
)

// assertionClaims are the claims of a JWT client assertion (RFC 7523 §3).
// A struct rather than jwt.RegisteredClaims so that aud is a single string,
// which every server accepts, without touching jwt's global
// MarshalSingleStringAsArray.
type assertionClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	ID        string `json:"jti"`
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf"`
	ExpiresAt int64  `json:"exp"`
}

func (c assertionClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.ExpiresAt, 0)), nil
}

func (c assertionClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.IssuedAt, 0)), nil
}

func (c assertionClaims) GetNotBefore() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.NotBefore, 0)), nil
}

func (c assertionClaims) GetIssuer() (string, error)  { return c.Issuer, nil }
func (c assertionClaims) GetSubject() (string, error) { return c.Subject, nil }

func (c assertionClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// Thumbprint returns the x5t (base64url of the SHA-1 of the DER, no padding)
// and kid (the same SHA-1 in uppercase hex, as .NET's X509SigningCredentials
// names the key) of cert.
func Thumbprint(cert *x509.Certificate) (x5t, kid string) {
	sum := sha1.Sum(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:]), strings.ToUpper(hex.EncodeToString(sum[:]))
}

// newJTI returns 128 random bits in hex: a fresh jti for every assertion,
// retries included, because servers reject a replayed one.
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

// signAssertion builds and signs a client assertion for clientID at the token
// endpoint aud. Its error never includes key material.
func signAssertion(key *rsa.PrivateKey, cert *x509.Certificate, clientID, aud string, now time.Time) (string, error) {
	claims := assertionClaims{
		Issuer:    clientID,
		Subject:   clientID,
		Audience:  aud,
		ID:        newJTI(),
		IssuedAt:  now.Add(-assertionBackdate).Unix(),
		NotBefore: now.Add(-assertionBackdate).Unix(),
		ExpiresAt: now.Add(assertionLifetime).Unix(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if cert != nil {
		tok.Header["x5t"], tok.Header["kid"] = Thumbprint(cert)
	}
	s, err := tok.SignedString(key)
	if err != nil {
		// jwt's signing errors describe the failure (key size, type), not the key.
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	return s, nil
}
