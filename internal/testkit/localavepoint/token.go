package localavepoint

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Client authentication methods, the keys of Stats.TokenRequests.
const (
	MethodSecretPost  = "client_secret_post"
	MethodSecretBasic = "client_secret_basic"
	MethodPrivateKey  = "private_key_jwt"
	MethodNone        = "none"
)

// maxTokenForm bounds the token request body (IdentityServer caps a JWT at
// 50 KiB).
const maxTokenForm = 64 << 10

// rejection is a failed token request: the OAuth error, its HTTP status and
// the reason counted in Stats.TokenRejections.
type rejection struct {
	status      int
	code        string
	description string
	reason      string
}

func invalidClient(reason string) *rejection {
	return &rejection{status: http.StatusUnauthorized, code: "invalid_client", reason: reason}
}

func invalidRequest(reason, description string) *rejection {
	return &rejection{status: http.StatusBadRequest, code: "invalid_request", description: description, reason: reason}
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.reject(w, "", &rejection{status: http.StatusMethodNotAllowed, code: "invalid_request",
			description: "the token endpoint accepts POST only", reason: "method"})
		return
	}
	if s.tokenFault(w, r) {
		return
	}
	method, id, scopes, rej := s.tokenRequest(w, r)
	s.mu.Lock()
	s.stats.TokenRequests[method]++
	s.mu.Unlock()
	if rej != nil {
		s.reject(w, method, rej)
		return
	}
	tok, _ := s.issue(id, scopes, s.cfg.TokenLifetime)
	s.mu.Lock()
	s.stats.TokensIssued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"expires_in":   int64(s.cfg.TokenLifetime / time.Second),
		"token_type":   "Bearer",
		"scope":        strings.Join(scopes, " "),
	})
}

// tokenRequest validates a token request in IdentityServer's order: the
// form, the client's authentication, the grant type, then the scope.
func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request) (method, clientID string, scopes []string, rej *rejection) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return MethodNone, "", nil, invalidRequest("content_type", "the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		return MethodNone, "", nil, invalidRequest("malformed_form", "the form cannot be parsed")
	}
	form := r.PostForm
	for k, v := range form {
		if len(v) > 1 { // RFC 6749 §3.2
			return MethodNone, "", nil, invalidRequest("repeated_parameter", "parameter "+k+" is repeated")
		}
	}
	method, client, rej := s.authenticate(r, form)
	if rej != nil {
		return method, "", nil, rej
	}
	switch gt := form.Get("grant_type"); {
	case gt == "":
		return method, "", nil, invalidRequest("missing_grant_type", "grant_type is missing")
	case gt != "client_credentials":
		return method, "", nil, &rejection{status: http.StatusBadRequest, code: "unsupported_grant_type", reason: "unsupported_grant_type"}
	}
	requested := strings.Fields(form.Get("scope"))
	if len(requested) == 0 {
		return method, client.ID, append([]string(nil), client.Scopes...), nil
	}
	for _, sc := range requested {
		if !slices.Contains(client.Scopes, sc) {
			return method, "", nil, &rejection{status: http.StatusBadRequest, code: "invalid_scope", reason: "invalid_scope"}
		}
	}
	return method, client.ID, requested, nil
}

// authenticate finds the one client authentication method the request uses
// and verifies it.
func (s *Server) authenticate(r *http.Request, form url.Values) (string, Client, *rejection) {
	basicID, basicSecret, hasBasic, malformed := basicAuth(r)
	hasAssertion := form.Has("client_assertion") || form.Has("client_assertion_type")
	hasSecret := form.Has("client_secret")
	n := 0
	for _, b := range []bool{hasBasic || malformed, hasAssertion, hasSecret} {
		if b {
			n++
		}
	}
	if n > 1 { // RFC 6749 §2.3
		return MethodNone, Client{}, invalidRequest("multiple_methods", "more than one client authentication method")
	}
	switch {
	case malformed:
		return MethodSecretBasic, Client{}, invalidClient("malformed_basic")
	case hasBasic:
		if id := form.Get("client_id"); id != "" && id != basicID {
			return MethodSecretBasic, Client{}, invalidClient("client_id_mismatch")
		}
		c, rej := s.checkSecret(basicID, basicSecret)
		return MethodSecretBasic, c, rej
	case hasAssertion:
		c, rej := s.checkAssertion(form)
		return MethodPrivateKey, c, rej
	case hasSecret:
		c, rej := s.checkSecret(form.Get("client_id"), form.Get("client_secret"))
		return MethodSecretPost, c, rej
	}
	return MethodNone, Client{}, invalidClient("no_client_authentication")
}

func (s *Server) checkSecret(id, secret string) (Client, *rejection) {
	c, ok := s.client(id)
	if !ok {
		return Client{}, invalidClient("unknown_client")
	}
	if c.Secret == "" {
		return Client{}, invalidClient("no_secret_registered")
	}
	if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Client{}, invalidClient("bad_secret")
	}
	return c, nil
}

// basicAuth decodes a Basic Authorization header the way IdentityServer does:
// base64 of "id:secret" where both parts are form-urlencoded (RFC 6749
// §2.3.1). malformed reports a Basic header that cannot be decoded.
func basicAuth(r *http.Request) (id, secret string, ok, malformed bool) {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, false
	}
	encID, encSecret, ok := r.BasicAuth()
	if id = formUnescape(encID); !ok || id == "" {
		return "", "", false, true
	}
	return id, formUnescape(encSecret), true, false
}

// formUnescape undoes the form encoding. IdentityServer (.NET's
// Uri.UnescapeDataString after replacing '+') keeps an invalid escape as it
// is where url.QueryUnescape fails; then only '+' is undone, which refuses
// the same unencoded secrets.
func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

func (s *Server) reject(w http.ResponseWriter, method string, rej *rejection) {
	s.mu.Lock()
	s.stats.TokenRejections[rej.reason]++
	s.mu.Unlock()
	if rej.status == http.StatusUnauthorized && method == MethodSecretBasic {
		w.Header().Set("WWW-Authenticate", `Basic realm="identity"`)
	}
	body := map[string]any{"error": rej.code}
	if rej.description != "" {
		body["error_description"] = rej.description
	}
	writeJSON(w, rej.status, body)
}
