package credentials

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strconv"
	"strings"
)

// MinKeyBits is the smallest RSA key accepted: RS256 requires 2048 bits
// (RFC 7518 §3.3).
const MinKeyBits = 2048

// pemText undoes a common mistake: a PEM pasted with its newlines escaped
// twice, so that the JSON string holds a backslash and an n.
func pemText(s string) []byte {
	if !strings.Contains(s, "\n") && strings.Contains(s, `\n`) {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	return []byte(s)
}

// parsePrivateKeyPEM returns the RSA key of the first private key block, or
// the reason it cannot.
func parsePrivateKeyPEM(s string) (*rsa.PrivateKey, string) {
	rest := pemText(s)
	sawBlock := false
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawBlock = true
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue
		}
		if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, "encrypted PEM keys are not supported: store the key unencrypted (Secrets Manager encrypts the secret)"
		}
		switch block.Type {
		case "PRIVATE KEY":
			key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, "not a valid PKCS#8 private key"
			}
			return rsaKey(key)
		case "RSA PRIVATE KEY":
			key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, "not a valid PKCS#1 RSA private key"
			}
			return rsaKey(key)
		case "EC PRIVATE KEY":
			return nil, "an EC key: RS256 needs an RSA key"
		case "OPENSSH PRIVATE KEY":
			return nil, "the OpenSSH key format is not supported: convert the key to PKCS#8 (ssh-keygen -p -m PKCS8 -f key)"
		default:
			return nil, "unsupported PEM block type: want PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1)"
		}
	}
	if sawBlock {
		return nil, "no private key in the PEM: want a PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1) block"
	}
	return nil, "not a PEM block"
}

// rsaKey accepts an RSA key of at least MinKeyBits.
func rsaKey(key any) (*rsa.PrivateKey, string) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < MinKeyBits {
			return nil, "an RSA key of " + strconv.Itoa(bits) + " bits: RS256 needs at least 2048"
		}
		return k, ""
	case *ecdsa.PrivateKey:
		return nil, "an EC key: RS256 needs an RSA key"
	case ed25519.PrivateKey:
		return nil, "an Ed25519 key: RS256 needs an RSA key"
	default:
		return nil, "not an RSA key: RS256 needs an RSA key"
	}
}

// parseCertificatePEM returns the certificate, among the PEM's CERTIFICATE
// blocks, whose public key is pub, or the reason there is none.
func parseCertificatePEM(s string, pub *rsa.PublicKey) (*x509.Certificate, string) {
	rest := pemText(s)
	found := false
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		found = true
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, "not a valid X.509 certificate"
		}
		if matches(cert, pub) {
			return cert, ""
		}
	}
	if !found {
		return nil, "not a PEM CERTIFICATE block"
	}
	return nil, "does not match private_key: the certificate is for another key"
}

// matches reports whether cert certifies pub.
func matches(cert *x509.Certificate, pub *rsa.PublicKey) bool {
	certPub, ok := cert.PublicKey.(*rsa.PublicKey)
	return ok && certPub.Equal(pub)
}
