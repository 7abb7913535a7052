package credentials

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// Secret values that must never be printed.
const (
	testSecret   = "Sup3r+S3cret=Value:%41"
	testPassword = "PFX-Pa55word-Zq7"
)

// leaks returns the secret values found in out.
func leaks(out string, secrets []string) []string {
	var found []string
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			found = append(found, s)
		}
	}
	return found
}

// keyMaterial lists strings that would reveal the private key: its private
// exponent and primes in decimal and hex, and lines of its PEM and PFX.
func keyMaterial(pemKey, pfx string) []string {
	k := keyA()
	out := []string{k.D.String(), k.D.Text(16), k.Primes[0].String(), k.Primes[1].Text(16), pfx[100:160]}
	return append(out, strings.Split(pemKey, "\n")[1:4]...)
}

// printed returns every way the credentials can be printed or logged.
func printed(c Credentials) map[string]string {
	var jsonLog, textLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("creds", "credentials", c, "pointer", &c)
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("creds", slog.Any("credentials", c))
	marshalled, err := json.Marshal(struct{ C Credentials }{c})
	if err != nil {
		marshalled = []byte(err.Error())
	}
	return map[string]string{
		"%v":          fmt.Sprintf("%v", c),
		"%+v":         fmt.Sprintf("%+v", c),
		"%#v":         fmt.Sprintf("%#v", c),
		"%s":          fmt.Sprintf("%s", c),
		"%q":          fmt.Sprintf("%q", c),
		"%x":          fmt.Sprintf("%x", c),
		"%d":          fmt.Sprintf("%d", c),
		"pointer %+v": fmt.Sprintf("%+v", &c),
		"nested %+v":  fmt.Sprintf("%+v", struct{ C Credentials }{c}),
		"nested %#v":  fmt.Sprintf("%#v", []Credentials{c}),
		"Println":     fmt.Sprintln(c),
		"slog JSON":   jsonLog.String(),
		"slog text":   textLog.String(),
		"json":        string(marshalled),
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	keyPEM := pkcs8PEM(t, keyA())
	pfx := pfxB64(t, pkcs12.Modern, keyA(), certA(), nil, testPassword)
	secrets := append([]string{testSecret, testPassword}, keyMaterial(keyPEM, pfx)...)
	tests := []struct {
		name   string
		secret string
		want   string // in every output: what is shown instead
	}{
		{"client secret", secretJSON(t, map[string]any{"client_id": "app-1", "client_secret": testSecret}), "[REDACTED]"},
		{"PEM", secretJSON(t, map[string]any{"client_id": "app-1", "private_key": keyPEM, "certificate": certPEM(certA())}), "RSA-2048 [REDACTED]"},
		{"PFX", secretJSON(t, map[string]any{"client_id": "app-1", "pfx": pfx, "pfx_password": testPassword}), "RSA-2048 [REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("s", tt.secret)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			for how, out := range printed(c) {
				if found := leaks(out, secrets); len(found) > 0 {
					t.Errorf("%s output leaks %d secret values: %s", how, len(found), out)
				}
				if !strings.Contains(out, "app-1") || !strings.Contains(out, tt.want) {
					t.Errorf("%s output = %s; want the client ID and %q", how, out, tt.want)
				}
			}
		})
	}
}

func TestCredentialsShowCertificate(t *testing.T) {
	t.Parallel()
	c := Credentials{ClientID: "app-1", PrivateKey: keyA(), Certificate: certA()}
	want := `credentials.Credentials{ClientID:"app-1", ClientSecret:none, PrivateKey:RSA-2048 [REDACTED], Certificate:CN=client-a (SHA-1 `
	if got := c.String(); !strings.HasPrefix(got, want) {
		t.Errorf("String() = %q; want prefix %q", got, want)
	}
}

// TestErrorsNeverShowSecrets breaks each format in every way and checks
// that no value of the secret reaches the error.
func TestErrorsNeverShowSecrets(t *testing.T) {
	t.Parallel()
	keyPEM := pkcs8PEM(t, keyA())
	pfx := pfxB64(t, pkcs12.LegacyRC2, keyA(), certA(), nil, testPassword)
	secrets := append([]string{testSecret, testPassword, "9876543210123"}, keyMaterial(keyPEM, pfx)...)
	broken := []string{
		testSecret,             // a bare secret, not JSON
		`"` + testSecret + `"`, // a JSON string
		`{"client_id": "a", "client_secret": "` + testSecret, // truncated
		`{"client_id": 9876543210123, "client_secret": "` + testSecret + `"}`,
		`{"client_id": "a", "client_secret": 9876543210123}`,
		`{"client_id": "a", "client_secret": ["` + testSecret + `"]}`,
		`{"client_secret": "` + testSecret + `"}`,
		secretJSON(t, map[string]any{"client_id": "a", "client_secret": testSecret, "pfx": pfx, "pfx_password": testPassword}),
		secretJSON(t, map[string]any{"client_id": "a", "client_secret": testSecret, "certificate": certPEM(certA())}),
		secretJSON(t, map[string]any{"client_id": "a", "private_key": keyPEM[:200]}),
		secretJSON(t, map[string]any{"client_id": "a", "private_key": strings.ReplaceAll(keyPEM, "M", "!")}),
		secretJSON(t, map[string]any{"client_id": "a", "private_key": keyPEM, "certificate": certPEM(certB())}),
		secretJSON(t, map[string]any{"client_id": "a", "pfx": pfx, "pfx_password": testPassword + "x"}),
		secretJSON(t, map[string]any{"client_id": "a", "pfx": pfx[:len(pfx)/2], "pfx_password": testPassword}),
		secretJSON(t, map[string]any{"client_id": "a", "pfx": base64.StdEncoding.EncodeToString([]byte(testSecret)), "pfx_password": testPassword}),
		secretJSON(t, map[string]any{"client_id": "a", "pfx": testSecret + "*", "pfx_password": testPassword}),
	}
	for i, s := range broken {
		_, err := Parse("aos/audit-app", s)
		if err == nil {
			t.Errorf("case %d: Parse = nil; want an error", i)
			continue
		}
		if found := leaks(err.Error(), secrets); len(found) > 0 {
			t.Errorf("case %d: error leaks %d secret values: %v", i, len(found), err)
		}
		if !strings.HasPrefix(err.Error(), "credentials: secret aos/audit-app: ") {
			t.Errorf("case %d: error = %q; want it to name the secret", i, err)
		}
	}
}
