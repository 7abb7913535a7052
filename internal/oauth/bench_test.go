package oauth

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkBuildAndSignPrivateKeyJWT measures the CPU of one private_key_jwt
// request without the network: a fresh RS256 (2048-bit) assertion with
// x5t/kid and the form-encoded POST request carrying it.
func BenchmarkBuildAndSignPrivateKeyJWT(b *testing.B) {
	r := Request{TokenURL: "https://identity.example.com/connect/token", Method: PrivateKeyJWT, ClientID: fxClientID,
		PrivateKey: fxKey(), Certificate: fxCert(), Scope: "audit.read.all"}
	u, err := url.Parse(r.TokenURL)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		assertion, err := signAssertion(r.PrivateKey, r.Certificate, r.ClientID, r.TokenURL, fxNow)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.newHTTPRequest(ctx, u, assertion); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseResponse measures parsing a typical IdentityServer response
// whose access token is a JWT (expiry from expires_in).
func BenchmarkParseResponse(b *testing.B) {
	body := []byte(`{"access_token":"` + fakeJWT(map[string]any{"iss": "https://identity.example.com", "exp": fxNow.Unix() + 3600, "client_id": fxClientID, "scope": []string{"audit.read.all"}}) +
		`","expires_in":3600,"token_type":"Bearer","scope":"audit.read.all"}`)
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(200, h, body, fxNow, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseResponseJWTExpiry measures the fallback to the access
// token's JWT exp (no expires_in).
func BenchmarkParseResponseJWTExpiry(b *testing.B) {
	body := []byte(`{"access_token":"` + fakeJWT(map[string]any{"exp": fxNow.Unix() + 3600}) + `","token_type":"Bearer"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(200, nil, body, fxNow, 0); err != nil {
			b.Fatal(err)
		}
	}
}
