package oauth_test

import (
	"bufio"
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// The interop test runs the token client against a real authorization server:
// oidc-provider from npm, pinned in testdata/oidc/package-lock.json and
// started on loopback by testdata/oidc/server.mjs.

const (
	interopScope = "audit.read.all"
	// interopTTL is the ClientCredentials lifetime server.mjs configures.
	interopTTL = 600 * time.Second

	basicID     = "interop-basic"
	basicSecret = "b+a=s:i%c/Secret" // raw and form-encoded Basic differ for it
	postID      = "interop-post"
	postSecret  = "p+o=s:t%25Secret" // "%25" catches a double decode
	jwtID       = "interop-private-key-jwt"
)

// oidcProvider is a running server.mjs.
type oidcProvider struct {
	issuer string
	http   *http.Client
}

// tokenRequest is one entry of server.mjs's GET /_interop/token-requests.
type tokenRequest struct {
	ClientID         string `json:"client_id"`
	RegisteredMethod string `json:"registered_method"`
	UsedMethod       string `json:"used_method"`
	GrantType        string `json:"grant_type"`
	Scope            string `json:"scope"`
	Outcome          string `json:"outcome"`
	Error            string `json:"error"`
	ErrorDetail      string `json:"error_detail"`
	Assertion        *struct {
		Header  map[string]any `json:"header"`
		Payload map[string]any `json:"payload"`
	} `json:"assertion"`
}

func TestInteropOIDCProvider(t *testing.T) {
	node := testenv.Node(t)
	key, cert := interopCertificate(t)
	sum := sha1.Sum(cert.Raw)
	kid := strings.ToUpper(hex.EncodeToString(sum[:]))
	x5t := base64.RawURLEncoding.EncodeToString(sum[:])

	srv := startOIDCProvider(t, node, []map[string]any{
		{
			"client_id":                  basicID,
			"client_secret":              basicSecret,
			"token_endpoint_auth_method": "client_secret_basic",
			"scope":                      interopScope,
		},
		{
			"client_id":                  postID,
			"client_secret":              postSecret,
			"token_endpoint_auth_method": "client_secret_post",
			"scope":                      interopScope,
		},
		{
			"client_id":                       jwtID,
			"token_endpoint_auth_method":      "private_key_jwt",
			"token_endpoint_auth_signing_alg": "RS256",
			"scope":                           interopScope,
			"jwks": map[string]any{"keys": []map[string]any{{
				"kty": "RSA",
				"kid": kid, // oidc-provider picks the key by exact kid
				"use": "sig",
				"alg": "RS256",
				"n":   base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
				"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
			}}},
		},
	})
	tokenURL := srv.issuer + "/connect/token"
	client := &oauth.Client{HTTP: srv.http}

	tests := []struct {
		name string
		req  oauth.Request
	}{
		{"client_secret_basic", oauth.Request{
			Method: oauth.ClientSecretBasic, ClientID: basicID, ClientSecret: basicSecret,
		}},
		{"client_secret_post", oauth.Request{
			Method: oauth.ClientSecretPost, ClientID: postID, ClientSecret: postSecret,
		}},
		{"private_key_jwt", oauth.Request{
			Method: oauth.PrivateKeyJWT, ClientID: jwtID, PrivateKey: key, Certificate: cert,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.TokenURL = tokenURL
			req.Scope = interopScope
			tok := srv.mustToken(t, client, req)
			got := srv.lastTokenRequest(t, req.ClientID)
			// oidc-provider accepts basic and post interchangeably, so the
			// method is checked on what the request really carried.
			if got.UsedMethod != string(req.Method) || got.RegisteredMethod != string(req.Method) {
				t.Errorf("server saw method %q from a client registered for %q; want %q", got.UsedMethod, got.RegisteredMethod, req.Method)
			}
			if req.Method == oauth.PrivateKeyJWT {
				checkAssertion(t, got, kid, x5t, tokenURL)
			}
			srv.checkIntrospection(t, tok, req.ClientID)
		})
	}

	// This second private_key_jwt request is also accepted only because its
	// jti differs: oidc-provider refuses a replayed client assertion.
	t.Run("discovery", func(t *testing.T) {
		d := &oauth.Discovery{HTTP: srv.http}
		ep, err := d.TokenEndpoint(context.Background(), srv.issuer)
		if err != nil {
			t.Fatalf("TokenEndpoint(%s): %v", srv.issuer, err)
		}
		if ep != tokenURL {
			t.Fatalf("got token endpoint %q; want %q", ep, tokenURL)
		}
		req := oauth.Request{
			TokenURL: ep, Method: oauth.PrivateKeyJWT, ClientID: jwtID,
			PrivateKey: key, Certificate: cert, Scope: interopScope,
		}
		tok := srv.mustToken(t, client, req)
		checkAssertion(t, srv.lastTokenRequest(t, jwtID), kid, x5t, tokenURL)
		srv.checkIntrospection(t, tok, jwtID)
	})

	otherKey, otherCert := interopCertificate(t)
	failures := []struct {
		name       string
		req        oauth.Request
		secret     string // must not appear in the error
		wantDetail string // oidc-provider's server-side reason
	}{
		{"wrong secret basic", oauth.Request{
			Method: oauth.ClientSecretBasic, ClientID: basicID, ClientSecret: "wrong+Secret=%:zz",
		}, "wrong+Secret=%:zz", "invalid secret provided"},
		{"wrong secret post", oauth.Request{
			Method: oauth.ClientSecretPost, ClientID: postID, ClientSecret: "wrong+Secret=%:zz",
		}, "wrong+Secret=%:zz", "invalid secret provided"},
		{"unregistered certificate", oauth.Request{
			Method: oauth.PrivateKeyJWT, ClientID: jwtID, PrivateKey: otherKey, Certificate: otherCert,
		}, "", "no applicable key found in the JSON Web Key Set"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.TokenURL = tokenURL
			req.Scope = interopScope
			_, err := client.Token(context.Background(), req)
			if err == nil {
				t.Fatalf("Token: got no error; want invalid_client")
			}
			if !strings.Contains(err.Error(), "invalid_client") {
				t.Errorf("got error %q; want it to contain %q", err, "invalid_client")
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q contains the client secret", err)
			}
			got := srv.lastTokenRequest(t, req.ClientID)
			if got.Outcome != "error" || got.ErrorDetail != tt.wantDetail {
				t.Errorf("server outcome %q detail %q; want %q %q", got.Outcome, got.ErrorDetail, "error", tt.wantDetail)
			}
		})
	}

	// RFC 6749 §2.3.1 form-encodes id and secret before base64; oidc-provider
	// decodes them, so the raw encoding of a secret holding '+' or '%' fails
	// here. This is why basic_auth_encoding defaults to "form".
	t.Run("raw basic encoding is refused", func(t *testing.T) {
		req := oauth.Request{
			TokenURL: tokenURL, Method: oauth.ClientSecretBasic, BasicEncoding: oauth.BasicRaw,
			ClientID: basicID, ClientSecret: basicSecret, Scope: interopScope,
		}
		_, err := client.Token(context.Background(), req)
		if err == nil {
			t.Fatalf("Token: got no error; want the raw-encoded secret refused")
		}
		if strings.Contains(err.Error(), basicSecret) {
			t.Errorf("error %q contains the client secret", err)
		}
	})
}

// mustToken obtains a token and checks what every successful response from
// server.mjs must give.
func (p *oidcProvider) mustToken(t *testing.T, c *oauth.Client, req oauth.Request) *oauth.Token {
	t.Helper()
	before := time.Now()
	tok, err := c.Token(context.Background(), req)
	after := time.Now()
	if err != nil {
		t.Fatalf("Token(%s, %s): %v", req.ClientID, req.Method, err)
	}
	if tok.AccessToken == "" {
		t.Fatalf("got an empty access token")
	}
	if !strings.EqualFold(tok.TokenType, "Bearer") {
		t.Errorf("got token type %q; want %q", tok.TokenType, "Bearer")
	}
	if tok.Scope != interopScope {
		t.Errorf("got scope %q; want %q", tok.Scope, interopScope)
	}
	if tok.IssuedAt.Before(before.Add(-time.Second)) || tok.IssuedAt.After(after.Add(time.Second)) {
		t.Errorf("got issued at %v; want between %v and %v", tok.IssuedAt, before, after)
	}
	lo, hi := before.Add(interopTTL-2*time.Second), after.Add(interopTTL+2*time.Second)
	if tok.Expiry.Before(lo) || tok.Expiry.After(hi) {
		t.Errorf("got expiry %v; want between %v and %v", tok.Expiry, lo, hi)
	}
	return tok
}

// checkIntrospection asks the server (RFC 7662, authenticated as the basic
// client) whether tok is one it issued, to clientID, with the scope.
func (p *oidcProvider) checkIntrospection(t *testing.T, tok *oauth.Token, clientID string) {
	t.Helper()
	form := url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequest(http.MethodPost, p.issuer+"/connect/introspect", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	var got struct {
		Active    bool   `json:"active"`
		ClientID  string `json:"client_id"`
		Scope     string `json:"scope"`
		TokenType string `json:"token_type"`
		Exp       int64  `json:"exp"`
	}
	p.do(t, req, &got)
	if !got.Active {
		t.Fatalf("introspection: token not active")
	}
	if got.ClientID != clientID {
		t.Errorf("introspection: got client_id %q; want %q", got.ClientID, clientID)
	}
	if got.Scope != interopScope {
		t.Errorf("introspection: got scope %q; want %q", got.Scope, interopScope)
	}
	if d := got.Exp - tok.Expiry.Unix(); d < -2 || d > 2 {
		t.Errorf("introspection: got exp %d; want %d (±2s)", got.Exp, tok.Expiry.Unix())
	}
}

// lastTokenRequest returns the server's record of clientID's latest token
// request.
func (p *oidcProvider) lastTokenRequest(t *testing.T, clientID string) tokenRequest {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.issuer+"/_interop/token-requests", nil)
	if err != nil {
		t.Fatal(err)
	}
	var all []tokenRequest
	p.do(t, req, &all)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].ClientID == clientID {
			return all[i]
		}
	}
	t.Fatalf("server recorded no token request from %q", clientID)
	return tokenRequest{}
}

func (p *oidcProvider) do(t *testing.T, req *http.Request, v any) {
	t.Helper()
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := httpclient.ReadBody(resp.Body, httpclient.MaxBody)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s %s: decode: %v", req.Method, req.URL.Path, err)
	}
}

// checkAssertion checks the client assertion header and claims as the server
// received them.
func checkAssertion(t *testing.T, got tokenRequest, kid, x5t, tokenURL string) {
	t.Helper()
	if got.Assertion == nil {
		t.Fatalf("server recorded no client assertion")
	}
	h, c := got.Assertion.Header, got.Assertion.Payload
	for _, f := range []struct {
		name string
		got  any
		want string
	}{
		{"header alg", h["alg"], "RS256"},
		{"header kid", h["kid"], kid},
		{"header x5t", h["x5t"], x5t},
		{"claim iss", c["iss"], got.ClientID},
		{"claim sub", c["sub"], got.ClientID},
		{"claim aud", c["aud"], tokenURL},
	} {
		if f.got != f.want {
			t.Errorf("got %s = %v; want %q", f.name, f.got, f.want)
		}
	}
	if jti, _ := c["jti"].(string); jti == "" {
		t.Errorf("got no jti claim")
	}
	// oidc-provider checks exp and nbf itself; the contract also wants exp at
	// most 5 minutes ahead.
	exp, _ := c["exp"].(float64)
	if now := float64(time.Now().Unix()); exp <= now || exp > now+5*60+2 {
		t.Errorf("got exp %.0f; want within 5 minutes after now (%.0f)", exp, now)
	}
}

// startOIDCProvider runs testdata/oidc/server.mjs with the given client
// metadata and returns once it listens. The process is stopped and waited for
// in t.Cleanup; it also exits by itself when its stdin (held by this test
// process) closes. Its stderr, where server.mjs logs oidc-provider's events,
// is printed when the test fails.
func startOIDCProvider(t *testing.T, node string, clients []map[string]any) *oidcProvider {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "oidc"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		t.Fatalf("oidc-provider not installed: run `npm ci --prefix internal/oauth/testdata/oidc` (make test does this)")
	}
	clientsFile := filepath.Join(t.TempDir(), "clients.json")
	b, err := json.Marshal(map[string]any{"clients": clients})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(clientsFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(testenv.Buffer)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "server.mjs"), clientsFile, "0")
	cmd.Dir = dir
	cmd.Stdout = stdoutW
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("oidc-provider stderr:\n%s", stderr)
		}
	})
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", filepath.Join(dir, "server.mjs"), err)
	}
	stdoutW.Close()
	t.Cleanup(func() {
		stdin.Close()
		cancel()
		_ = cmd.Wait() // ends by signal or after stdin closes; either is fine
		stdout.Close()
	})

	lines := make(chan string, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var first string
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatalf("server.mjs exited before listening")
		}
		first = l
	case <-time.After(30 * time.Second):
		t.Fatalf("server.mjs did not report its issuer within 30s")
	}
	var hello struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal([]byte(first), &hello); err != nil || hello.Issuer == "" {
		t.Fatalf("server.mjs first line %q: want {\"issuer\": ...}", first)
	}
	return &oidcProvider{issuer: hello.Issuer, http: httpclient.New(10 * time.Second)}
}

// interopCertificate returns a fresh RSA key with a self-signed certificate.
func interopCertificate(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key := testrand.RSAKey(2048)
	return key, testrand.SelfSigned(key, "tokenrelay interop", time.Now())
}
