// Package testrand makes the random values the tests and rigs share: RSA
// keys and their self-signed certificates, UUIDs and hex identifiers. It
// panics where crypto/rand would fail, which it does not on a supported
// platform; a rig has no better answer.
package testrand

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"time"
)

// RSAKey returns a fresh RSA key of bits bits. Generation takes tens of
// milliseconds (more under -race): tests share keys through sync.OnceValue.
func RSAKey(bits int) *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic("testrand: generate RSA key: " + err.Error())
	}
	return key
}

// SelfSigned returns a certificate of key's public key for the subject cn,
// signed by key, valid from an hour before now to a day after it, for
// digital signatures.
func SelfSigned(key crypto.Signer, cn string, now time.Time) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(randomBytes(8)),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic("testrand: create certificate: " + err.Error())
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic("testrand: parse certificate: " + err.Error())
	}
	return cert
}

// UUID returns a random RFC 9562 version 4 UUID in its lowercase text form.
func UUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Hex returns n random bytes in lowercase hex.
func Hex(n int) string {
	return hex.EncodeToString(randomBytes(n))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return b
}
