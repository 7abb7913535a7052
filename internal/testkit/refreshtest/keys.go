package refreshtest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// Keypair is a client's RSA key and self-signed certificate, in the forms a
// secret holds them (README: "Credentials").
type Keypair struct {
	// Key is the 2048-bit private key.
	Key *rsa.PrivateKey
	// Cert is the self-signed certificate of Key.
	Cert *x509.Certificate
	// KeyPEM is Key as a PKCS#8 PEM block; KeyPEMPKCS1 as a PKCS#1 one.
	KeyPEM, KeyPEMPKCS1 string
	// CertPEM is Cert as a PEM block.
	CertPEM string
	// PFX is the base64 of a PKCS#12 file holding Key and Cert, encrypted
	// with PFXPassword.
	PFX, PFXPassword string
}

// NewKeypair makes a key and a certificate for the subject cn.
func NewKeypair(t testing.TB, cn string) *Keypair {
	t.Helper()
	key := testrand.RSAKey(2048)
	cert := testrand.SelfSigned(key, cn, time.Now())
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("refreshtest: marshal key: %v", err)
	}
	password := "pfx+p@ss:w%rd=" + cn
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatalf("refreshtest: encode PFX: %v", err)
	}
	return &Keypair{
		Key:         key,
		Cert:        cert,
		KeyPEM:      string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
		KeyPEMPKCS1: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		CertPEM:     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
		PFX:         base64.StdEncoding.EncodeToString(pfx),
		PFXPassword: password,
	}
}

// PEMSecret is the SecretString of the PEM format, with the certificate.
func (k *Keypair) PEMSecret(clientID string) string {
	return jsonObject(map[string]string{"client_id": clientID, "private_key": k.KeyPEM, "certificate": k.CertPEM})
}

// PKCS1Secret is the SecretString of the PEM format with a PKCS#1 key and
// no certificate.
func (k *Keypair) PKCS1Secret(clientID string) string {
	return jsonObject(map[string]string{"client_id": clientID, "private_key": k.KeyPEMPKCS1})
}

// PFXSecret is the SecretString of the PFX format.
func (k *Keypair) PFXSecret(clientID string) string {
	return jsonObject(map[string]string{"client_id": clientID, "pfx": k.PFX, "pfx_password": k.PFXPassword})
}

// Sensitive lists what must never be printed: the key in both PEM forms,
// the PFX and its password.
func (k *Keypair) Sensitive() []string {
	return []string{k.KeyPEM, k.KeyPEMPKCS1, k.PFX, k.PFXPassword}
}

// SecretString is the SecretString of the client secret format.
func SecretString(clientID, secret string) string {
	return jsonObject(map[string]string{"client_id": clientID, "client_secret": secret})
}

func jsonObject(m map[string]string) string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}
