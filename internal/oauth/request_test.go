package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

func TestTokenRequestPerAuthMethod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		req        Request
		path       string // token URL path and query after the server's URL
		wantMethod string
		wantQuery  string
		wantBody   string
		wantAuth   string
		wantCT     string
	}{
		{
			name:       "client_secret_post",
			req:        Request{Method: ClientSecretPost, ClientID: fxClientID, ClientSecret: fxSecret, Scope: "audit.read.all"},
			path:       "/token",
			wantMethod: "POST",
			wantBody:   "client_id=my-app&client_secret=s%2Be%3Dc%3Ar%25et&grant_type=client_credentials&scope=audit.read.all",
			wantCT:     "application/x-www-form-urlencoded",
		},
		{
			name:       "client_secret_basic form encoding (default)",
			req:        Request{Method: ClientSecretBasic, ClientID: fxClientID, ClientSecret: fxSecret, Scope: "read"},
			path:       "/token",
			wantMethod: "POST",
			wantBody:   "grant_type=client_credentials&scope=read",
			// base64("my-app:s%2Be%3Dc%3Ar%25et"), computed with coreutils base64.
			wantAuth: "Basic bXktYXBwOnMlMkJlJTNEYyUzQXIlMjVldA==",
			wantCT:   "application/x-www-form-urlencoded",
		},
		{
			name:       "client_secret_basic form encoding (explicit)",
			req:        Request{Method: ClientSecretBasic, BasicEncoding: BasicForm, ClientID: fxClientID, ClientSecret: fxSecret},
			path:       "/token",
			wantMethod: "POST",
			wantBody:   "grant_type=client_credentials",
			wantAuth:   "Basic bXktYXBwOnMlMkJlJTNEYyUzQXIlMjVldA==",
			wantCT:     "application/x-www-form-urlencoded",
		},
		{
			name:       "client_secret_basic raw encoding",
			req:        Request{Method: ClientSecretBasic, BasicEncoding: BasicRaw, ClientID: fxClientID, ClientSecret: fxSecret},
			path:       "/bc/idp/token",
			wantMethod: "POST",
			wantBody:   "grant_type=client_credentials",
			// base64("my-app:s+e=c:r%et"), computed with coreutils base64.
			wantAuth: "Basic bXktYXBwOnMrZT1jOnIlZXQ=",
			wantCT:   "application/x-www-form-urlencoded",
		},
		{
			name:       "client_secret_query",
			req:        Request{Method: ClientSecretQuery, ClientID: fxClientID, ClientSecret: fxSecret, Scope: "a b"},
			path:       "/authentication/oauth/token",
			wantMethod: "GET",
			wantQuery:  "client_id=my-app&client_secret=s%2Be%3Dc%3Ar%25et&grant_type=client_credentials&scope=a+b",
		},
		{
			name:       "client_secret_query keeps the token URL's own query",
			req:        Request{Method: ClientSecretQuery, ClientID: fxClientID, ClientSecret: fxSecret},
			path:       "/oauth/token?tenant=t1",
			wantMethod: "GET",
			wantQuery:  "client_id=my-app&client_secret=s%2Be%3Dc%3Ar%25et&grant_type=client_credentials&tenant=t1",
		},
		{
			name:       "params and no scope",
			req:        Request{ClientID: fxClientID, ClientSecret: fxSecret, Params: map[string]string{"audience": "https://api.example.com", "resource": "r 1"}},
			path:       "/token",
			wantMethod: "POST",
			wantBody:   "audience=https%3A%2F%2Fapi.example.com&client_id=my-app&client_secret=s%2Be%3Dc%3Ar%25et&grant_type=client_credentials&resource=r+1",
			wantCT:     "application/x-www-form-urlencoded",
		},
		{
			name:       "POST keeps the token URL's query",
			req:        Request{Method: ClientSecretBasic, ClientID: fxClientID, ClientSecret: fxSecret},
			path:       "/token?api-version=2",
			wantMethod: "POST",
			wantQuery:  "api-version=2",
			wantBody:   "grant_type=client_credentials",
			wantAuth:   "Basic bXktYXBwOnMlMkJlJTNEYyUzQXIlMjVldA==",
			wantCT:     "application/x-www-form-urlencoded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeEndpoint(t, answer(200, okBody))
			r := tt.req
			r.TokenURL = f.srv.URL + tt.path
			tok, err := testClient(&testenv.Sleeps{}).Token(context.Background(), r)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if tok.AccessToken != fxToken {
				t.Errorf("got AccessToken %q; want %q", tok.AccessToken, fxToken)
			}
			seen := f.requests()
			if len(seen) != 1 {
				t.Fatalf("got %d requests; want 1", len(seen))
			}
			got := seen[0]
			wantPath, _, _ := strings.Cut(tt.path, "?")
			if got.Method != tt.wantMethod || got.Path != wantPath {
				t.Errorf("got %s %s; want %s %s", got.Method, got.Path, tt.wantMethod, wantPath)
			}
			if got.Query != tt.wantQuery {
				t.Errorf("got query %q; want %q", got.Query, tt.wantQuery)
			}
			if got.Body != tt.wantBody {
				t.Errorf("got body %q; want %q", got.Body, tt.wantBody)
			}
			if h := got.Header.Get("Authorization"); h != tt.wantAuth {
				t.Errorf("got Authorization %q; want %q", h, tt.wantAuth)
			}
			if h := got.Header.Get("Content-Type"); h != tt.wantCT {
				t.Errorf("got Content-Type %q; want %q", h, tt.wantCT)
			}
			if h := got.Header.Get("Accept"); h != "application/json" {
				t.Errorf("got Accept %q; want %q", h, "application/json")
			}
		})
	}
}

// TestBasicFormDecodesToTheSecret checks the form encoding the way a server
// following RFC 6749 §2.3.1 reads it: base64-decode, split at the first
// colon, form-url-decode each half.
func TestBasicFormDecodesToTheSecret(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{fxSecret, "a b&c/d?e#f", "ünï:çødé", "%%%", "::"} {
		r := Request{Method: ClientSecretBasic, ClientID: "id:with colon", ClientSecret: secret}
		req, err := r.newHTTPRequest(context.Background(), &url.URL{Scheme: "https", Host: "h", Path: "/t"}, "")
		if err != nil {
			t.Fatalf("newHTTPRequest: %v", err)
		}
		user, pass, ok := req.BasicAuth()
		if !ok {
			t.Fatalf("no Basic credentials in %q", req.Header.Get("Authorization"))
		}
		id, err1 := url.QueryUnescape(user)
		sec, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || id != r.ClientID || sec != secret {
			t.Errorf("Basic decodes to %q, %q (%v, %v); want %q, %q", id, sec, err1, err2, r.ClientID, secret)
		}
	}
}

func TestTokenRejectsBadRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(*Request)
		wantErr string
	}{
		{"no client id", func(r *Request) { r.ClientID = "" }, "client_id is empty"},
		{"no secret for post", func(r *Request) { r.ClientSecret = "" }, "client_secret_post needs a client_secret"},
		{"no secret for basic", func(r *Request) { r.Method, r.ClientSecret = ClientSecretBasic, "" }, "client_secret_basic needs a client_secret"},
		{"no secret for query", func(r *Request) { r.Method, r.ClientSecret = ClientSecretQuery, "" }, "client_secret_query needs a client_secret"},
		{"no key", func(r *Request) { r.Method = PrivateKeyJWT }, "private_key_jwt needs a private key"},
		{"unknown method", func(r *Request) { r.Method = "tls_client_auth" }, `unknown auth method "tls_client_auth"`},
		{"unknown encoding", func(r *Request) { r.Method, r.BasicEncoding = ClientSecretBasic, "base64" }, `unknown basic encoding "base64"`},
		{"raw basic with colon in id", func(r *Request) { r.Method, r.BasicEncoding, r.ClientID = ClientSecretBasic, BasicRaw, "a:b" }, `client_id contains ":"`},
		{"reserved param", func(r *Request) { r.Params = map[string]string{"client_secret": fxSecret, "grant_type": "password"} }, `params may not set "client_secret"`},
		{"reserved scope param", func(r *Request) { r.Params = map[string]string{"scope": "x"} }, `params may not set "scope"`},
		{"empty param name", func(r *Request) { r.Params = map[string]string{"": "x"} }, "params holds an empty name"},
		{"negative default lifetime", func(r *Request) { r.DefaultLifetime = -1 }, "default lifetime"},
		{"http off loopback", func(r *Request) { r.TokenURL = "http://identity.example.com/connect/token" }, "must be https"},
		{"relative URL", func(r *Request) { r.TokenURL = "/connect/token" }, "oauth: token URL"},
		{"user info in URL", func(r *Request) { r.TokenURL = "https://my-app:" + url.QueryEscape(fxSecret) + "@example.com/t" }, "user information"},
		{"secret in URL query", func(r *Request) { r.TokenURL = "ftp://example.com/t?client_secret=" + url.QueryEscape(fxSecret) }, "scheme must be https"},
		{"query method with clashing URL query", func(r *Request) { r.Method, r.TokenURL = ClientSecretQuery, r.TokenURL+"?client_id=other" }, `token URL query already sets "client_id"`},
	}
	f := newFakeEndpoint(t, answer(200, okBody))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := secretRequest(f.url())
			tt.mutate(&r)
			tok, err := testClient(&testenv.Sleeps{}).Token(context.Background(), r)
			if err == nil {
				t.Fatalf("Token = %v, nil; want an error containing %q", tok, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %q; want it to contain %q", err, tt.wantErr)
			}
			assertNoLeak(t, err, defaultSecrets()...)
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("got %d requests for invalid token requests; want 0", n)
	}
}

func TestCertificateMustMatchKey(t *testing.T) {
	t.Parallel()
	other := *fxCert()
	other.PublicKey = &fxKey().PublicKey
	r := Request{TokenURL: "https://example.com/t", ClientID: fxClientID, PrivateKey: fxKey(), Certificate: &other}
	if err := r.validate(); err != nil {
		t.Fatalf("validate with the matching certificate: %v", err)
	}
	other.PublicKey = "not a key"
	if err := r.validate(); err == nil || !strings.Contains(err.Error(), "certificate does not match the private key") {
		t.Errorf("got error %v; want a certificate mismatch", err)
	}
}

func TestDefaultMethod(t *testing.T) {
	t.Parallel()
	if m := (&Request{ClientSecret: "x"}).method(); m != ClientSecretPost {
		t.Errorf("got method %q; want %q", m, ClientSecretPost)
	}
	if m := (&Request{PrivateKey: fxKey()}).method(); m != PrivateKeyJWT {
		t.Errorf("got method %q; want %q", m, PrivateKeyJWT)
	}
}

func TestRequestHasNoBodyForQueryMethod(t *testing.T) {
	t.Parallel()
	r := Request{Method: ClientSecretQuery, ClientID: fxClientID, ClientSecret: fxSecret}
	req, err := r.newHTTPRequest(context.Background(), &url.URL{Scheme: "https", Host: "h", Path: "/t"}, "")
	if err != nil {
		t.Fatalf("newHTTPRequest: %v", err)
	}
	if req.Body != nil && req.Body != http.NoBody {
		t.Errorf("GET request has a body")
	}
	if req.ContentLength != 0 || req.Header.Get("Content-Type") != "" {
		t.Errorf("got ContentLength %d, Content-Type %q; want 0 and none", req.ContentLength, req.Header.Get("Content-Type"))
	}
}

func TestValidateNamesEveryProblemOnOneLine(t *testing.T) {
	t.Parallel()
	r := Request{Method: ClientSecretBasic, BasicEncoding: "b64", Params: map[string]string{"scope": "x", "grant_type": "y"}}
	err := r.validate()
	want := `client_id is empty; client_secret_basic needs a client_secret; unknown basic encoding "b64" (want form or raw); params may not set "grant_type"; params may not set "scope"`
	if err == nil || err.Error() != want {
		t.Errorf("got error %v; want %q", err, want)
	}
}
