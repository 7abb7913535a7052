package localstack

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// AppCredentials are the two AvePoint app registrations of the stack, made
// afresh by every Seed: one authenticating with a certificate (given to the
// refresher as a password-protected PFX, as AvePoint's documentation has
// users export it), one with a client secret.
type AppCredentials struct {
	// CertClientID is the app that signs client assertions (private_key_jwt).
	CertClientID string
	// Key and Certificate are its RSA key and self-signed certificate.
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
	// PFX is the key and certificate as PKCS#12, encrypted with PFXPassword.
	PFX         []byte
	PFXPassword string

	// SecretClientID and ClientSecret are the app using client_secret_post.
	SecretClientID string
	ClientSecret   string
}

// NewAppCredentials generates both apps' credentials.
func NewAppCredentials(now time.Time) (*AppCredentials, error) {
	key := testrand.RSAKey(2048)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, fmt.Errorf("localstack: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "tokenrelay local audit app", Organization: []string{"tokenrelay"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("localstack: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("localstack: parse certificate: %w", err)
	}
	c := &AppCredentials{
		CertClientID:   "tokenrelay-local-audit",
		Key:            key,
		Certificate:    cert,
		PFXPassword:    randomString(18),
		SecretClientID: "tokenrelay-local-backup",
		ClientSecret:   randomString(32),
	}
	if c.PFX, err = pkcs12.Modern2023.Encode(key, cert, nil, c.PFXPassword); err != nil {
		return nil, fmt.Errorf("localstack: encode PFX: %w", err)
	}
	return c, nil
}

// CertSecret is the certificate app's SecretString (README: "Credentials", PFX).
func (c *AppCredentials) CertSecret() string {
	return mustJSON(map[string]string{
		"client_id":    c.CertClientID,
		"pfx":          base64.StdEncoding.EncodeToString(c.PFX),
		"pfx_password": c.PFXPassword,
	})
}

// SecretSecret is the client-secret app's SecretString (README: "Credentials").
func (c *AppCredentials) SecretSecret() string {
	return mustJSON(map[string]string{"client_id": c.SecretClientID, "client_secret": c.ClientSecret})
}

// Registrations is the local AvePoint's -clients file for both apps, each
// granted the scope its refresher target asks for.
func (c *AppCredentials) Registrations() []byte {
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate.Raw})
	return []byte(mustJSON(map[string]any{"clients": []map[string]any{
		{"client_id": c.CertClientID, "certificate": string(certPEM), "scopes": []string{AuditScope}},
		{"client_id": c.SecretClientID, "client_secret": c.ClientSecret, "scopes": []string{BackupScope}},
	}}))
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mustJSON marshals values that cannot fail to marshal (maps of strings).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("localstack: " + err.Error())
	}
	return string(b)
}
