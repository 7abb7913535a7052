package credentials

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// FuzzParse checks that Parse never panics, that it returns either valid
// credentials or a *FieldError naming the secret, and that neither its error
// nor the printed credentials repeat a secret value.
func FuzzParse(f *testing.F) {
	keyPEM := pkcs8PEM(f, keyA())
	f.Add(secretJSON(f, map[string]any{"client_id": "a", "client_secret": testSecret}))
	f.Add(secretJSON(f, map[string]any{"client_id": "a", "private_key": keyPEM, "certificate": certPEM(certA())}))
	f.Add(secretJSON(f, map[string]any{"client_id": "a", "private_key": pkcs1PEM(keyA())}))
	f.Add(secretJSON(f, map[string]any{"client_id": "a", "pfx": pfxB64(f, pkcs12.LegacyRC2, keyA(), certA(), nil, "p"), "pfx_password": "p"}))
	f.Add(secretJSON(f, map[string]any{"client_id": "a", "pfx": pfxB64(f, pkcs12.Modern, keyA(), certA(), nil, "p"), "pfx_password": "q"}))
	f.Fuzz(func(t *testing.T, secret string) {
		c, err := Parse("fuzz-secret", secret)
		values := secretValues(secret, c.ClientID)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.SecretID != "fuzz-secret" || fe.Reason == "" {
				t.Fatalf("Parse error = %#v; want a *FieldError naming the secret", err)
			}
			if c != (Credentials{}) {
				t.Fatalf("Parse returned credentials with an error")
			}
			for _, v := range values {
				if strings.Contains(err.Error(), v) {
					t.Fatalf("Parse error %q repeats the value %q", err, v)
				}
			}
			return
		}
		if c.ClientID == "" || (c.ClientSecret == "") == (c.PrivateKey == nil) {
			t.Fatalf("Parse = %v; want a client ID and exactly one of secret and key", c)
		}
		if c.PrivateKey != nil && c.PrivateKey.N.BitLen() < MinKeyBits {
			t.Fatalf("Parse accepted a %d-bit key", c.PrivateKey.N.BitLen())
		}
		if c.Certificate != nil && (c.PrivateKey == nil || !matches(c.Certificate, &c.PrivateKey.PublicKey)) {
			t.Fatalf("Parse kept a certificate that does not match the key")
		}
		for how, out := range printed(c) {
			for _, v := range values {
				if strings.Contains(out, v) {
					t.Fatalf("%s output %q repeats the value %q", how, out, v)
				}
			}
		}
	})
}

// secretValues returns the secret fields' string values long enough that
// finding one in an output cannot be a coincidence, except those that are part
// of the (public) client ID.
func secretValues(secret, clientID string) []string {
	var obj map[string]any
	if json.Unmarshal([]byte(secret), &obj) != nil {
		return nil
	}
	var out []string
	for _, k := range []string{fieldClientSecret, fieldPrivateKey, fieldPFX, fieldPFXPassword} {
		if v, ok := obj[k].(string); ok && len(v) >= 16 && !strings.Contains(clientID, v) {
			out = append(out, v)
		}
	}
	return out
}
