package credentials

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// Keys are generated once per test binary: RSA generation is slow under -race.
var (
	keyA     = sync.OnceValue(func() *rsa.PrivateKey { return testrand.RSAKey(2048) })
	keyB     = sync.OnceValue(func() *rsa.PrivateKey { return testrand.RSAKey(2048) })
	keySmall = sync.OnceValue(func() *rsa.PrivateKey { return testrand.RSAKey(1024) })
	keyEC    = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
	certA = sync.OnceValue(func() *x509.Certificate { return testrand.SelfSigned(keyA(), "client-a", time.Now()) })
	certB = sync.OnceValue(func() *x509.Certificate { return testrand.SelfSigned(keyB(), "client-b", time.Now()) })
)

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs8PEM(t testing.TB, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("PRIVATE KEY", der)
}

func pkcs1PEM(key *rsa.PrivateKey) string {
	return pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
}

func certPEM(c *x509.Certificate) string { return pemOf("CERTIFICATE", c.Raw) }

// pfxB64 encodes key and cert (and CA certificates) with enc, in base64.
func pfxB64(t testing.TB, enc *pkcs12.Encoder, key any, cert *x509.Certificate, ca []*x509.Certificate, password string) string {
	t.Helper()
	der, err := enc.Encode(key, cert, ca, password)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// secretJSON marshals the secret's fields.
func secretJSON(t testing.TB, fields map[string]any) string {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ed25519Key returns a fresh Ed25519 private key.
func ed25519Key() ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}
