package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// discoveryServer serves a discovery document built by doc from the issuer
// URL the test configures, counting the requests.
type discoveryServer struct {
	srv  *httptest.Server
	hits atomic.Int32
}

func newDiscoveryServer(t *testing.T, status func(n int32) int, doc func(issuer string) map[string]any) *discoveryServer {
	t.Helper()
	d := &discoveryServer{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := d.hits.Add(1)
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
			t.Errorf("got %s %s; want GET .../.well-known/openid-configuration", r.Method, r.URL.Path)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("got Accept %q; want application/json", got)
		}
		if s := status(n); s != http.StatusOK {
			w.WriteHeader(s)
			return
		}
		issuer := "http://" + r.Host + strings.TrimSuffix(r.URL.Path, "/.well-known/openid-configuration")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc(issuer))
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func always200(int32) int { return http.StatusOK }

func standardDoc(issuer string) map[string]any {
	return map[string]any{
		"issuer":                   issuer,
		"token_endpoint":           issuer + "/connect/token",
		"jwks_uri":                 issuer + "/.well-known/openid-configuration/jwks",
		"grant_types_supported":    []string{"client_credentials"},
		"scopes_supported":         []string{"audit.read.all"},
		"claims_supported":         []string{"sub"},
		"response_types_supported": []string{"token"},
	}
}

func testDiscovery(now *time.Time) *Discovery {
	sleep := &testenv.Sleeps{}
	return &Discovery{
		HTTP:  &http.Client{Timeout: 5 * time.Second},
		Now:   func() time.Time { return *now },
		Retry: retry.Policy{Attempts: 3, Sleep: sleep.Sleep, Rand: func() float64 { return 0 }},
	}
}

func TestDiscoveryTokenEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string // issuer path on the server
		suffix  string // appended to the configured issuer
		status  func(int32) int
		doc     func(string) map[string]any
		want    string // token endpoint path, or error substring
		wantErr bool
		hits    int32
	}{
		{name: "success", doc: standardDoc, want: "/connect/token", hits: 1},
		{name: "issuer with a path", path: "/tenant1", doc: standardDoc, want: "/tenant1/connect/token", hits: 1},
		{name: "configured issuer with a trailing slash", suffix: "/", doc: standardDoc, want: "/connect/token", hits: 1},
		{name: "document issuer with a trailing slash", doc: func(iss string) map[string]any {
			d := standardDoc(iss)
			d["issuer"] = iss + "/"
			return d
		}, want: "/connect/token", hits: 1},
		{name: "503 then success", status: func(n int32) int { return map[bool]int{true: 503, false: 200}[n == 1] }, doc: standardDoc, want: "/connect/token", hits: 2},
		{name: "issuer mismatch", doc: func(iss string) map[string]any {
			d := standardDoc(iss)
			d["issuer"] = "https://evil.example.com"
			return d
		}, want: `document issuer "https://evil.example.com" does not match the configured issuer`, wantErr: true, hits: 1},
		{name: "plain http token endpoint off loopback", doc: func(iss string) map[string]any {
			d := standardDoc(iss)
			d["token_endpoint"] = "http://identity.example.com/connect/token"
			return d
		}, want: "token_endpoint: httpclient: URL http://identity.example.com/connect/token: must be https", wantErr: true, hits: 1},
		{name: "foreign host", doc: func(iss string) map[string]any {
			d := standardDoc(iss)
			d["token_endpoint"] = "https://evil.example.com/connect/token?x=1"
			return d
		}, want: "token_endpoint https://evil.example.com/connect/token is neither on the issuer's host nor a sibling of it", wantErr: true, hits: 1},
		{name: "no token endpoint", doc: func(iss string) map[string]any {
			d := standardDoc(iss)
			delete(d, "token_endpoint")
			return d
		}, want: "document has no token_endpoint", wantErr: true, hits: 1},
		{name: "token endpoint not a string", doc: func(iss string) map[string]any {
			d := standardDoc(iss)
			d["token_endpoint"] = []string{"x"}
			return d
		}, want: "token_endpoint is not a string", wantErr: true, hits: 1},
		{name: "404", status: func(int32) int { return 404 }, doc: standardDoc, want: "/.well-known/openid-configuration answered 404 Not Found", wantErr: true, hits: 1},
		{name: "redirect", status: func(int32) int { return 302 }, doc: standardDoc, want: "answered 302 Found; redirects are not followed", wantErr: true, hits: 1},
		{name: "5xx until attempts run out", status: func(int32) int { return 500 }, doc: standardDoc, want: "retry: gave up after 3 attempts: oauth: discovery for", wantErr: true, hits: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status := tt.status
			if status == nil {
				status = always200
			}
			srv := newDiscoveryServer(t, status, tt.doc)
			now := fxNow
			d := testDiscovery(&now)
			issuer := srv.srv.URL + tt.path + tt.suffix
			got, err := d.TokenEndpoint(context.Background(), issuer)
			switch {
			case tt.wantErr && err == nil:
				t.Fatalf("TokenEndpoint = %q, nil; want an error containing %q", got, tt.want)
			case tt.wantErr && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got error %q; want it to contain %q", err, tt.want)
			case tt.wantErr && !strings.Contains(err.Error(), "oauth: discovery for "+srv.srv.URL):
				t.Errorf("got error %q; want it to name the issuer", err)
			case !tt.wantErr && err != nil:
				t.Fatalf("TokenEndpoint: %v", err)
			case !tt.wantErr && got != srv.srv.URL+tt.want:
				t.Errorf("got token endpoint %q; want %q", got, srv.srv.URL+tt.want)
			}
			if n := srv.hits.Load(); n != tt.hits {
				t.Errorf("got %d requests; want %d", n, tt.hits)
			}
		})
	}
}

func TestDiscoveryBadIssuer(t *testing.T) {
	t.Parallel()
	for issuer, want := range map[string]string{
		"http://identity.example.com":          "must be https",
		"https://identity.example.com/?a=b":    "issuer must not have a query or fragment",
		"https://identity.example.com/#frag":   "issuer must not have a query or fragment",
		"identity.example.com":                 "scheme must be https",
		"https://user:pw@identity.example.com": "user information",
	} {
		now := fxNow
		_, err := testDiscovery(&now).TokenEndpoint(context.Background(), issuer)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("TokenEndpoint(%q) error = %v; want it to contain %q", issuer, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error %q shows user information", err)
		}
	}
}

func TestDiscoveryCache(t *testing.T) {
	t.Parallel()
	srv := newDiscoveryServer(t, always200, standardDoc)
	now := fxNow
	var mu sync.Mutex
	d := testDiscovery(&now)
	d.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d.TTL = 10 * time.Minute
	advance := func(by time.Duration) { mu.Lock(); now = now.Add(by); mu.Unlock() }

	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.TokenEndpoint(context.Background(), srv.srv.URL); err != nil {
				t.Errorf("TokenEndpoint: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := srv.hits.Load(); n != 1 {
		t.Errorf("got %d fetches for 16 concurrent callers; want 1", n)
	}
	advance(9 * time.Minute)
	if _, err := d.TokenEndpoint(context.Background(), srv.srv.URL+"/"); err != nil {
		t.Fatalf("TokenEndpoint: %v", err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Errorf("got %d fetches within the TTL; want 1", n)
	}
	advance(2 * time.Minute)
	if _, err := d.TokenEndpoint(context.Background(), srv.srv.URL); err != nil {
		t.Fatalf("TokenEndpoint: %v", err)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Errorf("got %d fetches after the TTL; want 2", n)
	}
}

func TestDiscoveryDefaultTTLIsAnHour(t *testing.T) {
	t.Parallel()
	srv := newDiscoveryServer(t, always200, standardDoc)
	now := fxNow
	d := testDiscovery(&now)
	for _, step := range []time.Duration{0, 59 * time.Minute, 2 * time.Minute} {
		now = now.Add(step)
		if _, err := d.TokenEndpoint(context.Background(), srv.srv.URL); err != nil {
			t.Fatalf("TokenEndpoint: %v", err)
		}
	}
	if n := srv.hits.Load(); n != 2 {
		t.Errorf("got %d fetches over 61 minutes; want 2", n)
	}
}

func TestDiscoveryDoesNotCacheFailures(t *testing.T) {
	t.Parallel()
	srv := newDiscoveryServer(t, func(n int32) int { return map[bool]int{true: 404, false: 200}[n == 1] }, standardDoc)
	now := fxNow
	d := testDiscovery(&now)
	if _, err := d.TokenEndpoint(context.Background(), srv.srv.URL); err == nil {
		t.Fatal("first TokenEndpoint succeeded; want the 404")
	}
	if _, err := d.TokenEndpoint(context.Background(), srv.srv.URL); err != nil {
		t.Fatalf("second TokenEndpoint: %v", err)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Errorf("got %d fetches; want 2", n)
	}
}

func TestDiscoveryCancelled(t *testing.T) {
	t.Parallel()
	srv := newDiscoveryServer(t, always200, standardDoc)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	now := fxNow
	_, err := testDiscovery(&now).TokenEndpoint(ctx, srv.srv.URL)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v; want context.Canceled", err)
	}
}

// TestDiscoveryHostFamilyOverTLS runs discovery against https issuers with
// real host names, resolved to one loopback TLS server.
func TestDiscoveryHostFamilyOverTLS(t *testing.T) {
	t.Parallel()
	endpoints := map[string]string{
		"identity.example.com":     "https://identity.example.com/connect/token",
		"identity-gov.example.com": "https://login.example.com/connect/token",
		"deep.example.com":         "https://a.b.example.com/token",
		"foreign.example.com":      "https://identity.example.org/connect/token",
		"suffix.example.com":       "https://evilexample.com/connect/token",
		"plain.example.com":        "http://plain.example.com/connect/token",
		"loopback.example.com":     "http://127.0.0.1/connect/token",
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"issuer": "https://" + host, "token_endpoint": endpoints[host]})
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	hc := httpclient.New(5 * time.Second)
	tr := hc.Transport.(*http.Transport)
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, ServerName: "example.com"}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	tr.Proxy = nil
	d := &Discovery{HTTP: hc}
	tests := []struct {
		host    string
		wantErr string
	}{
		{host: "identity.example.com"},
		{host: "identity-gov.example.com"},
		{host: "deep.example.com"},
		{host: "foreign.example.com", wantErr: "token_endpoint https://identity.example.org/connect/token is neither on the issuer's host nor a sibling of it"},
		{host: "suffix.example.com", wantErr: "is neither on the issuer's host nor a sibling"},
		{host: "plain.example.com", wantErr: "must be https"},
		{host: "loopback.example.com", wantErr: "is neither on the issuer's host nor a sibling"},
	}
	for _, tt := range tests {
		got, err := d.TokenEndpoint(context.Background(), "https://"+tt.host)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("TokenEndpoint(%s): %v", tt.host, err)
		case tt.wantErr == "" && got != endpoints[tt.host]:
			t.Errorf("got %q; want %q", got, endpoints[tt.host])
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("TokenEndpoint(%s) = %q, %v; want an error containing %q", tt.host, got, err, tt.wantErr)
		}
	}
}

func TestSameHostFamily(t *testing.T) {
	t.Parallel()
	tests := []struct {
		issuer, endpoint string
		want             bool
	}{
		{"identity.avepointonlineservices.com", "identity.avepointonlineservices.com", true},
		{"identity.avepointonlineservices.com", "IDENTITY.avepointonlineservices.com.", true},
		{"identity-gov.avepointonlineservices.com", "identity.avepointonlineservices.com", true},
		{"identity.avepointonlineservices.com", "a.b.avepointonlineservices.com", true},
		{"identity.avepointonlineservices.com", "avepointonlineservices.com", false},
		{"identity.avepointonlineservices.com", "evilavepointonlineservices.com", false},
		{"identity.avepointonlineservices.com", "identity.avepointonlineservices.com.evil.com", false},
		{"example.com", "login.example.com", false},
		{"example.com", "evil.com", false},
		{"localhost", "localhost", true},
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"10.0.0.1", "evil.0.0.1", false},
		{"::1", "::1", true},
	}
	for _, tt := range tests {
		if got := sameHostFamily(tt.issuer, tt.endpoint); got != tt.want {
			t.Errorf("sameHostFamily(%q, %q) = %v; want %v", tt.issuer, tt.endpoint, got, tt.want)
		}
	}
}
