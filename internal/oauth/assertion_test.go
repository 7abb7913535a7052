package oauth

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// verifiedAssertion checks the form of a private_key_jwt request body and
// returns the assertion's verified header and claims.
func verifiedAssertion(t *testing.T, body string) (string, map[string]any, jwt.MapClaims) {
	t.Helper()
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("body %q is not a form: %v", body, err)
	}
	wantKeys := []string{"client_assertion", "client_assertion_type", "client_id", "grant_type", "scope"}
	if len(form) != len(wantKeys) {
		t.Errorf("got form keys %v; want %v", form, wantKeys)
	}
	for k, want := range map[string]string{
		"grant_type":            "client_credentials",
		"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
		"client_id":             fxClientID,
		"scope":                 "platformbackup.readwrite.all",
	} {
		if got := form.Get(k); got != want {
			t.Errorf("got %s %q; want %q", k, got, want)
		}
	}
	raw := form.Get("client_assertion")
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return &fxKey().PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return fxNow }))
	if err != nil {
		t.Fatalf("assertion does not verify with the public key: %v", err)
	}
	return raw, tok.Header, claims
}

func TestPrivateKeyJWTAssertion(t *testing.T) {
	t.Parallel()
	sum := sha1.Sum(fxCert().Raw)
	tests := []struct {
		name    string
		cert    bool
		wantX5T string
		wantKID string
	}{
		{name: "without certificate"},
		{
			name: "with certificate",
			cert: true,
			// Computed independently of Thumbprint: SHA-1 of the DER.
			wantX5T: strings.TrimRight(base64.URLEncoding.EncodeToString(sum[:]), "="),
			wantKID: strings.ToUpper(hex.EncodeToString(sum[:])),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeEndpoint(t, answer(200, okBody))
			r := Request{TokenURL: f.url(), Method: PrivateKeyJWT, ClientID: fxClientID, PrivateKey: fxKey(), Scope: "platformbackup.readwrite.all"}
			if tt.cert {
				r.Certificate = fxCert()
			}
			c := testClient(&testenv.Sleeps{})
			for range 2 {
				if _, err := c.Token(context.Background(), r); err != nil {
					t.Fatalf("Token: %v", err)
				}
			}
			seen := f.requests()
			jtis := map[string]bool{}
			for _, req := range seen {
				if req.Header.Get("Authorization") != "" {
					t.Errorf("got Authorization %q; want none", req.Header.Get("Authorization"))
				}
				_, header, claims := verifiedAssertion(t, req.Body)
				if header["alg"] != "RS256" || header["typ"] != "JWT" {
					t.Errorf("got alg %v typ %v; want RS256 JWT", header["alg"], header["typ"])
				}
				if got, _ := header["x5t"].(string); got != tt.wantX5T {
					t.Errorf("got x5t %q; want %q", got, tt.wantX5T)
				}
				if got, _ := header["kid"].(string); got != tt.wantKID {
					t.Errorf("got kid %q; want %q", got, tt.wantKID)
				}
				if len(header) != 2+map[bool]int{true: 2}[tt.cert] {
					t.Errorf("got header %v; want only alg, typ (and x5t, kid)", header)
				}
				for k, want := range map[string]any{
					"iss": fxClientID,
					"sub": fxClientID,
					"aud": f.url(), // one string, not an array
					"iat": float64(fxNow.Add(-time.Minute).Unix()),
					"nbf": float64(fxNow.Add(-time.Minute).Unix()),
					"exp": float64(fxNow.Add(5 * time.Minute).Unix()),
				} {
					if got := claims[k]; got != want {
						t.Errorf("got %s %v (%T); want %v", k, got, got, want)
					}
				}
				jti, _ := claims["jti"].(string)
				if len(jti) != 32 || strings.Trim(jti, "0123456789abcdef") != "" {
					t.Errorf("got jti %q; want 32 hex digits", jti)
				}
				if jtis[jti] {
					t.Errorf("jti %q reused", jti)
				}
				jtis[jti] = true
				if len(claims) != 7 {
					t.Errorf("got claims %v; want exactly iss sub aud jti iat nbf exp", claims)
				}
				if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat > 6*60 {
					t.Errorf("assertion lives %v s; want at most 6 minutes from iat", exp-iat)
				}
			}
			if len(seen) != 2 {
				t.Errorf("got %d requests; want 2", len(seen))
			}
		})
	}
}

// TestAssertionFreshOnRetry proves every attempt signs a new assertion: a
// server rejecting a replayed jti would refuse the retry otherwise.
func TestAssertionFreshOnRetry(t *testing.T) {
	t.Parallel()
	f := newFakeEndpoint(t, answer(503, `{"error":"temporarily_unavailable"}`), answer(500, ""), answer(200, okBody))
	r := Request{TokenURL: f.url(), Method: PrivateKeyJWT, ClientID: fxClientID, PrivateKey: fxKey(), Certificate: fxCert(), Scope: "platformbackup.readwrite.all"}
	tok, err := testClient(&testenv.Sleeps{}).Token(context.Background(), r)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	assertNoLeak(t, tok, fxToken)
	seen := f.requests()
	if len(seen) != 3 {
		t.Fatalf("got %d requests; want 3", len(seen))
	}
	assertions, jtis := map[string]bool{}, map[string]bool{}
	for _, req := range seen {
		raw, _, claims := verifiedAssertion(t, req.Body)
		assertions[raw] = true
		jtis[claims["jti"].(string)] = true
	}
	if len(assertions) != 3 || len(jtis) != 3 {
		t.Errorf("got %d distinct assertions and %d distinct jti over 3 attempts; want 3 and 3", len(assertions), len(jtis))
	}
}

// TestAssertionNeverInErrors sends a private_key_jwt request to a server that
// echoes the form back in its error, and checks the assertion is redacted.
func TestAssertionNeverInErrors(t *testing.T) {
	t.Parallel()
	var assertion string
	f := newFakeEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		assertion = r.PostForm.Get("client_assertion")
		answer(400, `{"error":"invalid_client","error_description":"bad assertion `+assertion+`"}`)(w, r)
	})
	r := Request{TokenURL: f.url(), Method: PrivateKeyJWT, ClientID: fxClientID, PrivateKey: fxKey(), Scope: "platformbackup.readwrite.all"}
	_, err := testClient(&testenv.Sleeps{}).Token(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "invalid_client: bad assertion [REDACTED]") {
		t.Fatalf("got error %v; want invalid_client with the assertion redacted", err)
	}
	if assertion == "" {
		t.Fatal("server saw no assertion")
	}
	assertNoLeak(t, err, assertion)
}

func TestThumbprint(t *testing.T) {
	t.Parallel()
	// A fixed input checked against openssl: for DER bytes "abc", SHA-1 is
	// a9993e364706816aba3e25717850c26c9cd0d89d.
	x5t, kid := Thumbprint(&x509.Certificate{Raw: []byte("abc")})
	if want := "qZk-NkcGgWq6PiVxeFDCbJzQ2J0"; x5t != want {
		t.Errorf("got x5t %q; want %q", x5t, want)
	}
	if want := "A9993E364706816ABA3E25717850C26C9CD0D89D"; kid != want {
		t.Errorf("got kid %q; want %q", kid, want)
	}
}
