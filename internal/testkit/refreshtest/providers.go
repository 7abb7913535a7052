package refreshtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// endpoint is what the fake token endpoints share: counters, the tokens
// they issued and the requests that did not look like the provider's.
type endpoint struct {
	mu       sync.Mutex
	requests int
	issued   []string
	problems []string
}

// Requests returns how many requests the endpoint received.
func (e *endpoint) Requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

// Issued returns every token the endpoint handed out (access, refresh and
// id tokens), for leak checks.
func (e *endpoint) Issued() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.issued)
}

// Problems returns why requests were refused, one line each; a test
// expecting success wants none.
func (e *endpoint) Problems() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.problems)
}

func (e *endpoint) count() {
	e.mu.Lock()
	e.requests++
	e.mu.Unlock()
}

// refuse answers an RFC 6749 §5.2 error and records why, never with a
// credential.
func (e *endpoint) refuse(w http.ResponseWriter, status int, code, problem string) {
	e.mu.Lock()
	e.problems = append(e.problems, problem)
	e.mu.Unlock()
	writeJSON(w, status, map[string]any{"error": code, "error_description": problem})
}

// token makes a JWT-shaped access token expiring at exp and records it.
func (e *endpoint) token(subject string, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	jti := make([]byte, 12)
	_, _ = rand.Read(jti)
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	claims, _ := json.Marshal(map[string]any{"sub": subject, "exp": exp.Unix(), "jti": enc(jti)})
	tok := enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(claims) + "." + enc(sig)
	e.mu.Lock()
	e.issued = append(e.issued, tok)
	e.mu.Unlock()
	return tok
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// checkForm reads a POST form body and returns it, or why it is not one.
func checkForm(r *http.Request) (url.Values, string) {
	if r.Method != http.MethodPost {
		return nil, "method " + r.Method + ", want POST"
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil, "content type " + strconv.Quote(mt) + ", want application/x-www-form-urlencoded"
	}
	if r.URL.RawQuery != "" {
		return nil, "a query string on a POST"
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, "unreadable body"
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, "body is not a form"
	}
	return form, ""
}

// sameKeys reports, as a problem, parameters other than want's, or a value
// other than want's for the non-secret ones.
func sameKeys(got url.Values, want map[string]string) string {
	if k := slices.Sorted(maps.Keys(got)); !slices.Equal(k, slices.Sorted(maps.Keys(want))) {
		return fmt.Sprintf("parameters %v, want %v", k, slices.Sorted(maps.Keys(want)))
	}
	for k, v := range want {
		if len(got[k]) != 1 {
			return "parameter " + k + " repeated"
		}
		if k != "client_secret" && got.Get(k) != v {
			return fmt.Sprintf("%s=%q, want %q", k, got.Get(k), v)
		}
	}
	return ""
}

// Acronis is the Acronis Cyber Platform token endpoint: POST /bc/idp/token
// with HTTP Basic of base64("id:secret") exactly as the documentation
// builds it (no form encoding), body grant_type=client_credentials;
// answering expires_on (Unix seconds), an id_token and "token_type":
// "bearer".
type Acronis struct {
	endpoint
	// Clients maps client ids to secrets.
	Clients map[string]string
	// Lifetime is the tokens' lifetime; 0 means Acronis's two hours.
	Lifetime time.Duration
}

// ServeHTTP answers a token request as Acronis does, or refuses it saying
// how it differs.
func (a *Acronis) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.count()
	if r.URL.Path != "/bc/idp/token" {
		a.refuse(w, http.StatusNotFound, "not_found", "path "+r.URL.Path)
		return
	}
	form, problem := checkForm(r)
	if problem == "" {
		problem = sameKeys(form, map[string]string{"grant_type": "client_credentials"})
	}
	if problem != "" {
		a.refuse(w, http.StatusBadRequest, "invalid_request", problem)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || a.Clients[id] == "" || a.Clients[id] != secret {
		a.refuse(w, http.StatusUnauthorized, "invalid_client", "Basic credentials do not match a client (raw id:secret expected)")
		return
	}
	life := a.Lifetime
	if life == 0 {
		life = 2 * time.Hour
	}
	exp := time.Now().Add(life)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": a.token(id, exp),
		"expires_on":   exp.Unix(),
		"id_token":     a.token(id, exp),
		"token_type":   "bearer",
	})
}

// Virtana is Virtana's token endpoint: GET
// /authentication/oauth/token?grant_type=client_credentials&client_id=…&client_secret=…
// answering expires_in as a string, a refresh_token and a scope.
type Virtana struct {
	endpoint
	// Clients maps client ids to secrets.
	Clients map[string]string
	// Lifetime is the tokens' lifetime; 0 means twelve hours.
	Lifetime time.Duration
}

// ServeHTTP answers a token request as Virtana does, or refuses it saying
// how it differs.
func (v *Virtana) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.count()
	if r.URL.Path != "/authentication/oauth/token" {
		v.refuse(w, http.StatusNotFound, "not_found", "path "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet {
		v.refuse(w, http.StatusMethodNotAllowed, "invalid_request", "method "+r.Method+", want GET")
		return
	}
	if b, _ := io.ReadAll(io.LimitReader(r.Body, 1)); len(b) > 0 || r.Header.Get("Authorization") != "" {
		v.refuse(w, http.StatusBadRequest, "invalid_request", "a body or an Authorization header on the query method")
		return
	}
	q := r.URL.Query()
	id := q.Get("client_id")
	if problem := sameKeys(q, map[string]string{"grant_type": "client_credentials", "client_id": id, "client_secret": ""}); problem != "" {
		v.refuse(w, http.StatusBadRequest, "invalid_request", problem)
		return
	}
	if v.Clients[id] == "" || v.Clients[id] != q.Get("client_secret") {
		v.refuse(w, http.StatusUnauthorized, "invalid_client", "client_id and client_secret do not match a client")
		return
	}
	life := v.Lifetime
	if life == 0 {
		life = 12 * time.Hour
	}
	exp := time.Now().Add(life)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  v.token(id, exp),
		"refresh_token": v.token(id, exp.Add(24*time.Hour)),
		"expires_in":    strconv.FormatInt(int64(life/time.Second), 10),
		"scope":         "Scope",
		"token_type":    "Bearer",
	})
}
