package localavepoint

import (
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clockSkew is IdentityServer's default tolerance on assertion times.
const clockSkew = 5 * time.Minute

// Thumbprint returns a certificate's SHA-1 thumbprint as uppercase hex, the
// form AvePoint shows and client assertions carry in "kid".
func Thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// checkAssertion verifies a private_key_jwt client assertion (RFC 7523 §3)
// against the registered certificate.
func (s *Server) checkAssertion(form url.Values) (Client, *rejection) {
	if form.Get("client_assertion_type") != assertionType {
		return Client{}, invalidClient("bad_assertion_type")
	}
	raw := form.Get("client_assertion")
	if raw == "" {
		return Client{}, invalidClient("malformed_assertion")
	}
	unverified, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return Client{}, invalidClient("malformed_assertion")
	}
	if unverified.Method.Alg() != jwt.SigningMethodRS256.Alg() {
		return Client{}, invalidClient("bad_algorithm")
	}
	claims := unverified.Claims.(jwt.MapClaims)
	iss, err1 := claims.GetIssuer()
	sub, err2 := claims.GetSubject()
	if err1 != nil || err2 != nil || iss == "" || iss != sub {
		return Client{}, invalidClient("bad_issuer")
	}
	if id := form.Get("client_id"); id != "" && id != iss {
		return Client{}, invalidClient("client_id_mismatch")
	}
	c, ok := s.client(iss)
	if !ok {
		return Client{}, invalidClient("unknown_client")
	}
	if c.Certificate == nil {
		return Client{}, invalidClient("no_certificate_registered")
	}
	if reason := checkKeyID(unverified.Header, c.Certificate.Raw); reason != "" &&
		(reason != "missing_key_id" || !s.cfg.AllowAssertionWithoutKeyID) {
		return Client{}, invalidClient(reason)
	}
	pub, ok := c.Certificate.PublicKey.(*rsa.PublicKey)
	if !ok {
		return Client{}, invalidClient("no_certificate_registered")
	}
	_, err = jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()).
		Parse(raw, func(*jwt.Token) (any, error) { return pub, nil })
	if err != nil {
		return Client{}, invalidClient("bad_signature")
	}
	aud, err := claims.GetAudience()
	if err != nil || !slices.Contains([]string(aud), s.TokenEndpoint()) {
		return Client{}, invalidClient("bad_audience")
	}
	if reason := s.checkTimes(claims); reason != "" {
		return Client{}, invalidClient(reason)
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return Client{}, invalidClient("missing_jti")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.jtis[jti]; seen {
		return Client{}, invalidClient("jti_reused")
	}
	s.jtis[jti] = s.now()
	return c, nil
}

// checkKeyID requires the header to name the certificate: kid as the
// uppercase hex SHA-1 thumbprint, or x5t as its base64url form. Every one
// present must match.
func checkKeyID(h map[string]any, der []byte) string {
	sum := sha1.Sum(der)
	kid, hasKid := h["kid"]
	x5t, hasX5t := h["x5t"]
	if !hasKid && !hasX5t {
		return "missing_key_id"
	}
	if hasKid {
		if s, ok := kid.(string); !ok || s != strings.ToUpper(hex.EncodeToString(sum[:])) {
			return "bad_key_id"
		}
	}
	if hasX5t {
		if s, ok := x5t.(string); !ok || s != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return "bad_key_id"
		}
	}
	return ""
}

// checkTimes applies IdentityServer's lifetime rules with its clock skew,
// plus a cap on how far ahead exp may be.
func (s *Server) checkTimes(claims jwt.MapClaims) string {
	now := s.now()
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return "missing_exp"
	}
	if !exp.After(now.Add(-clockSkew)) {
		return "expired"
	}
	if exp.After(now.Add(s.cfg.MaxAssertionLifetime)) {
		return "exp_too_far"
	}
	nbf, err := claims.GetNotBefore()
	if err != nil {
		return "malformed_assertion"
	}
	if nbf != nil && nbf.After(now.Add(clockSkew)) {
		return "not_yet_valid"
	}
	iat, err := claims.GetIssuedAt()
	if err != nil {
		return "malformed_assertion"
	}
	if iat != nil && iat.After(now.Add(clockSkew)) {
		return "issued_in_future"
	}
	return ""
}
