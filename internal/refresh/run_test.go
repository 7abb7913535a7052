package refresh

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/targets"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// manyTargets is a document of n targets named t00, t01, ...
func manyTargets(n int) string { return manyTargetsAt(n, "http://127.0.0.1:1/token") }

// manyTargetsAt is manyTargets with tokenURL as every target's token_url.
func manyTargetsAt(n int, tokenURL string) string {
	var b strings.Builder
	b.WriteString(`{"targets":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"t%02d","secret_id":"s%02d","token_url":%q,"parameter_name":"/t%02d"}`, i, i, tokenURL, i)
	}
	b.WriteString("]}")
	return b.String()
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ concurrency, want int }{{3, 3}, {1, 1}, {0, DefaultConcurrency}} {
		t.Run(fmt.Sprint(tt.concurrency), func(t *testing.T) {
			t.Parallel()
			var inFlight, peak atomic.Int32
			r := newRefresher(t, manyTargets(20), newStore(nil))
			r.Concurrency = tt.concurrency
			r.Tokens = tokensFn(func(ctx context.Context, req oauth.Request) (*oauth.Token, error) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
				return issue(ctx, req)
			})
			res, err := r.Run(context.Background(), Event{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(res.Refreshed) != 20 {
				t.Fatalf("got %d refreshed; want 20", len(res.Refreshed))
			}
			if got := int(peak.Load()); got != tt.want {
				t.Errorf("got at most %d token requests at once; want %d", got, tt.want)
			}
		})
	}
}

// isolationDoc has five targets; b, c and d fail in different steps.
const isolationDoc = `{"targets":[
	{"name":"a","secret_id":"sa","token_url":"https://idp.example.com/token","parameter_name":"/a"},
	{"name":"b","secret_id":"bad-secret","token_url":"https://idp.example.com/token","parameter_name":"/b"},
	{"name":"c","secret_id":"sc","token_url":"https://refusing.example.com/token","parameter_name":"/c"},
	{"name":"d","secret_id":"sd","issuer":"https://broken.example.com","parameter_name":"/d"},
	{"name":"e","secret_id":"se","token_url":"https://idp.example.com/token","parameter_name":"/e"}]}`

func TestIsolation(t *testing.T) {
	t.Parallel()
	old := jsonValueAt(time.Minute, "")
	store := newStore(map[string]string{"/a": old, "/b": old, "/c": old, "/d": old, "/e": old})
	r := newRefresher(t, isolationDoc, store)
	r.Concurrency = 2
	r.Credentials = credsFn(func(ctx context.Context, id string) (credentials.Credentials, error) {
		if id == "bad-secret" {
			return credentials.Credentials{}, &credentials.FieldError{SecretID: id, Field: "client_id", Reason: "missing"}
		}
		return secretCreds(ctx, id)
	})
	r.Discovery = discoveryFn(func(context.Context, string) (string, error) {
		return "", errors.New("oauth: discovery: document is not JSON")
	})
	r.Tokens = tokensFn(func(ctx context.Context, req oauth.Request) (*oauth.Token, error) {
		if strings.Contains(req.TokenURL, "refusing") {
			return nil, &oauth.RetrieveError{URL: req.TokenURL, StatusCode: 400, ErrorCode: "invalid_client"}
		}
		return issue(ctx, req)
	})
	res, err := r.Run(context.Background(), Event{})
	var failed *FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("got error %v; want a *FailedError", err)
	}
	for _, name := range []string{"b", "c", "d"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name target %s", err, name)
		}
	}
	assertJSON(t, res, `{"refreshed":["a","e"],"skipped":[],"failed":[
		{"target":"b","error":"refresh: target \"b\": get credentials: credentials: secret bad-secret: client_id: missing"},
		{"target":"c","error":"refresh: target \"c\": request token: `+(&oauth.RetrieveError{URL: "https://refusing.example.com/token", StatusCode: 400, ErrorCode: "invalid_client"}).Error()+`"},
		{"target":"d","error":"refresh: target \"d\": find token endpoint: oauth: discovery: document is not JSON"}]}`)
	for _, name := range []string{"/b", "/c", "/d"} {
		if got := store.get(name); got != old || store.puts[name] != 0 {
			t.Errorf("failed target %s: value changed or written (%d puts); want it left intact", name, store.puts[name])
		}
	}
	for _, name := range []string{"/a", "/e"} {
		if store.puts[name] != 1 {
			t.Errorf("target %s: got %d puts; want 1", name, store.puts[name])
		}
	}
}

func TestStoreFailureIsIsolated(t *testing.T) {
	t.Parallel()
	store := newStore(nil)
	store.PutFn = func(name, value string) error {
		if name == "/b" {
			return fmt.Errorf("paramstore: put /b: ValidationException: value %s too long", value)
		}
		return nil
	}
	r := newRefresher(t, isolationDoc, store)
	r.Credentials = credsFn(secretCreds)
	res, err := r.Run(context.Background(), Event{Targets: []string{"a", "b"}})
	if err == nil {
		t.Fatal("Run succeeded; want an error naming target b")
	}
	if len(res.Failed) != 1 || res.Failed[0].Target != "b" || !reflect.DeepEqual(res.Refreshed, []string{"a"}) {
		t.Fatalf("got %+v; want a refreshed, b failed", res)
	}
	// The SDK error repeated the value: the refresher scrubs it.
	if msg := res.Failed[0].Error; strings.Contains(msg, "tok-id-sb") || !strings.Contains(msg, redact.Marker) {
		t.Errorf("got error %q; want the token redacted", msg)
	}
}

func TestErrorsAreScrubbed(t *testing.T) {
	t.Parallel()
	r := newRefresher(t, isolationDoc, newStore(nil))
	r.Tokens = tokensFn(func(_ context.Context, req oauth.Request) (*oauth.Token, error) {
		return nil, fmt.Errorf("server said: client_secret %s is wrong", req.ClientSecret)
	})
	res, err := r.Run(context.Background(), Event{Targets: []string{"a"}})
	if err == nil || len(res.Failed) != 1 {
		t.Fatalf("got %+v, %v; want target a failed", res, err)
	}
	for _, msg := range []string{res.Failed[0].Error, err.Error()} {
		if strings.Contains(msg, "secret-sa") || !strings.Contains(msg, "client_secret "+redact.Marker+" is wrong") {
			t.Errorf("got %q; want the client secret redacted", msg)
		}
	}
}

// A secret too short to remove from a message (under 4 characters) that
// appears in a failure's detail withholds the detail, in any form a server
// could echo it in.
func TestShortSecretsWithholdTheDetail(t *testing.T) {
	t.Parallel()
	for _, detail := range []string{`server said: client_secret q#z is wrong`, `bad secret "q%23z"`, `{"error":"q#z"}`} {
		e := &targetError{target: "a", step: "obtain token", err: errors.New(detail), secrets: []string{"q#z", "long-secret"}}
		msg := e.Error()
		if strings.Contains(msg, "q#z") || strings.Contains(msg, "q%23z") || !strings.Contains(msg, `target "a": obtain token: the detail is withheld`) {
			t.Errorf("detail %q: got %q; want it withheld", detail, msg)
		}
	}
	e := &targetError{target: "a", step: "obtain token", err: errors.New("invalid_client, secret long-secret"), secrets: []string{"q#z", "long-secret"}}
	if msg := e.Error(); msg != `refresh: target "a": obtain token: invalid_client, secret `+redact.Marker {
		t.Errorf("got %q; want the detail kept, its long secret redacted", msg)
	}
}

func TestRequestBuilding(t *testing.T) {
	t.Parallel()
	key := testrand.RSAKey(2048)
	doc := `{"defaults":{"params":{"audience":"api"},"default_lifetime":"2h"},"targets":[
		{"name":"post","secret_id":"secret","token_url":"https://idp.example.com/token","scope":"a b","parameter_name":"/post"},
		{"name":"jwt","secret_id":"key","issuer":"https://issuer.example.com","parameter_name":"/jwt"},
		{"name":"basic","secret_id":"secret","token_url":"https://acronis.example.com/bc/idp/token","auth_method":"client_secret_basic","basic_auth_encoding":"raw","parameter_name":"/basic"},
		{"name":"query","secret_id":"secret","token_url":"https://virtana.example.com/authentication/oauth/token","auth_method":"client_secret_query","parameter_name":"/query","params":{"tenant":"t1"}}]}`
	var mu sync.Mutex
	got := map[string]oauth.Request{}
	r := newRefresher(t, doc, newStore(nil))
	r.Credentials = credsFn(func(_ context.Context, id string) (credentials.Credentials, error) {
		if id == "key" {
			return credentials.Credentials{ClientID: "jwt-app", PrivateKey: key}, nil
		}
		return credentials.Credentials{ClientID: "app", ClientSecret: "s3cr3t"}, nil
	})
	r.Tokens = tokensFn(func(ctx context.Context, req oauth.Request) (*oauth.Token, error) {
		mu.Lock()
		got[req.TokenURL] = req
		mu.Unlock()
		return issue(ctx, req)
	})
	if _, err := r.Run(context.Background(), Event{}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := map[string]oauth.Request{
		"https://idp.example.com/token": {TokenURL: "https://idp.example.com/token", Method: oauth.ClientSecretPost, BasicEncoding: oauth.BasicForm, ClientID: "app", ClientSecret: "s3cr3t", Scope: "a b",
			Params: map[string]string{"audience": "api"}, DefaultLifetime: 2 * time.Hour},
		"https://issuer.example.com/connect/token": {TokenURL: "https://issuer.example.com/connect/token", Method: oauth.PrivateKeyJWT, BasicEncoding: oauth.BasicForm, ClientID: "jwt-app", PrivateKey: key,
			Params: map[string]string{"audience": "api"}, DefaultLifetime: 2 * time.Hour},
		"https://acronis.example.com/bc/idp/token": {TokenURL: "https://acronis.example.com/bc/idp/token", Method: oauth.ClientSecretBasic, BasicEncoding: oauth.BasicRaw, ClientID: "app", ClientSecret: "s3cr3t",
			Params: map[string]string{"audience": "api"}, DefaultLifetime: 2 * time.Hour},
		"https://virtana.example.com/authentication/oauth/token": {TokenURL: "https://virtana.example.com/authentication/oauth/token", Method: oauth.ClientSecretQuery, BasicEncoding: oauth.BasicForm, ClientID: "app", ClientSecret: "s3cr3t",
			Params: map[string]string{"audience": "api", "tenant": "t1"}, DefaultLifetime: 2 * time.Hour},
	}
	for url, w := range want {
		g, ok := got[url]
		if !ok {
			t.Errorf("no request to %s", url)
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("request to %s:\ngot  %+v\nwant %+v", url, g, w)
		}
	}
}

func TestStoredValueFormats(t *testing.T) {
	t.Parallel()
	doc := `{"targets":[
		{"name":"j","secret_id":"s","token_url":"https://idp.example.com/token","scope":"read","parameter_name":"/j"},
		{"name":"r","secret_id":"s","token_url":"https://idp.example.com/token","value_format":"raw","kms_key_id":"alias/tokens","parameter_name":"/r"}]}`
	store := newStore(nil)
	if _, err := newRefresher(t, doc, store).Run(context.Background(), Event{}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	assertJSONBytes(t, []byte(store.get("/j")), `{"access_token":"tok-id-s","token_type":"Bearer","expires_at":"2026-11-22T08:00:00Z","issued_at":"2026-11-22T07:00:00Z","scope":"read"}`)
	if got := store.get("/r"); got != "tok-id-s" {
		t.Errorf("got raw value %q; want %q", got, "tok-id-s")
	}
	if store.kms["/r"] != "alias/tokens" || store.kms["/j"] != "" {
		t.Errorf("got KMS keys %v; want alias/tokens for /r, the default for /j", store.kms)
	}
}

func TestConfigErrorsRunNothing(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, wantErr string }{
		{"invalid document", `{"targets":[{"name":"a","secret_id":"s","token_url":"http://idp.example.com/token","parameter_name":"/a"}]}`, `target "a": token_url`},
		{"unknown field", `{"targets":[{"name":"a","secret_id":"s","token_url":"https://idp.example.com/token","parameter_name":"/a","scopes":"x"}]}`, `scopes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newStore(nil)
			r := newRefresher(t, `{"targets":[{"name":"x","secret_id":"s","token_url":"https://idp.example.com/token","parameter_name":"/x"}]}`, store)
			r.Config = loaderFn(func(context.Context) (*targets.Document, error) { return targets.Parse([]byte(tt.doc)) })
			res, err := r.Run(context.Background(), Event{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "refresh: load configuration: config: ") {
				t.Fatalf("got error %v; want one about %q", err, tt.wantErr)
			}
			if res != nil || len(store.puts) != 0 {
				t.Errorf("got result %v, %d puts; want none", res, len(store.puts))
			}
		})
	}
}

func TestCancelledContextFailsEveryTarget(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := newRefresher(t, manyTargets(3), newStore(nil))
	r.Concurrency = 1
	r.Tokens = tokensFn(func(ctx context.Context, req oauth.Request) (*oauth.Token, error) { return nil, ctx.Err() })
	res, err := r.Run(ctx, Event{})
	if err == nil || res == nil || len(res.Failed) != 3 {
		t.Fatalf("got %+v, %v; want three failures", res, err)
	}
}

func TestCutoff(t *testing.T) {
	t.Parallel()
	deadline := fxNow.Add(time.Hour)
	tests := []struct {
		name    string
		left    time.Duration // at the run's start
		reserve time.Duration
	}{
		{"long invocation keeps writeReserve", 15 * time.Minute, writeReserve},
		{"exactly four reserves", 4 * writeReserve, writeReserve},
		{"short invocation keeps a quarter", 3 * time.Second, 750 * time.Millisecond},
		{"very short invocation keeps a quarter", 400 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := deadline.Sub(cutoff(deadline, deadline.Add(-tt.left))); got != tt.reserve {
			t.Errorf("%s: got reserve %v; want %v", tt.name, got, tt.reserve)
		}
	}
}

// TestHangingTokenEndpointEndsBeforeDeadline runs more targets than slots
// against a token endpoint that never answers, in a short invocation: the
// run must end before the deadline, every target failed and named, rather
// than as a Lambda timeout with no result.
func TestHangingTokenEndpointEndsBeforeDeadline(t *testing.T) {
	t.Parallel()
	const deadline = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	r := newRefresher(t, manyTargets(3), newStore(nil))
	r.Concurrency = 1
	r.Tokens = tokensFn(func(ctx context.Context, req oauth.Request) (*oauth.Token, error) {
		<-ctx.Done()
		return nil, fmt.Errorf("oauth: token request: %w", ctx.Err())
	})
	start := time.Now()
	res, err := r.Run(ctx, Event{})
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("Run returned after %v, at or past the %v deadline; want before it", took, deadline)
	}
	var failed *FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("got error %v; want a *FailedError", err)
	}
	if res == nil || len(res.Failed) != 3 || len(res.Refreshed) != 0 || len(res.Skipped) != 0 {
		t.Fatalf("got result %+v; want all three targets failed", res)
	}
	// Which target takes the one slot first is up to the scheduler.
	var started, waiting int
	for _, f := range res.Failed {
		prefix := fmt.Sprintf("refresh: target %q: ", f.Target)
		switch f.Error {
		case prefix + "request token: deadline near: timed out: oauth: token request: context deadline exceeded":
			started++
		case prefix + "wait for a slot: deadline near: not started":
			waiting++
		default:
			t.Errorf("target %s: got error %q; want it timed out at the cut-off or not started", f.Target, f.Error)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", f.Target)) {
			t.Errorf("error %q does not name target %s", err, f.Target)
		}
	}
	if started != 1 || waiting != 2 {
		t.Errorf("got %d targets timed out, %d not started; want 1 and 2", started, waiting)
	}
}

// TestWriteAfterCutoff checks that only the work before the write is cut
// off: a token obtained as the cut-off comes is still written, with the
// invocation's context.
func TestWriteAfterCutoff(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	store := &ctxStore{memStore: newStore(nil)}
	r := newRefresher(t, manyTargets(1), nil)
	r.Store = store
	var tokenDeadline time.Time
	r.Tokens = tokensFn(func(tctx context.Context, req oauth.Request) (*oauth.Token, error) {
		tokenDeadline, _ = tctx.Deadline()
		<-tctx.Done() // the token arrives just as the cut-off comes
		return issue(tctx, req)
	})
	res, err := r.Run(ctx, Event{})
	if err != nil || !reflect.DeepEqual(res.Refreshed, []string{"t00"}) {
		t.Fatalf("got %+v, %v; want t00 refreshed", res, err)
	}
	if d, _ := ctx.Deadline(); !tokenDeadline.Before(d) {
		t.Errorf("got token request deadline %v; want before the invocation's %v", tokenDeadline, d)
	}
	if store.putErr != nil {
		t.Errorf("Put got a done context (%v); want the invocation's", store.putErr)
	}
}

// ctxStore is a memStore that records whether Put's context was done.
type ctxStore struct {
	*memStore
	putErr error
}

func (s *ctxStore) Put(ctx context.Context, name, value, kmsKeyID string) error {
	s.putErr = ctx.Err()
	return s.memStore.Put(ctx, name, value, kmsKeyID)
}

func TestHandle(t *testing.T) {
	t.Parallel()
	store := newStore(map[string]string{"/b": jsonValueAt(3*time.Hour, "")})
	r := newRefresher(t, isolationDoc, store)
	r.Discovery = discoveryFn(func(context.Context, string) (string, error) { return "", errors.New("oauth: discovery: unreachable") })
	h := lambda.NewHandler(r.Handle)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})

	out, err := h.Invoke(ctx, []byte(`{"targets":["a","b"]}`))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	assertJSONBytes(t, out, `{"refreshed":["a"],"skipped":["b"],"failed":[]}`)

	_, err = h.Invoke(ctx, []byte(`{"targets":["d","e"]}`))
	if err == nil || !strings.Contains(err.Error(), "1 target(s) failed: d:") {
		t.Errorf("got error %v; want one naming target d", err)
	}
	if _, err := h.Invoke(ctx, []byte(`{"target":"a"}`)); err == nil || !strings.Contains(err.Error(), `unknown field "target"`) {
		t.Errorf("got error %v; want the unknown field named", err)
	}
}

func TestParseConcurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", DefaultConcurrency, false},
		{" ", DefaultConcurrency, false},
		{"1", 1, false},
		{"8", 8, false},
		{" 16 ", 16, false},
		{"64", 64, false},
		{"0", 0, true},
		{"-1", 0, true},
		{"65", 0, true},
		{"eight", 0, true},
		{"8.5", 0, true},
		{"1e3", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseConcurrency(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseConcurrency(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "REFRESHER_CONCURRENCY must be a whole number from 1 to 64") {
			t.Errorf("ParseConcurrency(%q) error %q does not say what is expected", tt.in, err)
		}
	}
}
