package testrand_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

func TestSelfSigned(t *testing.T) {
	t.Parallel()
	key := testrand.RSAKey(1024)
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	cert := testrand.SelfSigned(key, "client-a", now)
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("got a certificate not signed by its own key: %v", err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) || cert.Subject.CommonName != "client-a" {
		t.Errorf("got subject %q, key match %v; want client-a and the key's", cert.Subject.CommonName, key.PublicKey.Equal(cert.PublicKey))
	}
	if !cert.NotBefore.Before(now) || !cert.NotAfter.After(now) {
		t.Errorf("got validity %v to %v; want it to hold %v", cert.NotBefore, cert.NotAfter, now)
	}
}

func TestUUID(t *testing.T) {
	t.Parallel()
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := testrand.UUID(), testrand.UUID()
	if !v4.MatchString(a) || a == b {
		t.Errorf("got %q and %q; want two different version 4 UUIDs", a, b)
	}
	if h := testrand.Hex(4); len(h) != 8 {
		t.Errorf("got Hex(4) = %q; want 8 hex digits", h)
	}
}
