// Package bearerapi is a loopback API that accepts one bearer token at a
// time, as a resource server does after its provider rotated the token, and
// records what it was sent, and the Rotation scenario the consumer
// examples are tested with: the tests of ssmtoken and of the examples walk
// the 401 path with them (README: "Reading a token from another Lambda").
package bearerapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// API is a running loopback API. It answers 200 {"ok":true} to a request
// whose Authorization is "Bearer <the accepted token>", and 401 with a
// WWW-Authenticate invalid_token challenge to any other.
type API struct {
	srv    *httptest.Server
	mu     sync.Mutex
	accept string
	auths  []string
	bodies []string
}

// Start starts an API accepting token; it stops when t ends.
func Start(t testing.TB, token string) *API {
	a := &API{accept: token}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

// URL is the API's root URL.
func (a *API) URL() string { return a.srv.URL }

// Rotate makes the API accept token only.
func (a *API) Rotate(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.accept = token
}

// Seen returns the Authorization headers and bodies received so far, in
// order.
func (a *API) Seen() (auths, bodies []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...), append([]string(nil), a.bodies...)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.auths = append(a.auths, r.Header.Get("Authorization"))
	a.bodies = append(a.bodies, string(body))
	if r.Header.Get("Authorization") != "Bearer "+a.accept {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_token"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}
