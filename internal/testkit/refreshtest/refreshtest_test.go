package refreshtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

func TestLeaks(t *testing.T) {
	t.Parallel()
	k := NewKeypair(t, "leak")
	pemLines := strings.Split(k.KeyPEM, "\n")
	escaped, _ := json.Marshal(k.KeyPEM)
	tests := []struct {
		name, text string
		want       bool
	}{
		{"clean", `{"message":"target refreshed","target":"a"}`, false},
		{"whole secret", "error: s3cr3t-value here", true},
		{"one PEM line", "oops " + pemLines[5], true},
		{"JSON-escaped PEM", string(escaped), true},
		{"piece of the PFX", "x" + k.PFX[100:160] + "x", true},
		{"PFX password", "password " + k.PFXPassword, true},
		{"form-encoded secret", "body client_secret=s%2Be%3Dc%3Ar%25et", true},
		{"Basic of the secret", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("s+e=c:r%et")), true},
		{"JSON-escaped secret", `{"x":"q\u003cw"}`, true},
	}
	for _, tt := range tests {
		got := Leaks(tt.text, append([]string{"s3cr3t-value", "s+e=c:r%et", "q<w"}, k.Sensitive()...))
		if (len(got) > 0) != tt.want {
			t.Errorf("%s: got leaks %v; want leak %v", tt.name, got, tt.want)
		}
	}
}

// TestProvidersRefuseOtherStyles checks that each stand-in refuses the
// request styles of the others, so that their acceptance proves something.
func TestProvidersRefuseOtherStyles(t *testing.T) {
	t.Parallel()
	const id, secret = "app", "s+e=c:r%et"
	serve := func(h http.Handler) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	acronis := serve(&Acronis{Clients: map[string]string{id: secret}}) + "/bc/idp/token"
	virtana := serve(&Virtana{Clients: map[string]string{id: secret}}) + "/authentication/oauth/token"
	idsrv := StartAvePoint(t, localavepoint.Config{Clients: []localavepoint.Client{{ID: id, Secret: secret, Scopes: []string{"a"}}}}).TokenEndpoint()
	tests := []struct {
		name, url string
		req       oauth.Request
	}{
		{"acronis: form-encoded Basic", acronis, oauth.Request{Method: oauth.ClientSecretBasic, BasicEncoding: oauth.BasicForm}},
		{"acronis: post", acronis, oauth.Request{Method: oauth.ClientSecretPost}},
		{"acronis: scope", acronis, oauth.Request{Method: oauth.ClientSecretBasic, BasicEncoding: oauth.BasicRaw, Scope: "x"}},
		{"virtana: post", virtana, oauth.Request{Method: oauth.ClientSecretPost}},
		{"virtana: extra param", virtana, oauth.Request{Method: oauth.ClientSecretQuery, Scope: "x"}},
		{"identityserver: raw Basic", idsrv, oauth.Request{Method: oauth.ClientSecretBasic, BasicEncoding: oauth.BasicRaw, Scope: "a"}},
		{"identityserver: wrong scope", idsrv, oauth.Request{Method: oauth.ClientSecretBasic, Scope: "b"}},
	}
	for _, tt := range tests {
		tt.req.TokenURL, tt.req.ClientID, tt.req.ClientSecret = tt.url, id, secret
		_, err := (&oauth.Client{}).Token(context.Background(), tt.req)
		if err == nil {
			t.Errorf("%s: accepted; want refused", tt.name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error holds the secret", tt.name)
		}
	}
}
