package refreshtest

import (
	"net/http"
	"strings"
	"time"
)

// Faults is a token endpoint for the failure paths, one path each; every
// path takes any client_secret_post request:
//
//   - /long: a 5000-byte access token (its JSON value needs the Advanced tier);
//   - /huge: a 9000-byte one (more than any parameter holds);
//   - /refuse: 400 invalid_client;
//   - /html: 200 with an HTML sign-in page;
//   - /echo: 401 invalid_client whose description and headers repeat the
//     client secret it received, as careless servers do;
//   - /insecure: an issuer whose discovery document names an http token
//     endpoint off loopback.
type Faults struct {
	endpoint
	// URL is the server's base URL, set by the caller once listening.
	URL string
}

// ServeHTTP fails each path in its own way.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/insecure/.well-known/openid-configuration" {
		writeJSON(w, http.StatusOK, map[string]any{"issuer": f.URL + "/insecure", "token_endpoint": "http://idp.example.com/connect/token"})
		return
	}
	f.count()
	form, problem := checkForm(r)
	if problem == "" && (form.Get("client_id") == "" || form.Get("client_secret") == "") {
		problem = "no client_secret_post credentials"
	}
	if problem != "" {
		f.refuse(w, http.StatusBadRequest, "invalid_request", problem)
		return
	}
	switch r.URL.Path {
	case "/long":
		f.padded(w, 5000)
	case "/huge":
		f.padded(w, 9000)
	case "/refuse":
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_client", "error_description": "client authentication failed"})
	case "/echo":
		secret := form.Get("client_secret")
		w.Header().Set("WWW-Authenticate", `Basic realm="`+secret+`"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": "client_secret " + secret + " is not valid", "secret": secret})
	case "/html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Sign in</form></body></html>"))
	default:
		f.refuse(w, http.StatusNotFound, "not_found", "path "+r.URL.Path)
	}
}

// padded answers an access token of n bytes: a JWT with a long claim.
func (f *Faults) padded(w http.ResponseWriter, n int) {
	tok := f.token("long", time.Now().Add(time.Hour))
	tok = tok + strings.Repeat("A", n-len(tok))
	f.mu.Lock()
	f.issued = append(f.issued, tok)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}
