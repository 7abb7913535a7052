package localavepoint

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// AuditScope is the permission the audit API requires.
const AuditScope = "audit.read.all"

// testClientID is the client id of tokens made by IssueToken.
const testClientID = "local-test-client"

type accessToken struct {
	clientID string
	scopes   []string
	expires  time.Time
	calls    int
	revoked  bool
}

// issue signs and records an access token; the caller holds no lock.
func (s *Server) issue(clientID string, scopes []string, ttl time.Duration) (string, time.Time) {
	now := s.now()
	exp := now.Add(ttl)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss":       s.URL(),
		"nbf":       now.Unix(),
		"iat":       now.Unix(),
		"exp":       exp.Unix(),
		"aud":       s.URL() + "/resources",
		"scope":     scopes,
		"client_id": clientID,
		"jti":       strings.ToUpper(testrand.Hex(16)),
	})
	tok.Header["kid"] = s.keyID
	tok.Header["typ"] = "at+jwt"
	signed, err := tok.SignedString(s.signKey)
	if err != nil {
		panic("localavepoint: sign access token: " + err.Error())
	}
	s.mu.Lock()
	s.tokens[signed] = &accessToken{clientID: clientID, scopes: scopes, expires: exp}
	s.issued = append(s.issued, signed)
	s.mu.Unlock()
	return signed, exp
}

// Issued returns every access token the server issued, in order, for
// tests that compare what was stored or check that none leaked.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// IssueToken returns a valid access token for the space-separated scope,
// living ttl (0 means Config.TokenLifetime), as if a client had asked the
// token endpoint. Tests store it where the audit pull reads its token.
func (s *Server) IssueToken(scope string, ttl time.Duration) string {
	if ttl <= 0 {
		ttl = s.cfg.TokenLifetime
	}
	tok, _ := s.issue(testClientID, strings.Fields(scope), ttl)
	return tok
}

// RevokeToken makes token unknown to the audit API from now on (401), as a
// rotated credential or a server-side revocation would.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[token]; ok {
		t.revoked = true
	}
}

// authorize checks the request's bearer token and counts the call against
// it. It returns the HTTP status to answer (200 when allowed) and, for 401, a
// description for WWW-Authenticate.
func (s *Server) authorize(r *http.Request) (int, string) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return http.StatusUnauthorized, ""
	}
	token = strings.TrimSpace(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[token]
	switch {
	case !ok || t.revoked:
		return http.StatusUnauthorized, "The signature key was not found"
	case !s.now().Before(t.expires):
		return http.StatusUnauthorized, fmt.Sprintf("The token expired at '%s'", t.expires.UTC().Format("01/02/2006 15:04:05"))
	case s.faults.ExpireTokenAfterCalls > 0 && t.calls >= s.faults.ExpireTokenAfterCalls:
		return http.StatusUnauthorized, "The token expired"
	}
	t.calls++
	for _, sc := range t.scopes {
		if sc == AuditScope {
			return http.StatusOK, ""
		}
	}
	return http.StatusForbidden, ""
}
