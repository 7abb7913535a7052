package credentials

import (
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// pbeParams is the SEQUENCE { salt OCTET STRING, iterations INTEGER } of
// PKCS#12 and PBKDF2.
type pbeParams struct {
	Salt       []byte
	Iterations int
}

func TestPFXIterationsTooHigh(t *testing.T) {
	t.Parallel()
	wrap := func(iterations int) []byte {
		inner, err := asn1.Marshal(struct{ P pbeParams }{pbeParams{Salt: []byte("0123456789abcdef"), Iterations: iterations}})
		if err != nil {
			t.Fatal(err)
		}
		der, err := asn1.Marshal(struct {
			OID     asn1.ObjectIdentifier
			Content []byte
		}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, inner})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	random := make([]byte, 4096)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		der  []byte
		want bool
	}{
		{"nested count at the limit", wrap(MaxPFXIterations), false},
		{"nested count above the limit", wrap(MaxPFXIterations + 1), true},
		{"huge nested count", wrap(1 << 40), true},
		{"random bytes", random, false},
		{"empty", nil, false},
	} {
		if got := pfxIterationsTooHigh(tt.der); got != tt.want {
			t.Errorf("%s: pfxIterationsTooHigh = %v; want %v", tt.name, got, tt.want)
		}
	}
	for name, enc := range map[string]*pkcs12.Encoder{"Modern": pkcs12.Modern, "Modern2026": pkcs12.Modern2026, "LegacyRC2": pkcs12.LegacyRC2, "LegacyDES": pkcs12.LegacyDES} {
		der, err := base64.StdEncoding.DecodeString(pfxB64(t, enc, keyA(), certA(), nil, "p"))
		if err != nil {
			t.Fatal(err)
		}
		if pfxIterationsTooHigh(der) {
			t.Errorf("%s PFX: pfxIterationsTooHigh = true; want false", name)
		}
	}
}

// TestParsePFXHugeMACIterations rewrites a real PFX's MAC iteration count to
// 50 million: Parse must refuse it at once instead of deriving the key.
func TestParsePFXHugeMACIterations(t *testing.T) {
	t.Parallel()
	type macData struct {
		Mac        asn1.RawValue
		MacSalt    []byte
		Iterations int
	}
	type pfxPdu struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  macData
	}
	der, err := base64.StdEncoding.DecodeString(pfxB64(t, pkcs12.Modern, keyA(), certA(), nil, "p"))
	if err != nil {
		t.Fatal(err)
	}
	var pdu pfxPdu
	if _, err := asn1.Unmarshal(der, &pdu); err != nil {
		t.Fatal(err)
	}
	pdu.MacData.Iterations = 50_000_000
	if der, err = asn1.Marshal(pdu); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Parse("s", secretJSON(t, map[string]any{"client_id": "a", "pfx": base64.StdEncoding.EncodeToString(der), "pfx_password": "p"}))
		done <- err
	}()
	select {
	case err := <-done:
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "pfx" || fe.Reason != "a key-derivation iteration count above 1000000: corrupt or unsupported PFX" {
			t.Errorf("Parse error = %v; want the iteration limit on pfx", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Parse still running after 20s: the iteration count was not bounded")
	}
}
