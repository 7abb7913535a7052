package credentials

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"unicode"

	"software.sslmate.com/src/go-pkcs12"
)

// parsePFX decodes a base64 PKCS#12 file holding one RSA key and its
// certificate (the leaf; CA certificates may follow). On failure it returns
// the field at fault and the reason.
func parsePFX(b64, password string) (key *rsa.PrivateKey, cert *x509.Certificate, field, reason string) {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, b64)
	data, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(clean); err != nil {
			return nil, nil, fieldPFX, "not valid base64"
		}
	}

	if pfxIterationsTooHigh(data) {
		return nil, nil, fieldPFX, "a key-derivation iteration count above 1000000: corrupt or unsupported PFX"
	}
	anyKey, leaf, chain, err := decodeChain(data, password)
	var notImplemented pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return nil, nil, fieldPFXPassword, "wrong password or corrupt PFX"
	case errors.As(err, &notImplemented):
		// The message names an algorithm or an OID, never input bytes.
		return nil, nil, fieldPFX, "unsupported PKCS#12 content: " + strings.TrimPrefix(notImplemented.Error(), "pkcs12: ")
	case err != nil:
		return nil, nil, fieldPFX, "not a valid PKCS#12 (PFX) file holding one private key and its certificate"
	}
	key, reason = rsaKey(anyKey)
	if reason != "" {
		return nil, nil, fieldPFX, reason
	}
	for _, c := range append([]*x509.Certificate{leaf}, chain...) {
		if matches(c, &key.PublicKey) {
			return key, c, "", ""
		}
	}
	return nil, nil, fieldPFX, "no certificate in the PFX matches its private key"
}

// decodeChain is pkcs12.DecodeChain, with a panic on hostile input turned into
// an error: a secret must not crash the process running every target.
func decodeChain(data []byte, password string) (key any, leaf *x509.Certificate, chain []*x509.Certificate, err error) {
	defer func() {
		if recover() != nil {
			key, leaf, chain, err = nil, nil, nil, errors.New("pkcs12: panic while decoding")
		}
	}()
	return pkcs12.DecodeChain(data, password)
}
