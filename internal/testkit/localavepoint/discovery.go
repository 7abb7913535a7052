package localavepoint

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"sync"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// signingKey is generated once per process: RSA key generation is slow and
// every Server in a test binary may share it.
var signingKey = sync.OnceValues(func() (*rsa.PrivateKey, string) {
	key := testrand.RSAKey(2048)
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	return key, strings.ToUpper(hex.EncodeToString(sum[:16]))
})

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	s.stats.DiscoveryRequests++
	s.mu.Unlock()
	base := s.URL()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                           base,
		"jwks_uri":                                         base + "/.well-known/openid-configuration/jwks",
		"authorization_endpoint":                           base + "/connect/authorize",
		"token_endpoint":                                   base + "/connect/token",
		"userinfo_endpoint":                                base + "/connect/userinfo",
		"end_session_endpoint":                             base + "/connect/endsession",
		"revocation_endpoint":                              base + "/connect/revocation",
		"introspection_endpoint":                           base + "/connect/introspect",
		"frontchannel_logout_supported":                    true,
		"backchannel_logout_supported":                     true,
		"scopes_supported":                                 s.scopesSupported(),
		"claims_supported":                                 []string{"sub", "client_id", "scope"},
		"grant_types_supported":                            []string{"client_credentials"},
		"response_types_supported":                         []string{"token"},
		"response_modes_supported":                         []string{"form_post", "query", "fragment"},
		"token_endpoint_auth_methods_supported":            []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256"},
		"id_token_signing_alg_values_supported":            []string{"RS256"},
		"subject_types_supported":                          []string{"public"},
		"code_challenge_methods_supported":                 []string{"plain", "S256"},
		"request_parameter_supported":                      true,
	})
}

func (s *Server) scopesSupported() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, c := range s.cfg.Clients {
		for _, sc := range c.Scopes {
			if !seen[sc] {
				seen[sc] = true
				out = append(out, sc)
			}
		}
	}
	if !seen[AuditScope] {
		out = append(out, AuditScope)
	}
	return out
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	pub := s.signKey.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": s.keyID,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// writeJSON answers status with v as JSON. Encoding cannot fail for the
// maps and structs this package passes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
