package oauth

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// Test values. The secret holds every character that Basic encodings treat
// differently; tests assert it never appears in an error.
const (
	fxClientID = "my-app"
	fxSecret   = "s+e=c:r%et"
	fxToken    = "opaque-access-token-Zq8vX2"
)

// fxNow is the fixed clock of the tests.
var fxNow = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)

// fxKey is one RSA 2048 key shared by the tests (generation is slow).
var fxKey = sync.OnceValue(func() *rsa.PrivateKey { return testrand.RSAKey(2048) })

// fxCert is a self-signed certificate for fxKey.
var fxCert = sync.OnceValue(func() *x509.Certificate {
	return testrand.SelfSigned(fxKey(), "tokenrelay test client", fxNow)
})

// seenRequest is what a fake token endpoint received.
type seenRequest struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// fakeEndpoint is an httptest token endpoint answering from a list of
// handlers, one per request (the last one repeats), recording every request.
type fakeEndpoint struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen []seenRequest
}

func newFakeEndpoint(t *testing.T, answers ...http.HandlerFunc) *fakeEndpoint {
	t.Helper()
	f := &fakeEndpoint{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.mu.Lock()
		n := len(f.seen)
		f.seen = append(f.seen, seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)})
		f.mu.Unlock()
		answers[min(n, len(answers)-1)](w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEndpoint) url() string { return f.srv.URL + "/token" }

func (f *fakeEndpoint) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// answer returns a handler writing status, the headers (name, value pairs)
// and body.
func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// okBody is a successful response carrying fxToken for an hour.
const okBody = `{"access_token":"` + fxToken + `","token_type":"Bearer","expires_in":3600}`

// testClient returns a Client on the fixed clock whose retries do not wait
// and have no jitter (waits are 0 unless the server says Retry-After).
func testClient(sleep *testenv.Sleeps) *Client {
	return &Client{
		HTTP:  &http.Client{Timeout: 5 * time.Second},
		Now:   func() time.Time { return fxNow },
		Retry: retry.Policy{Attempts: 4, Sleep: sleep.Sleep, Rand: func() float64 { return 0 }},
	}
}

// secretRequest is a client_secret_post request to url.
func secretRequest(url string) Request {
	return Request{TokenURL: url, Method: ClientSecretPost, ClientID: fxClientID, ClientSecret: fxSecret, Scope: "read"}
}

// assertNoLeak fails when any rendering of v contains one of the secrets.
func assertNoLeak(t *testing.T, v any, secrets ...string) {
	t.Helper()
	if v == nil {
		return
	}
	for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v)} {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("%q leaks a secret %q", s, secret)
			}
		}
	}
}

// defaultSecrets are the values no error may contain.
func defaultSecrets() []string {
	return []string{fxSecret, "s%2Be%3Dc%3Ar%25et", fxToken}
}
