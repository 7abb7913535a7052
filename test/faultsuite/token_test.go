package faultsuite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/refresh"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/targets"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// idp is a token endpoint whose behaviour each subtest sets.
type idp struct {
	srv      *httptest.Server
	stop     chan struct{} // closed when the test ends: slow handlers return
	handler  atomic.Pointer[http.HandlerFunc]
	requests atomic.Int32
	issued   atomic.Int32
}

func newIDP(t *testing.T) *idp {
	s := &idp{stop: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		(*s.handler.Load())(w, r)
	}))
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.stop) }) // runs first
	s.set(s.good)
	return s
}

func (s *idp) set(h http.HandlerFunc) {
	s.handler.Store(&h)
	s.requests.Store(0)
}

func (s *idp) url() string { return s.srv.URL + "/connect/token" }

// good issues a fresh access token, after checking the client secret.
func (s *idp) good(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_secret") != clientSecret || r.PostForm.Get("client_id") != clientID {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client"}`)
		return
	}
	tok := fmt.Sprintf("good-access-token-%d-%s", s.issued.Add(1), randHex(12))
	secrets.addToken(tok)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600,"scope":"audit.read.all"}`, tok)
}

// status answers code with body and content type ct.
func status(code int, ct, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

// firstThen answers the first n requests with bad, then with good.
func firstThen(n int32, bad, good http.HandlerFunc) http.HandlerFunc {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			bad(w, r)
			return
		}
		good(w, r)
	}
}

// tokenRig is a refresher with one target, "idp", whose credentials are in Secrets Manager and
// whose token goes to SSM, both on moto behind awsfault.
type tokenRig struct {
	aws      *awsEnv
	idp      *idp
	tokenURL atomic.Pointer[string]
	param    string
	secretID string
	stored   string // the value each subtest starts from
}

const idpTarget = "idp"

func newTokenRig(t *testing.T, e *awsEnv) *tokenRig {
	rig := &tokenRig{aws: e, idp: newIDP(t), param: "/tokens/idp-" + randHex(4), secretID: "faultsuite/idp-" + randHex(4)}
	u := rig.idp.url()
	rig.tokenURL.Store(&u)
	e.createSecret(t, rig.secretID, clientSecretJSON())
	return rig
}

// storeOld writes a previous, still valid token, the value every failure must leave intact.
func (r *tokenRig) storeOld(t *testing.T) {
	old := "previous-access-token-" + randHex(12)
	secrets.addToken(old)
	now := time.Now().UTC().Truncate(time.Second)
	v, err := paramstore.Encode(paramstore.Value{AccessToken: old, TokenType: "Bearer", IssuedAt: now.Add(-40 * time.Minute),
		ExpiresAt: now.Add(20 * time.Minute), Scope: "audit.read.all"}, paramstore.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	r.aws.putParam(t, r.param, v)
	r.stored = v
}

func (r *tokenRig) refresher(w *witness) *refresh.Refresher {
	doc := func() string {
		return fmt.Sprintf(`{"targets":[{"name":%q,"secret_id":%q,"token_url":%q,"auth_method":"client_secret_post",
			"scope":"audit.read.all","parameter_name":%q}]}`, idpTarget, r.secretID, *r.tokenURL.Load(), r.param)
	}
	return &refresh.Refresher{
		Config: targets.Loader{Getenv: func(k string) string {
			if k == targets.EnvInline {
				return doc()
			}
			return ""
		}},
		Credentials: credentials.Source{API: r.aws.sm},
		Tokens: &oauth.Client{
			HTTP:  httpclient.New(10 * time.Second),
			Retry: retry.Policy{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		},
		Store:  paramstore.Store{SSM: r.aws.ssm},
		Logger: w.logger(),
	}
}

// run invokes the refresher with force within deadline and returns its result, its error and
// how long it took.
func (r *tokenRig) run(t *testing.T, w *witness, deadline time.Duration) (*refresh.Result, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	res, err := r.refresher(w).Run(ctx, refresh.Event{Force: true})
	took := time.Since(start)
	w.note(res, err)
	return res, took, err
}

// assertFailedIntact checks a failed run: the error and the result name the target, the error
// says why (want), the run ended within its deadline, and the stored token is the old one.
func (r *tokenRig) assertFailedIntact(t *testing.T, res *refresh.Result, err error, took, deadline time.Duration, want ...string) {
	t.Helper()
	var fe *refresh.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("got error %v; want a *refresh.FailedError", err)
	}
	if !strings.Contains(err.Error(), `"`+idpTarget+`"`) && !strings.Contains(err.Error(), idpTarget+":") {
		t.Errorf("got error %q; want it to name target %q", err, idpTarget)
	}
	for _, s := range want {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("got error %q; want it to say %q", err, s)
		}
	}
	if res == nil || len(res.Failed) != 1 || res.Failed[0].Target != idpTarget || len(res.Refreshed) != 0 {
		t.Errorf("got result %+v; want only %q failed", res, idpTarget)
	}
	if took > deadline {
		t.Errorf("took %v; want within the invocation's deadline %v", took, deadline)
	}
	if got := r.aws.getParam(t, r.param); got != r.stored {
		t.Errorf("stored value changed after a failure:\n got %s\nwant %s", got, r.stored)
	}
}

// tokenEndpointFaults breaks the token endpoint in every way issue 5 lists, through the refresher
// (internal/refresh over internal/oauth), and checks that the stored token in SSM stays as it was
// until a good one replaces it, that the run ends within its deadline, and that the error names
// the target and says why.
func tokenEndpointFaults(t *testing.T, e *awsEnv) {
	rig := newTokenRig(t, e)
	const deadline = 5 * time.Second // targets stop at the refresher's cut-off, deadline − min(2s, a quarter of the time left)
	fail := func(name string, h http.HandlerFunc, want ...string) {
		t.Run(name, func(t *testing.T) {
			w := newWitness(t)
			rig.storeOld(t)
			rig.idp.set(h)
			res, took, err := rig.run(t, w, deadline)
			rig.assertFailedIntact(t, res, err, took, deadline, want...)
		})
	}

	t.Run("down", func(t *testing.T) {
		w := newWitness(t)
		rig.storeOld(t)
		port, err := testenv.FreePort() // nothing listens there: connection refused
		if err != nil {
			t.Fatal(err)
		}
		down := "http://127.0.0.1:" + strconv.Itoa(port) + "/connect/token"
		rig.tokenURL.Store(&down)
		defer func() { u := rig.idp.url(); rig.tokenURL.Store(&u) }()
		res, took, err := rig.run(t, w, deadline)
		rig.assertFailedIntact(t, res, err, took, deadline, "request token", "connection refused")
	})

	t.Run("slow past the deadline", func(t *testing.T) {
		w := newWitness(t)
		rig.storeOld(t)
		rig.idp.set(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-rig.idp.stop:
			case <-r.Context().Done():
			}
		})
		res, took, err := rig.run(t, w, deadline)
		rig.assertFailedIntact(t, res, err, took, deadline, "request token")
		if took < deadline-2*time.Second-100*time.Millisecond {
			t.Errorf("took %v; want the token request to use its time, deadline − 2s", took)
		}
	})

	t.Run("429 with Retry-After is honoured, then a good token replaces the old one", func(t *testing.T) {
		w := newWitness(t)
		rig.storeOld(t)
		rig.idp.set(firstThen(1, status(429, "application/json", `{"error":"slow_down"}`, "Retry-After", "1"), rig.idp.good))
		res, took, err := rig.run(t, w, deadline)
		if err != nil || len(res.Refreshed) != 1 {
			t.Fatalf("got %+v, %v; want %q refreshed", res, err, idpTarget)
		}
		if took < time.Second {
			t.Errorf("took %v; want at least the 1s Retry-After", took)
		}
		if n := rig.idp.requests.Load(); n != 2 {
			t.Errorf("got %d token requests; want 2", n)
		}
		rig.assertReplaced(t)
	})

	t.Run("429 with a Retry-After past the deadline fails at once", func(t *testing.T) {
		w := newWitness(t)
		rig.storeOld(t)
		rig.idp.set(status(429, "application/json", `{"error":"slow_down"}`, "Retry-After", "120"))
		res, took, err := rig.run(t, w, deadline)
		rig.assertFailedIntact(t, res, err, took, deadline, "429")
		if took > time.Second {
			t.Errorf("took %v; want no wait that cannot end before the deadline", took)
		}
	})

	t.Run("5xx burst is retried, then a good token replaces the old one", func(t *testing.T) {
		w := newWitness(t)
		rig.storeOld(t)
		rig.idp.set(firstThen(3, status(503, "application/json", `{"error":"temporarily_unavailable"}`), rig.idp.good))
		res, _, err := rig.run(t, w, deadline)
		if err != nil || len(res.Refreshed) != 1 {
			t.Fatalf("got %+v, %v; want %q refreshed", res, err, idpTarget)
		}
		if n := rig.idp.requests.Load(); n != 4 {
			t.Errorf("got %d token requests; want 4 (3 failed, 1 good)", n)
		}
		rig.assertReplaced(t)
	})

	fail("5xx that persists gives up within the deadline",
		status(500, "application/json", `{"error":"server_error"}`), "500")
	fail("HTML error page", status(502, "text/html",
		"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"), "502")
	fail("HTML page with 200", status(200, "text/html", "<!DOCTYPE html><html><body>Sign in</body></html>"), "JSON")
	fail("huge body", func(w http.ResponseWriter, r *http.Request) {
		tok := "huge-body-access-token-" + randHex(12)
		secrets.addToken(tok)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"padding":"%s","access_token":%q,"expires_in":3600}`, strings.Repeat("x", 2<<20), tok)
	}, "large")
	fail("JSON without access_token", status(200, "application/json", `{"token_type":"Bearer","expires_in":3600}`), "access_token")
	for _, exp := range []string{"-60", "0", "1e12", `"abc"`, "99999999999999999999"} {
		fail("expires_in "+exp, func(w http.ResponseWriter, r *http.Request) {
			tok := "bad-expiry-access-token-" + randHex(12)
			secrets.addToken(tok)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%s}`, tok, exp)
		}, "expires_in")
	}
	t.Run("redirect is not followed", func(t *testing.T) {
		w := newWitness(t)
		rig.storeOld(t)
		var followed atomic.Int32
		elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			followed.Add(1)
			rig.idp.good(w, r)
		}))
		defer elsewhere.Close()
		rig.idp.set(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/connect/token", http.StatusTemporaryRedirect)
		})
		res, took, err := rig.run(t, w, deadline)
		rig.assertFailedIntact(t, res, err, took, deadline, "307")
		if n := followed.Load(); n != 0 {
			t.Errorf("the redirect target got %d requests; want none (credentials never replayed)", n)
		}
	})
	fail("400 invalid_client is not retried", status(400, "application/json",
		`{"error":"invalid_client","error_description":"client authentication failed"}`), "invalid_client")
	t.Run("400 is sent once", func(t *testing.T) {
		if n := rig.idp.requests.Load(); n != 1 {
			t.Errorf("got %d token requests for a 400; want 1", n)
		}
	})
}

// assertReplaced checks that the stored value now holds a good token, not the old one.
func (r *tokenRig) assertReplaced(t *testing.T) {
	t.Helper()
	got := r.aws.getParam(t, r.param)
	if got == r.stored {
		t.Fatalf("stored value unchanged after a good token; want it replaced")
	}
	v, _, err := paramstore.Decode(got)
	if err != nil {
		t.Fatalf("decode stored value: %v", err)
	}
	if !strings.HasPrefix(v.AccessToken, "good-access-token-") || time.Until(v.ExpiresAt) < 59*time.Minute {
		t.Errorf("got stored %v; want a good token expiring in an hour", v)
	}
}
