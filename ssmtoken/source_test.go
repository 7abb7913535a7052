package ssmtoken_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// TestAgainstMoto reads parameters through the real SDK client against one
// moto_server, counting the GetParameter requests that reach it.
func TestAgainstMoto(t *testing.T) {
	motoEndpoint = testenv.Moto(t)
	t.Run("json cached until the margin", testCacheUntilMargin)
	t.Run("single flight", testSingleFlight)
	t.Run("raw jwt", testRawJWT)
	t.Run("raw opaque", testRawOpaque)
	t.Run("expired", testExpired)
	t.Run("missing parameter", testMissing)
	t.Run("access denied", testAccessDenied)
	t.Run("malformed value", testMalformed)
	t.Run("rotated token 401", testRotated401)
	t.Run("second 401", testSecond401)
	t.Run("body not replayable", testNotReplayable)
	t.Run("expired on re-read", testExpiredOnReread)
	t.Run("oauth2 client", testOAuth2Client)
}

func testCacheUntilMargin(t *testing.T) {
	w := setup(t)
	exp := w.now.Add(time.Hour)
	w.put(t, "/tokens/cache", jsonValue("first-token", exp))
	src := w.source("/tokens/cache")
	for i := range 10 {
		tok, err := src.Token()
		if err != nil || tok.AccessToken != "first-token" || tok.TokenType != "Bearer" || !tok.Expiry.Equal(exp) {
			t.Fatalf("Token #%d = %+v, %v; want first-token, Bearer, expiring %v", i, tok, err, exp)
		}
	}
	if got := w.reads(); got != 1 {
		t.Fatalf("got %d GetParameter requests for 10 Token calls; want 1", got)
	}
	w.put(t, "/tokens/cache", jsonValue("second-token", exp.Add(time.Hour)))
	w.now = exp.Add(-ssmtoken.DefaultMargin - time.Second)
	if tok, _ := src.Token(); tok.AccessToken != "first-token" || w.reads() != 1 {
		t.Errorf("got %q after %d reads a second before the margin; want first-token from the cache", tok.AccessToken, w.reads())
	}
	w.now = exp.Add(-ssmtoken.DefaultMargin)
	if tok, _ := src.Token(); tok.AccessToken != "second-token" || w.reads() != 2 {
		t.Errorf("got %q after %d reads at the margin; want second-token from a second read", tok.AccessToken, w.reads())
	}

	// A custom margin, and a token read inside it (the refresher is late):
	// handed out, and kept LateRecheck only.
	src = w.source("/tokens/cache")
	src.Margin = 90 * time.Minute
	w.proxy.Reset()
	for range 2 {
		if tok, err := src.Token(); err != nil || tok.AccessToken != "second-token" {
			t.Fatalf("Token inside the margin = %v, %v; want second-token", tok, err)
		}
	}
	w.now = w.now.Add(ssmtoken.LateRecheck - time.Second)
	_, _ = src.Token()
	if got := w.reads(); got != 1 {
		t.Errorf("got %d reads within LateRecheck of a late token; want 1", got)
	}
	w.now = w.now.Add(time.Second)
	_, _ = src.Token()
	if got := w.reads(); got != 2 {
		t.Errorf("got %d reads at LateRecheck; want 2", got)
	}
}

func testSingleFlight(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/flight", jsonValue("shared-token", w.now.Add(time.Hour)))
	// A slow SSM, so that every caller arrives while the first read is out.
	w.proxy.Add(awsfault.Rule{Op: getParameter, Delay: 300 * time.Millisecond})
	src := w.source("/tokens/flight")
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			<-start
			tok, err := src.TokenContext(context.Background())
			if err == nil && tok.AccessToken != "shared-token" {
				err = errors.New("got token " + tok.AccessToken)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := w.reads(); got != 1 {
		t.Errorf("got %d GetParameter requests for 100 concurrent callers; want 1", got)
	}
}

func testRawJWT(t *testing.T) {
	w := setup(t)
	exp := w.now.Add(30 * time.Minute)
	raw := signedJWT(t, "raw", exp)
	w.put(t, "/tokens/raw-jwt", raw)
	src := w.source("/tokens/raw-jwt")
	tok, err := src.Token()
	if err != nil || tok.AccessToken != raw || tok.TokenType != "Bearer" || !tok.Expiry.Equal(exp) {
		t.Fatalf("Token = %+v, %v; want the raw JWT, Bearer, expiring at its exp %v", tok, err, exp)
	}
	w.now = exp.Add(-2 * time.Minute)
	_, _ = src.Token()
	if got := w.reads(); got != 1 {
		t.Errorf("got %d reads before exp minus the margin; want 1", got)
	}
	w.now = exp
	_, err = src.Token()
	if !errors.Is(err, ssmtoken.ErrExpired) {
		t.Errorf("got %v at the JWT's exp; want ErrExpired", err)
	}
	noSecret(t, err, raw)
}

func testRawOpaque(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/raw", "opaque-token-1")
	src := w.source("/tokens/raw")
	tok, err := src.Token()
	if err != nil || tok.AccessToken != "opaque-token-1" || !tok.Expiry.Equal(w.now.Add(ssmtoken.DefaultRawTTL)) {
		t.Fatalf("Token = %+v, %v; want opaque-token-1 expiring after DefaultRawTTL", tok, err)
	}
	w.put(t, "/tokens/raw", "opaque-token-2")
	w.now = w.now.Add(ssmtoken.DefaultRawTTL - time.Second)
	if tok, _ := src.Token(); tok.AccessToken != "opaque-token-1" {
		t.Errorf("got %q within RawTTL; want the cached opaque-token-1", tok.AccessToken)
	}
	w.now = w.now.Add(time.Second)
	if tok, _ := src.Token(); tok.AccessToken != "opaque-token-2" || w.reads() != 2 {
		t.Errorf("got %q after %d reads at RawTTL; want opaque-token-2 from a second read", tok.AccessToken, w.reads())
	}
}

func testExpired(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/expired", jsonValue("stale-token", w.now.Add(-time.Minute)))
	src := w.source("/tokens/expired")
	tok, err := src.Token()
	if tok != nil || !errors.Is(err, ssmtoken.ErrExpired) {
		t.Fatalf("Token = %v, %v; want nil, ErrExpired", tok, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "/tokens/expired") || !strings.Contains(msg, "2026-11-22T06:59:00Z") {
		t.Errorf("got error %q; want the parameter and the expiry named", msg)
	}
	noSecret(t, err, "stale-token")
}

func testMissing(t *testing.T) {
	w := setup(t)
	_, err := ssmtoken.New(w.ssm, "/tokens/none").Token()
	var nf *types.ParameterNotFound
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "/tokens/none") {
		t.Errorf("got %v; want a ParameterNotFound naming /tokens/none", err)
	}
}

func testAccessDenied(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/denied", jsonValue("denied-token", w.now.Add(time.Hour)))
	w.proxy.Add(awsfault.Rule{Op: getParameter, Fault: awsfault.AccessDenied})
	_, err := ssmtoken.New(w.ssm, "/tokens/denied").Token()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" || !strings.Contains(err.Error(), "/tokens/denied") {
		t.Errorf("got %v; want AccessDeniedException naming /tokens/denied", err)
	}
	if got := w.reads(); got != 1 {
		t.Errorf("got %d GetParameter attempts; want 1 (access denied is not retried)", got)
	}
	noSecret(t, err, "denied-token")
}

func testMalformed(t *testing.T) {
	w := setup(t)
	tests := []struct{ name, value, want string }{
		{"/tokens/bad-json", `{"access_token":"half-written-token",`, "malformed JSON"},
		{"/tokens/no-token", `{"token_type":"Bearer","scope":"secret-scope"}`, "no access_token"},
	}
	for _, tt := range tests {
		w.put(t, tt.name, tt.value)
		_, err := ssmtoken.New(w.ssm, tt.name).Token()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("got %v; want %q naming %s", err, tt.want, tt.name)
		}
		noSecret(t, err, "half-written-token", "secret-scope")
	}
}

// TestLeaderGivesUp: a caller that gives up while its read is out does not
// fail the callers waiting for that read.
func TestLeaderGivesUp(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	api := getParameterFunc(func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-ctx.Done()
			return "", ctx.Err()
		}
		<-release
		return `{"access_token":"t","expires_at":"2999-01-01T00:00:00Z"}`, nil
	})
	src := ssmtoken.New(api, "/tokens/x")
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error)
	go func() { _, err := src.TokenContext(leaderCtx); leaderDone <- err }()
	<-started
	followerDone := make(chan error)
	go func() {
		tok, err := src.TokenContext(context.Background())
		if err == nil && tok.AccessToken != "t" {
			err = errors.New("wrong token")
		}
		followerDone <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Errorf("got leader error %v; want context.Canceled", err)
	}
	close(release)
	if err := <-followerDone; err != nil {
		t.Errorf("got follower error %v; want the token from its own read", err)
	}
}
