package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

func TestTokenSuccess(t *testing.T) {
	t.Parallel()
	f := newFakeEndpoint(t, answer(200, `{"access_token":"`+fxToken+`","token_type":"bearer","expires_in":"1800","refresh_token":"rt-never-kept"}`))
	tok, err := testClient(&testenv.Sleeps{}).Token(context.Background(), secretRequest(f.url()))
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	want := Token{AccessToken: fxToken, TokenType: "Bearer", Scope: "read", IssuedAt: fxNow, Expiry: fxNow.Add(30 * time.Minute)}
	if *tok != want {
		t.Errorf("got %v; want %v", tok, want)
	}
	assertNoLeak(t, tok, fxToken, fxSecret, "rt-never-kept")
}

func TestTokenFailures(t *testing.T) {
	t.Parallel()
	huge := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, `{"access_token":"`+strings.Repeat("a", httpclient.MaxBody)+`"}`)
		}
	}
	tests := []struct {
		name         string
		answers      []http.HandlerFunc
		want         string
		wantAttempts int
		wantCode     string
	}{
		{
			name:         "400 invalid_grant is not retried",
			answers:      []http.HandlerFunc{answer(400, `{"error":"invalid_grant","error_description":"unknown grant"}`)},
			want:         "oauth: token endpoint {URL} answered 400 Bad Request: invalid_grant: unknown grant",
			wantAttempts: 1, wantCode: "invalid_grant",
		},
		{
			name:         "400 invalid_client is not retried",
			answers:      []http.HandlerFunc{answer(400, `{"error":"invalid_client","error_description":"wrong secret s+e=c:r%et"}`)},
			want:         "answered 400 Bad Request: invalid_client: wrong secret [REDACTED]",
			wantAttempts: 1, wantCode: "invalid_client",
		},
		{
			name:         "401 is not retried",
			answers:      []http.HandlerFunc{answer(401, `{"error":"invalid_client"}`, "WWW-Authenticate", "Basic")},
			want:         "answered 401 Unauthorized: invalid_client",
			wantAttempts: 1, wantCode: "invalid_client",
		},
		{
			name:         "200 with error is not retried",
			answers:      []http.HandlerFunc{answer(200, `{"error":"unauthorized_client"}`)},
			want:         "answered 200 OK: unauthorized_client",
			wantAttempts: 1, wantCode: "unauthorized_client",
		},
		{
			name:         "missing access_token",
			answers:      []http.HandlerFunc{answer(200, `{"token_type":"Bearer"}`)},
			want:         "oauth: token request to {URL}: response has no access_token",
			wantAttempts: 1,
		},
		{
			name:         "absurd expires_in",
			answers:      []http.HandlerFunc{answer(200, `{"access_token":"`+fxToken+`","expires_in":99999999999}`)},
			want:         "oauth: token request to {URL}: invalid expires_in 99999999999",
			wantAttempts: 1,
		},
		{
			name:         "negative expires_in",
			answers:      []http.HandlerFunc{answer(200, `{"access_token":"`+fxToken+`","expires_in":-1}`)},
			want:         "invalid expires_in -1",
			wantAttempts: 1,
		},
		{
			name:         "HTML page at 200",
			answers:      []http.HandlerFunc{answer(200, "<html><body>Sign in</body></html>", "Content-Type", "text/html")},
			want:         `answered 200 OK with a body that is not a JSON object (Content-Type text/html): "<html><body>Sign in</body></html>"`,
			wantAttempts: 1,
		},
		{
			name:         "HTML 502 is retried until attempts run out",
			answers:      []http.HandlerFunc{answer(502, "<html>Bad Gateway</html>", "Content-Type", "text/html")},
			want:         `retry: gave up after 4 attempts: oauth: token endpoint {URL} answered 502 Bad Gateway with a body that is not a JSON object (Content-Type text/html)`,
			wantAttempts: 4,
		},
		{
			name:         "garbage",
			answers:      []http.HandlerFunc{answer(200, "\x00\x7fgarbage")},
			want:         "not a JSON object",
			wantAttempts: 1,
		},
		{
			name:         "body over 1 MiB",
			answers:      []http.HandlerFunc{huge(200)},
			want:         "oauth: token request to {URL}: answered 200: httpclient: response body too large",
			wantAttempts: 1,
		},
		{
			name:         "body over 1 MiB on a 503 is retried",
			answers:      []http.HandlerFunc{huge(503), answer(200, `{"error":"invalid_scope"}`)},
			want:         "answered 200 OK: invalid_scope",
			wantAttempts: 2, wantCode: "invalid_scope",
		},
		{
			name: "redirect is not followed",
			answers: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/elsewhere?client_secret=s%2Be%3Dc%3Ar%25et", http.StatusTemporaryRedirect)
			}},
			want:         "answered 307 Temporary Redirect; redirects are not followed (Location /elsewhere)",
			wantAttempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeEndpoint(t, tt.answers...)
			c := testClient(&testenv.Sleeps{})
			c.HTTP = &http.Client{} // follows redirects; Token must not
			tok, err := c.Token(context.Background(), secretRequest(f.url()))
			if err == nil {
				t.Fatalf("Token = %v, nil; want an error", tok)
			}
			want := strings.ReplaceAll(tt.want, "{URL}", f.url())
			if !strings.Contains(err.Error(), want) {
				t.Errorf("got error %q; want it to contain %q", err, want)
			}
			assertNoLeak(t, err, defaultSecrets()...)
			if n := len(f.requests()); n != tt.wantAttempts {
				t.Errorf("got %d attempts; want %d", n, tt.wantAttempts)
			}
			var re *RetrieveError
			if errors.As(err, &re) && re.ErrorCode != tt.wantCode {
				t.Errorf("got ErrorCode %q; want %q", re.ErrorCode, tt.wantCode)
			}
			if tt.wantCode != "" && re == nil {
				t.Errorf("errors.As(*RetrieveError) found none in %v", err)
			}
		})
	}
}

func TestTokenRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answers   []http.HandlerFunc
		wantWaits []time.Duration
	}{
		{
			name:      "429 with Retry-After, then success",
			answers:   []http.HandlerFunc{answer(429, `{"error":"slow_down"}`, "Retry-After", "7"), answer(200, okBody)},
			wantWaits: []time.Duration{7 * time.Second},
		},
		{
			name: "429 with an HTTP-date Retry-After",
			answers: []http.HandlerFunc{
				answer(429, "", "Retry-After", fxNow.Add(time.Hour).Format(http.TimeFormat)),
				answer(200, okBody),
			},
			wantWaits: []time.Duration{time.Hour}, // measured on the client's clock
		},
		{
			name:      "5xx burst, then success",
			answers:   []http.HandlerFunc{answer(500, ""), answer(502, "<html/>", "Content-Type", "text/html"), answer(503, `{"error":"temporarily_unavailable"}`), answer(200, okBody)},
			wantWaits: []time.Duration{0, 0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeEndpoint(t, tt.answers...)
			sleep := &testenv.Sleeps{}
			tok, err := testClient(sleep).Token(context.Background(), secretRequest(f.url()))
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if tok.AccessToken != fxToken {
				t.Errorf("got AccessToken %q; want %q", tok.AccessToken, fxToken)
			}
			if n := len(f.requests()); n != len(tt.answers) {
				t.Errorf("got %d attempts; want %d", n, len(tt.answers))
			}
			waits := sleep.Waits()
			if len(waits) != len(tt.wantWaits) {
				t.Fatalf("got waits %v; want %v", waits, tt.wantWaits)
			}
			for i := range waits {
				if waits[i] != tt.wantWaits[i] {
					t.Errorf("got waits %v; want %v", waits, tt.wantWaits)
				}
			}
		})
	}
}

func TestTokenRetryAfterPastDeadline(t *testing.T) {
	t.Parallel()
	f := newFakeEndpoint(t, answer(429, `{"error":"slow_down"}`, "Retry-After", "30"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sleep := &testenv.Sleeps{}
	start := time.Now()
	_, err := testClient(sleep).Token(ctx, secretRequest(f.url()))
	if err == nil || !strings.Contains(err.Error(), "would pass the deadline") || !strings.Contains(err.Error(), "429") {
		t.Fatalf("got error %v; want a give-up before the deadline naming the 429", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("got %d attempts; want 1", n)
	}
	if len(sleep.Waits()) != 0 || time.Since(start) > 2*time.Second {
		t.Errorf("waited %v (%v); want no wait", sleep.Waits(), time.Since(start))
	}
	var re *RetrieveError
	if !errors.As(err, &re) || re.RetryAfter() != 30*time.Second {
		t.Errorf("got %v; want a *RetrieveError with RetryAfter 30s", err)
	}
}

// TestTokenRetriesStopAtDeadline uses real waits: a slow, failing server and
// a short deadline. Retries must end at the deadline, not after it.
func TestTokenRetriesStopAtDeadline(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	c := &Client{HTTP: &http.Client{Timeout: 5 * time.Second}, Retry: retry.Policy{Attempts: 50, Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}}
	start := time.Now()
	_, err := c.Token(ctx, secretRequest(srv.URL+"/token"))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Token succeeded; want an error")
	}
	if elapsed > 1200*time.Millisecond {
		t.Errorf("Token returned after %v; want at most ~700ms", elapsed)
	}
	if n := hits.Load(); n < 2 || n >= 50 {
		t.Errorf("got %d attempts; want a few, cut by the deadline", n)
	}
	if !strings.Contains(err.Error(), "503") && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got error %q; want the 503 or the deadline", err)
	}
	assertNoLeak(t, err, defaultSecrets()...)
}

func TestTokenCancelledContext(t *testing.T) {
	t.Parallel()
	t.Run("before the call", func(t *testing.T) {
		t.Parallel()
		f := newFakeEndpoint(t, answer(200, okBody))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := testClient(&testenv.Sleeps{}).Token(ctx, secretRequest(f.url()))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got error %v; want context.Canceled", err)
		}
		if retry.Retryable(err) {
			t.Errorf("error %v is retryable; want not", err)
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("got %d requests; want 0", n)
		}
	})
	t.Run("during the request", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		f := newFakeEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
		})
		sleep := &testenv.Sleeps{}
		_, err := testClient(sleep).Token(ctx, Request{TokenURL: f.url() + "?x=1", Method: ClientSecretQuery, ClientID: fxClientID, ClientSecret: fxSecret})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got error %v; want context.Canceled", err)
		}
		if n := len(f.requests()); n != 1 || len(sleep.Waits()) != 0 {
			t.Errorf("got %d requests and waits %v; want 1 and none", n, sleep.Waits())
		}
		assertNoLeak(t, err, defaultSecrets()...)
	})
}

// TestTransportErrorsHideTheQuery makes client_secret_query requests fail in
// the transport: Go's *url.Error would print the URL with the secret.
func TestTransportErrorsHideTheQuery(t *testing.T) {
	t.Parallel()
	var hangups atomic.Int32
	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hangups.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(hangup.Close)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	// Closed last: a server started after it could be given its port, and answer instead of
	// refusing the connection.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		want    string
	}{
		{"connection refused", closedURL + "/oauth/token", 5 * time.Second, "oauth: token request to " + closedURL + "/oauth/token: dial tcp"},
		{"connection closed", hangup.URL + "/oauth/token", 5 * time.Second, "oauth: token request to " + hangup.URL + "/oauth/token: EOF"},
		{"client timeout", slow.URL + "/oauth/token", 100 * time.Millisecond, "Client.Timeout exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sleep := &testenv.Sleeps{}
			c := testClient(sleep)
			c.HTTP = &http.Client{Timeout: tt.timeout}
			c.Retry.Attempts = 2
			_, err := c.Token(context.Background(), Request{TokenURL: tt.url, Method: ClientSecretQuery, ClientID: fxClientID, ClientSecret: fxSecret})
			if err == nil {
				t.Fatal("Token succeeded; want an error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "gave up after 2 attempts") {
				t.Errorf("got error %q; want it to contain %q after 2 attempts", err, tt.want)
			}
			if strings.Contains(err.Error(), "client_secret") || strings.Contains(err.Error(), "?") {
				t.Errorf("error %q shows the query string", err)
			}
			assertNoLeak(t, err, defaultSecrets()...)
			var opErr *net.OpError
			if tt.name == "connection refused" && !errors.As(err, &opErr) {
				t.Errorf("errors.As(*net.OpError) failed on %v; want the cause reachable", err)
			}
		})
	}
}

// TestTLSFailureIsNotRetried: a certificate the client does not trust will
// not become trusted by asking again.
func TestTLSFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	sleep := &testenv.Sleeps{}
	c := testClient(sleep)
	c.HTTP = httpclient.New(5 * time.Second) // does not trust httptest's CA
	_, err := c.Token(context.Background(), secretRequest(srv.URL+"/token"))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("got error %v; want a certificate error", err)
	}
	if len(sleep.Waits()) != 0 {
		t.Errorf("got waits %v; want no retry", sleep.Waits())
	}
}

// TestTokenNeverLeaks sweeps success and failure paths of every method and
// checks no error or result shows the secret, the assertion or the token.
func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	answers := map[string]http.HandlerFunc{
		"success":    answer(200, okBody),
		"echo error": echoForm(400),
		"echo 200":   echoForm(200),
		"echo html":  echoHTML,
		"invalid":    answer(200, `{"access_token":"`+fxToken+`","expires_in":-3}`),
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example.com/?"+r.URL.RawQuery, http.StatusFound)
		},
	}
	methods := []Request{
		{Method: ClientSecretPost, ClientSecret: fxSecret},
		{Method: ClientSecretBasic, ClientSecret: fxSecret},
		{Method: ClientSecretBasic, BasicEncoding: BasicRaw, ClientSecret: fxSecret},
		{Method: ClientSecretQuery, ClientSecret: fxSecret},
		{Method: PrivateKeyJWT, PrivateKey: fxKey(), Certificate: fxCert()},
	}
	for name, h := range answers {
		for _, m := range methods {
			t.Run(name+"/"+string(m.Method)+string(m.BasicEncoding), func(t *testing.T) {
				t.Parallel()
				var assertion atomic.Value
				f := newFakeEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
					_ = r.ParseForm()
					assertion.Store(r.Form.Get("client_assertion"))
					h(w, r)
				})
				r := m
				r.TokenURL, r.ClientID, r.Scope = f.url(), fxClientID, "read"
				tok, err := testClient(&testenv.Sleeps{}).Token(context.Background(), r)
				secrets := append(defaultSecrets(), "bXktYXBwOnMrZT1jOnIlZXQ=", "bXktYXBwOnMlMkJlJTNEYyUzQXIlMjVldA==")
				if a, _ := assertion.Load().(string); a != "" {
					secrets = append(secrets, a)
				}
				assertNoLeak(t, err, secrets...)
				if tok != nil {
					assertNoLeak(t, tok, secrets...)
				}
				if (name == "success") != (err == nil) {
					t.Errorf("got error %v; want one only on failure paths", err)
				}
			})
		}
	}
}

// echoForm answers with an OAuth error whose description repeats
// everything the request carried.
func echoForm(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		desc := r.URL.RawQuery + " " + r.Form.Encode() + " " + r.Header.Get("Authorization") + " " + r.Form.Get("client_secret") + " " + r.Form.Get("client_assertion")
		b, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": desc, "access_token": fxToken})
		w.Write(b)
	}
}

// echoHTML answers a 400 HTML page repeating the request's credentials.
func echoHTML(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadRequest)
	io.WriteString(w, "<p>"+r.Form.Get("client_secret")+" "+r.Form.Get("client_assertion")+"</p>")
}
