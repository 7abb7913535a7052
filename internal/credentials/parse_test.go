package credentials

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

func TestParseClientSecret(t *testing.T) {
	t.Parallel()
	c, err := Parse("aos/audit-app", `{"client_id": "app-1", "client_secret": "s+e=c:r%t", "note": "extra fields are ignored", "pfx_password": null}`)
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if c.ClientID != "app-1" || c.ClientSecret != "s+e=c:r%t" || c.HasKey() || c.Certificate != nil {
		t.Errorf("Parse = %+v; want client app-1 with its secret and no key", c)
	}
}

func TestParsePEM(t *testing.T) {
	t.Parallel()
	key, cert := keyA(), certA()
	tests := []struct {
		name     string
		key      string
		cert     string
		wantCert bool
	}{
		{name: "PKCS#8", key: pkcs8PEM(t, key)},
		{name: "PKCS#1", key: pkcs1PEM(key)},
		{name: "PKCS#8 with certificate", key: pkcs8PEM(t, key), cert: certPEM(cert), wantCert: true},
		{name: "PKCS#1 with certificate", key: pkcs1PEM(key), cert: certPEM(cert), wantCert: true},
		{name: "certificate after another one", key: pkcs1PEM(key), cert: certPEM(certB()) + certPEM(cert), wantCert: true},
		{name: "CRLF line endings", key: strings.ReplaceAll(pkcs8PEM(t, key), "\n", "\r\n"), cert: strings.ReplaceAll(certPEM(cert), "\n", "\r\n"), wantCert: true},
		{name: "newlines escaped twice", key: strings.ReplaceAll(pkcs8PEM(t, key), "\n", `\n`), cert: strings.ReplaceAll(certPEM(cert), "\n", `\n`), wantCert: true},
		{name: "key after its certificate", key: certPEM(cert) + pkcs8PEM(t, key)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fields := map[string]any{"client_id": "app-1", "private_key": tt.key}
			if tt.cert != "" {
				fields["certificate"] = tt.cert
			}
			c, err := Parse("s", secretJSON(t, fields))
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if !c.HasKey() || !c.PrivateKey.Equal(key) || c.ClientSecret != "" {
				t.Errorf("Parse key differs from the generated one")
			}
			if got := c.Certificate != nil && c.Certificate.Equal(cert); got != tt.wantCert {
				t.Errorf("certificate kept = %v; want %v", got, tt.wantCert)
			}
		})
	}
}

func TestParsePFX(t *testing.T) {
	t.Parallel()
	key, cert := keyA(), certA()
	wrap := func(s string) string { // as base64 tools write it, 64 columns
		var b strings.Builder
		for len(s) > 64 {
			b.WriteString(s[:64] + "\r\n")
			s = s[64:]
		}
		return b.String() + s + "\n"
	}
	tests := []struct {
		name     string
		pfx      string
		password any
	}{
		{name: "Modern", pfx: pfxB64(t, pkcs12.Modern, key, cert, nil, "pfx-pass"), password: "pfx-pass"},
		{name: "Modern2026", pfx: pfxB64(t, pkcs12.Modern2026, key, cert, nil, "pfx-pass"), password: "pfx-pass"},
		{name: "LegacyRC2", pfx: pfxB64(t, pkcs12.LegacyRC2, key, cert, nil, "pfx-pass"), password: "pfx-pass"},
		{name: "LegacyDES", pfx: pfxB64(t, pkcs12.LegacyDES, key, cert, nil, "pfx-pass"), password: "pfx-pass"},
		{name: "empty password", pfx: pfxB64(t, pkcs12.Modern, key, cert, nil, ""), password: ""},
		{name: "no password field", pfx: pfxB64(t, pkcs12.Modern, key, cert, nil, "")},
		{name: "passwordless", pfx: pfxB64(t, pkcs12.Passwordless, key, cert, nil, "")},
		{name: "with CA chain", pfx: pfxB64(t, pkcs12.Modern, key, cert, []*x509.Certificate{certB()}, "p"), password: "p"},
		{name: "wrapped base64", pfx: wrap(pfxB64(t, pkcs12.Modern, key, cert, nil, "p")), password: "p"},
		{name: "unpadded base64", pfx: strings.TrimRight(pfxB64(t, pkcs12.LegacyRC2, key, cert, nil, "p"), "="), password: "p"},
		{name: "non-ASCII password", pfx: pfxB64(t, pkcs12.Modern, key, cert, nil, "pässwörd€"), password: "pässwörd€"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fields := map[string]any{"client_id": "app-1", "pfx": tt.pfx}
			if tt.password != nil {
				fields["pfx_password"] = tt.password
			}
			c, err := Parse("s", secretJSON(t, fields))
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if !c.HasKey() || !c.PrivateKey.Equal(key) {
				t.Errorf("Parse key differs from the generated one")
			}
			if c.Certificate == nil || !c.Certificate.Equal(cert) {
				t.Errorf("Parse kept certificate %v; want the leaf", c.Certificate)
			}
		})
	}
}

// TestParseErrors has one case per rejected secret, asserting the exact field
// and reason.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	key := keyA()
	keyPEM := pkcs8PEM(t, key)
	pfx := pfxB64(t, pkcs12.Modern, key, certA(), nil, "right-password")
	encrypted := string(pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   x509.MarshalPKCS1PrivateKey(key)[:64],
	}))
	ecDER, err := x509.MarshalECPrivateKey(keyEC())
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 300)
	if _, err := rand.Read(garbage); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		secret     string
		wantField  string
		wantReason string
	}{
		{"not JSON", `client_id=abc`, "", "SecretString is not valid JSON (syntax error at offset 1)"},
		{"truncated JSON", `{"client_id": "abc", "client_secret": "xyz`, "", "SecretString is not valid JSON (syntax error at offset 42)"},
		{"empty", ``, "", "SecretString is not valid JSON (syntax error at offset 0)"},
		{"an array", `["abc"]`, "", "SecretString must be a JSON object, not an array"},
		{"a string", `"abc"`, "", "SecretString must be a JSON object, not a string"},
		{"a number", ` 12345`, "", "SecretString must be a JSON object, not a number"},
		{"client_id missing", `{"client_secret": "x"}`, "client_id", "required"},
		{"client_id empty", `{"client_id": "", "client_secret": "x"}`, "client_id", "required"},
		{"client_id a number", `{"client_id": 123456789, "client_secret": "x"}`, "client_id", "must be a string, not a number"},
		{"client_secret an object", `{"client_id": "a", "client_secret": {"v": "x"}}`, "client_secret", "must be a string, not an object"},
		{"pfx_password a number", `{"client_id": "a", "pfx": "AAAA", "pfx_password": 1234}`, "pfx_password", "must be a string, not a number"},
		{"no secret nor key", `{"client_id": "a", "client_secret": ""}`, "", "one of client_secret, private_key or pfx is required"},
		{"secret and key", secretJSON(t, map[string]any{"client_id": "a", "client_secret": "x", "private_key": keyPEM}), "",
			"client_secret and private_key are set: set exactly one of client_secret, private_key or pfx"},
		{"all three", secretJSON(t, map[string]any{"client_id": "a", "client_secret": "x", "private_key": keyPEM, "pfx": pfx}), "",
			"client_secret and private_key and pfx are set: set exactly one of client_secret, private_key or pfx"},
		{"certificate with client_secret", secretJSON(t, map[string]any{"client_id": "a", "client_secret": "x", "certificate": certPEM(certA())}),
			"certificate", "only used with private_key (a pfx holds its own certificate)"},
		{"certificate with pfx", secretJSON(t, map[string]any{"client_id": "a", "pfx": pfx, "pfx_password": "right-password", "certificate": certPEM(certA())}),
			"certificate", "only used with private_key (a pfx holds its own certificate)"},
		{"private_key not PEM", `{"client_id": "a", "private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"}`, "private_key", "not a PEM block"},
		{"private_key only a certificate", secretJSON(t, map[string]any{"client_id": "a", "private_key": certPEM(certA())}),
			"private_key", "no private key in the PEM: want a PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1) block"},
		{"private_key encrypted PKCS#1", secretJSON(t, map[string]any{"client_id": "a", "private_key": encrypted}),
			"private_key", "encrypted PEM keys are not supported: store the key unencrypted (Secrets Manager encrypts the secret)"},
		{"private_key encrypted PKCS#8", secretJSON(t, map[string]any{"client_id": "a", "private_key": pemOf("ENCRYPTED PRIVATE KEY", garbage)}),
			"private_key", "encrypted PEM keys are not supported: store the key unencrypted (Secrets Manager encrypts the secret)"},
		{"private_key PKCS#8 garbage", secretJSON(t, map[string]any{"client_id": "a", "private_key": pemOf("PRIVATE KEY", garbage)}),
			"private_key", "not a valid PKCS#8 private key"},
		{"private_key PKCS#1 garbage", secretJSON(t, map[string]any{"client_id": "a", "private_key": pemOf("RSA PRIVATE KEY", garbage)}),
			"private_key", "not a valid PKCS#1 RSA private key"},
		{"private_key EC in PKCS#8", secretJSON(t, map[string]any{"client_id": "a", "private_key": pkcs8PEM(t, keyEC())}),
			"private_key", "an EC key: RS256 needs an RSA key"},
		{"private_key EC PRIVATE KEY", secretJSON(t, map[string]any{"client_id": "a", "private_key": pemOf("EC PRIVATE KEY", ecDER)}),
			"private_key", "an EC key: RS256 needs an RSA key"},
		{"private_key Ed25519", secretJSON(t, map[string]any{"client_id": "a", "private_key": pkcs8PEM(t, ed25519Key())}),
			"private_key", "an Ed25519 key: RS256 needs an RSA key"},
		{"private_key OpenSSH", secretJSON(t, map[string]any{"client_id": "a", "private_key": pemOf("OPENSSH PRIVATE KEY", garbage)}),
			"private_key", "the OpenSSH key format is not supported: convert the key to PKCS#8 (ssh-keygen -p -m PKCS8 -f key)"},
		{"private_key DSA", secretJSON(t, map[string]any{"client_id": "a", "private_key": pemOf("DSA PRIVATE KEY", garbage)}),
			"private_key", "unsupported PEM block type: want PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1)"},
		{"private_key 1024 bits PKCS#1", secretJSON(t, map[string]any{"client_id": "a", "private_key": pkcs1PEM(keySmall())}),
			"private_key", "an RSA key of 1024 bits: RS256 needs at least 2048"},
		{"private_key 1024 bits PKCS#8", secretJSON(t, map[string]any{"client_id": "a", "private_key": pkcs8PEM(t, keySmall())}),
			"private_key", "an RSA key of 1024 bits: RS256 needs at least 2048"},
		{"certificate of another key", secretJSON(t, map[string]any{"client_id": "a", "private_key": keyPEM, "certificate": certPEM(certB())}),
			"certificate", "does not match private_key: the certificate is for another key"},
		{"certificate not PEM", secretJSON(t, map[string]any{"client_id": "a", "private_key": keyPEM, "certificate": "MIIC"}),
			"certificate", "not a PEM CERTIFICATE block"},
		{"certificate garbage", secretJSON(t, map[string]any{"client_id": "a", "private_key": keyPEM, "certificate": pemOf("CERTIFICATE", garbage)}),
			"certificate", "not a valid X.509 certificate"},
		{"pfx not base64", `{"client_id": "a", "pfx": "not*base64!"}`, "pfx", "not valid base64"},
		{"pfx garbage", secretJSON(t, map[string]any{"client_id": "a", "pfx": base64.StdEncoding.EncodeToString(garbage)}),
			"pfx", "not a valid PKCS#12 (PFX) file holding one private key and its certificate"},
		{"pfx wrong password", secretJSON(t, map[string]any{"client_id": "a", "pfx": pfx, "pfx_password": "wrong-password"}),
			"pfx_password", "wrong password or corrupt PFX"},
		{"pfx password missing", secretJSON(t, map[string]any{"client_id": "a", "pfx": pfx}),
			"pfx_password", "wrong password or corrupt PFX"},
		{"pfx LegacyRC2 wrong password", secretJSON(t, map[string]any{"client_id": "a", "pfx": pfxB64(t, pkcs12.LegacyRC2, key, certA(), nil, "right"), "pfx_password": "wrong"}),
			"pfx_password", "wrong password or corrupt PFX"},
		{"pfx EC key", secretJSON(t, map[string]any{"client_id": "a", "pfx": pfxB64(t, pkcs12.Modern, keyEC(), testrand.SelfSigned(keyEC(), "ec", time.Now()), nil, "p"), "pfx_password": "p"}),
			"pfx", "an EC key: RS256 needs an RSA key"},
		{"pfx 1024 bits", secretJSON(t, map[string]any{"client_id": "a", "pfx": pfxB64(t, pkcs12.Modern, keySmall(), testrand.SelfSigned(keySmall(), "small", time.Now()), nil, "p"), "pfx_password": "p"}),
			"pfx", "an RSA key of 1024 bits: RS256 needs at least 2048"},
		{"pfx certificate of another key", secretJSON(t, map[string]any{"client_id": "a", "pfx": pfxB64(t, pkcs12.Modern, key, certB(), nil, "p"), "pfx_password": "p"}),
			"pfx", "no certificate in the PFX matches its private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("aos/audit-app", tt.secret)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse error = %v; want *FieldError", err)
			}
			if fe.SecretID != "aos/audit-app" || fe.Field != tt.wantField || fe.Reason != tt.wantReason {
				t.Errorf("Parse error = %+v\nwant field %q reason %q", *fe, tt.wantField, tt.wantReason)
			}
			if c.ClientID != "" || c.ClientSecret != "" || c.PrivateKey != nil || c.Certificate != nil {
				t.Errorf("Parse returned credentials with an error")
			}
		})
	}
}

func TestFieldErrorString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  FieldError
		want string
	}{
		{FieldError{SecretID: "aos/audit-app", Field: "private_key", Reason: "not a PEM block"}, "credentials: secret aos/audit-app: private_key: not a PEM block"},
		{FieldError{SecretID: "aos/audit-app", Reason: "no SecretString"}, "credentials: secret aos/audit-app: no SecretString"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}
