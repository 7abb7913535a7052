package ssmtoken_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenrelay/tokenrelay/internal/testkit/bearerapi"
	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// client is an HTTP client sending through src's Transport.
func client(src *ssmtoken.Source) *http.Client {
	return &http.Client{Transport: src.Transport(http.DefaultTransport), Timeout: 10 * time.Second}
}

func testRotated401(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/rot", jsonValue("token-one", w.now.Add(time.Hour)))
	a := bearerapi.Start(t, "token-one")
	src := w.source("/tokens/rot")
	c := client(src)
	if resp, err := c.Get(a.URL()); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET = %v, %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	// The refresher rotates the token; the API no longer takes the cached one.
	w.put(t, "/tokens/rot", jsonValue("token-two", w.now.Add(2*time.Hour)))
	a.Rotate("token-two")
	resp, err := c.Post(a.URL(), "application/json", bytes.NewReader([]byte(`{"q":1}`)))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST after rotation = %v, %v; want 200 after one re-read", resp, err)
	}
	resp.Body.Close()
	auths, bodies := a.Seen()
	want := []string{"Bearer token-one", "Bearer token-one", "Bearer token-two"}
	if strings.Join(auths, "|") != strings.Join(want, "|") {
		t.Errorf("got Authorization headers %q; want %q", auths, want)
	}
	if bodies[1] != `{"q":1}` || bodies[2] != `{"q":1}` {
		t.Errorf("got bodies %q; want the POST body sent twice", bodies[1:])
	}
	if got := w.reads(); got != 2 {
		t.Errorf("got %d GetParameter requests; want 2 (one re-read after the 401)", got)
	}
}

func testSecond401(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/refused", jsonValue("token-refused", w.now.Add(time.Hour)))
	a := bearerapi.Start(t, "another-token")
	src := w.source("/tokens/refused")
	resp, err := client(src).Get(a.URL())
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET = %v, %v; want the second 401 returned", resp, err)
	}
	resp.Body.Close()
	if auths, _ := a.Seen(); len(auths) != 2 || w.reads() != 2 {
		t.Errorf("got %d requests and %d reads; want 2 requests (one retry) and 2 reads", len(auths), w.reads())
	}
}

func testNotReplayable(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/stream", jsonValue("token-old", w.now.Add(time.Hour)))
	a := bearerapi.Start(t, "token-new")
	src := w.source("/tokens/stream")
	req, _ := http.NewRequest(http.MethodPost, a.URL(), io.NopCloser(strings.NewReader("stream")))
	if req.GetBody != nil {
		t.Fatal("the request body is replayable; the test needs one that is not")
	}
	resp, err := client(src).Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST = %v, %v; want the 401 returned", resp, err)
	}
	resp.Body.Close()
	if auths, _ := a.Seen(); len(auths) != 1 || w.reads() != 1 {
		t.Errorf("got %d requests and %d reads; want 1 request, not retried, and 1 read", len(auths), w.reads())
	}
	// The refused token was dropped: the next request reads the parameter.
	w.put(t, "/tokens/stream", jsonValue("token-new", w.now.Add(time.Hour)))
	resp, err = client(src).Get(a.URL())
	if err != nil || resp.StatusCode != http.StatusOK || w.reads() != 2 {
		t.Fatalf("next GET = %v, %v after %d reads; want 200 after a second read", resp, err, w.reads())
	}
	resp.Body.Close()
}

func testExpiredOnReread(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/dying", jsonValue("token-dying", w.now.Add(time.Hour)))
	a := bearerapi.Start(t, "nobody")
	src := w.source("/tokens/dying")
	if _, err := src.Token(); err != nil {
		t.Fatal(err)
	}
	w.put(t, "/tokens/dying", jsonValue("token-dead", w.now.Add(-time.Second)))
	_, err := client(src).Get(a.URL())
	if !errors.Is(err, ssmtoken.ErrExpired) || !strings.Contains(err.Error(), "/tokens/dying") {
		t.Errorf("got %v; want ErrExpired naming /tokens/dying once the re-read finds an expired token", err)
	}
	noSecret(t, err, "token-dying", "token-dead")
	// An expired token is never sent.
	a2 := bearerapi.Start(t, "nobody")
	src2 := w.source("/tokens/dying")
	if _, err := client(src2).Get(a2.URL()); !errors.Is(err, ssmtoken.ErrExpired) {
		t.Errorf("got %v; want ErrExpired", err)
	}
	if auths, _ := a2.Seen(); len(auths) != 0 {
		t.Errorf("got %d requests with an expired token; want none", len(auths))
	}
}

func testOAuth2Client(t *testing.T) {
	w := setup(t)
	w.put(t, "/tokens/oauth2", jsonValue("token-oauth2", time.Now().Add(time.Hour)))
	a := bearerapi.Start(t, "token-oauth2")
	c := oauth2.NewClient(context.Background(), ssmtoken.New(w.ssm, "/tokens/oauth2"))
	for range 3 {
		resp, err := c.Get(a.URL())
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET through oauth2.NewClient = %v, %v; want 200", resp, err)
		}
		resp.Body.Close()
	}
	if got := w.reads(); got != 1 {
		t.Errorf("got %d reads for 3 requests; want 1", got)
	}
}
