package credentials

import (
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// The secret is read and parsed at every refresh; these show its cost.

func BenchmarkParseClientSecret(b *testing.B) {
	s := secretJSON(b, map[string]any{"client_id": "a", "client_secret": testSecret})
	for b.Loop() {
		if _, err := Parse("s", s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePEM(b *testing.B) {
	s := secretJSON(b, map[string]any{"client_id": "a", "private_key": pkcs8PEM(b, keyA()), "certificate": certPEM(certA())})
	for b.Loop() {
		if _, err := Parse("s", s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePFX(b *testing.B) {
	s := secretJSON(b, map[string]any{"client_id": "a", "pfx": pfxB64(b, pkcs12.Modern, keyA(), certA(), nil, "p"), "pfx_password": "p"})
	for b.Loop() {
		if _, err := Parse("s", s); err != nil {
			b.Fatal(err)
		}
	}
}
