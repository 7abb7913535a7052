package localavepoint

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestDiscovery(t *testing.T) {
	s := setup(t, Config{})
	r := get(t, s.URL()+"/.well-known/openid-configuration", "")
	if r.status != http.StatusOK {
		t.Fatalf("got status %d; want 200", r.status)
	}
	doc := r.json(t)
	for field, want := range map[string]string{
		"issuer":         s.URL(),
		"token_endpoint": s.URL() + "/connect/token",
		"jwks_uri":       s.URL() + "/.well-known/openid-configuration/jwks",
	} {
		if got := doc[field]; got != want {
			t.Errorf("got %s = %q; want %q", field, got, want)
		}
	}
	methods, _ := doc["token_endpoint_auth_methods_supported"].([]any)
	if len(methods) != 3 {
		t.Errorf("got token_endpoint_auth_methods_supported = %v; want the three methods", methods)
	}
	jwks := get(t, doc["jwks_uri"].(string), "").json(t)
	if keys, _ := jwks["keys"].([]any); len(keys) != 1 {
		t.Errorf("got jwks keys = %v; want one key", jwks["keys"])
	}
	if got := s.Stats().DiscoveryRequests; got != 1 {
		t.Errorf("got DiscoveryRequests = %d; want 1", got)
	}
}

func TestTokenAuthMethods(t *testing.T) {
	tests := []struct {
		name   string
		method string
		req    func(t *testing.T, s *Server) reply
	}{
		{"client_secret_post", MethodSecretPost, func(t *testing.T, s *Server) reply {
			return postToken(t, s, url.Values{"grant_type": {"client_credentials"}, "scope": {AuditScope},
				"client_id": {secretClientID}, "client_secret": {testSecret}}, "")
		}},
		{"client_secret_basic", MethodSecretBasic, func(t *testing.T, s *Server) reply {
			return postToken(t, s, url.Values{"grant_type": {"client_credentials"}, "scope": {AuditScope}},
				formBasic(secretClientID, testSecret))
		}},
		{"private_key_jwt", MethodPrivateKey, func(t *testing.T, s *Server) reply {
			return postToken(t, s, assertionForm(assertion(t, s, time.Now(), appKey(), nil)), "")
		}},
		{"private_key_jwt with kid only", MethodPrivateKey, func(t *testing.T, s *Server) reply {
			a := assertion(t, s, time.Now(), appKey(), func(_ jwt.MapClaims, h map[string]any) { delete(h, "x5t") })
			return postToken(t, s, assertionForm(a), "")
		}},
		{"private_key_jwt with x5t only and client_id", MethodPrivateKey, func(t *testing.T, s *Server) reply {
			a := assertion(t, s, time.Now(), appKey(), func(_ jwt.MapClaims, h map[string]any) { delete(h, "kid") })
			f := assertionForm(a)
			f.Set("client_id", certClientID)
			return postToken(t, s, f, "")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t, Config{})
			r := tt.req(t, s)
			if r.status != http.StatusOK {
				t.Fatalf("got status %d (%s); want 200", r.status, r.body)
			}
			body := r.json(t)
			if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["scope"] != AuditScope {
				t.Errorf("got response %v; want Bearer, expires_in 3600, scope %s", body, AuditScope)
			}
			tok, _ := body["access_token"].(string)
			claims := jwt.MapClaims{}
			if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
				t.Fatalf("access_token is not a JWT: %v", err)
			}
			if exp, _ := claims.GetExpirationTime(); exp == nil || time.Until(exp.Time) < 59*time.Minute {
				t.Errorf("got access token exp %v; want about an hour ahead", exp)
			}
			if got := get(t, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), tok).status; got != http.StatusOK {
				t.Errorf("audit call with the issued token: got status %d; want 200", got)
			}
			st := s.Stats()
			if st.TokenRequests[tt.method] != 1 || st.TokensIssued != 1 {
				t.Errorf("got TokenRequests = %v, TokensIssued = %d; want 1 %s", st.TokenRequests, st.TokensIssued, tt.method)
			}
		})
	}
}

func TestTokenScopeDefaultsToGranted(t *testing.T) {
	s := setup(t, Config{})
	r := postToken(t, s, url.Values{"grant_type": {"client_credentials"},
		"client_id": {secretClientID}, "client_secret": {testSecret}}, "")
	if got, want := r.json(t)["scope"], AuditScope+" platformbackup.readwrite.all"; got != want {
		t.Errorf("got scope = %q; want %q", got, want)
	}
}

func TestTokenRejected(t *testing.T) {
	good := func() url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "scope": {AuditScope},
			"client_id": {secretClientID}, "client_secret": {testSecret}}
	}
	with := func(edit func(url.Values)) url.Values { v := good(); edit(v); return v }
	rawBasic := base64.StdEncoding.EncodeToString([]byte(secretClientID + ":" + testSecret))
	tests := []struct {
		name        string
		form        url.Values
		basic       string
		contentType string
		status      int
		code        string
		reason      string
	}{
		{"wrong secret", with(func(v url.Values) { v.Set("client_secret", "wrong") }), "", "", 401, "invalid_client", "bad_secret"},
		{"unknown client", with(func(v url.Values) { v.Set("client_id", "nobody") }), "", "", 401, "invalid_client", "unknown_client"},
		{"no credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {secretClientID}}, "", "", 401, "invalid_client", "no_client_authentication"},
		{"secret for a certificate client", with(func(v url.Values) { v.Set("client_id", certClientID) }), "", "", 401, "invalid_client", "no_secret_registered"},
		{"basic wrong secret", url.Values{"grant_type": {"client_credentials"}}, formBasic(secretClientID, "wrong"), "", 401, "invalid_client", "bad_secret"},
		{"basic without form encoding", url.Values{"grant_type": {"client_credentials"}}, rawBasic, "", 401, "invalid_client", "bad_secret"},
		{"basic not base64", url.Values{"grant_type": {"client_credentials"}}, "%%%", "", 401, "invalid_client", "malformed_basic"},
		{"basic and post", good(), formBasic(secretClientID, testSecret), "", 400, "invalid_request", "multiple_methods"},
		{"basic with another client_id", url.Values{"grant_type": {"client_credentials"}, "client_id": {certClientID}}, formBasic(secretClientID, testSecret), "", 401, "invalid_client", "client_id_mismatch"},
		{"missing grant_type", with(func(v url.Values) { v.Del("grant_type") }), "", "", 400, "invalid_request", "missing_grant_type"},
		{"password grant", with(func(v url.Values) { v.Set("grant_type", "password") }), "", "", 400, "unsupported_grant_type", "unsupported_grant_type"},
		{"scope not granted", with(func(v url.Values) { v.Set("scope", AuditScope+" fly.graph.readwrite.all") }), "", "", 400, "invalid_scope", "invalid_scope"},
		{"repeated parameter", with(func(v url.Values) { v.Add("scope", AuditScope) }), "", "", 400, "invalid_request", "repeated_parameter"},
		{"JSON body", good(), "", "application/json", 400, "invalid_request", "content_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t, Config{})
			req, _ := http.NewRequest(http.MethodPost, s.TokenEndpoint(), strings.NewReader(tt.form.Encode()))
			ct := tt.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			if tt.basic != "" {
				req.Header.Set("Authorization", "Basic "+tt.basic)
			}
			r := do(t, req)
			if r.status != tt.status {
				t.Errorf("got status %d; want %d", r.status, tt.status)
			}
			if got := r.json(t)["error"]; got != tt.code {
				t.Errorf("got error = %q; want %q", got, tt.code)
			}
			if strings.Contains(string(r.body), testSecret) {
				t.Errorf("the response body %s contains the secret", r.body)
			}
			if tt.basic != "" && tt.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("got no WWW-Authenticate on a 401 to Basic credentials")
			}
			if got := s.Stats().TokenRejections[tt.reason]; got != 1 {
				t.Errorf("got TokenRejections = %v; want %s counted once", s.Stats().TokenRejections, tt.reason)
			}
			if got := s.Stats().TokensIssued; got != 0 {
				t.Errorf("got TokensIssued = %d; want 0", got)
			}
		})
	}
}

func TestTokenGetNotAllowed(t *testing.T) {
	s := setup(t, Config{})
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {secretClientID}, "client_secret": {testSecret}}
	r := get(t, s.TokenEndpoint()+"?"+q.Encode(), "")
	if r.status != http.StatusMethodNotAllowed {
		t.Errorf("got status %d; want 405", r.status)
	}
}

func TestAssertionRejected(t *testing.T) {
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	claim := func(k string, v any) func(jwt.MapClaims, map[string]any) {
		return func(c jwt.MapClaims, _ map[string]any) {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	}
	header := func(k string, v any) func(jwt.MapClaims, map[string]any) {
		return func(_ jwt.MapClaims, h map[string]any) {
			if v == nil {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
	}
	kid, _ := thumbprints(appKey().cert)
	tests := []struct {
		name   string
		key    testKey
		edit   func(jwt.MapClaims, map[string]any)
		form   func(url.Values)
		reason string
	}{
		{"forged signature", otherKey(), nil, nil, "bad_signature"},
		{"audience is the issuer", appKey(), func(c jwt.MapClaims, _ map[string]any) {
			c["aud"] = strings.TrimSuffix(c["aud"].(string), "/connect/token")
		}, nil, "bad_audience"},
		{"no audience", appKey(), claim("aud", nil), nil, "bad_audience"},
		{"sub differs from iss", appKey(), claim("sub", "someone-else"), nil, "bad_issuer"},
		{"unknown client", appKey(), func(c jwt.MapClaims, _ map[string]any) { c["iss"], c["sub"] = "nobody", "nobody" }, nil, "unknown_client"},
		{"client without certificate", appKey(), func(c jwt.MapClaims, _ map[string]any) { c["iss"], c["sub"] = secretClientID, secretClientID }, nil, "no_certificate_registered"},
		{"client_id differs", appKey(), nil, func(v url.Values) { v.Set("client_id", secretClientID) }, "client_id_mismatch"},
		{"expired beyond skew", appKey(), claim("exp", now.Add(-6*time.Minute).Unix()), nil, "expired"},
		{"exp too far ahead", appKey(), claim("exp", now.Add(11*time.Minute).Unix()), nil, "exp_too_far"},
		{"no exp", appKey(), claim("exp", nil), nil, "missing_exp"},
		{"nbf beyond skew", appKey(), claim("nbf", now.Add(6*time.Minute).Unix()), nil, "not_yet_valid"},
		{"iat beyond skew", appKey(), claim("iat", now.Add(6*time.Minute).Unix()), nil, "issued_in_future"},
		{"no jti", appKey(), claim("jti", nil), nil, "missing_jti"},
		{"lowercase kid", appKey(), header("kid", strings.ToLower(kid)), nil, "bad_key_id"},
		{"kid of another certificate", appKey(), header("kid", Thumbprint(otherKey().cert.Raw)), nil, "bad_key_id"},
		{"wrong x5t", appKey(), header("x5t", "AAAA"), nil, "bad_key_id"},
		{"neither kid nor x5t", appKey(), func(_ jwt.MapClaims, h map[string]any) { delete(h, "kid"); delete(h, "x5t") }, nil, "missing_key_id"},
		{"wrong assertion type", appKey(), nil, func(v url.Values) { v.Set("client_assertion_type", "urn:x") }, "bad_assertion_type"},
		{"not a JWT", appKey(), nil, func(v url.Values) { v.Set("client_assertion", "not.a.jwt") }, "malformed_assertion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t, Config{Now: func() time.Time { return now }})
			f := assertionForm(assertion(t, s, now, tt.key, tt.edit))
			if tt.form != nil {
				tt.form(f)
			}
			r := postToken(t, s, f, "")
			if r.status != http.StatusUnauthorized {
				t.Errorf("got status %d (%s); want 401", r.status, r.body)
			}
			if got := r.json(t)["error"]; got != "invalid_client" {
				t.Errorf("got error = %q; want invalid_client", got)
			}
			if got := s.Stats().TokenRejections; got[tt.reason] != 1 {
				t.Errorf("got TokenRejections = %v; want %s", got, tt.reason)
			}
		})
	}
}

func TestAssertionHS256Rejected(t *testing.T) {
	s := setup(t, Config{})
	a := assertion(t, s, time.Now(), appKey(), nil)
	// Re-sign the same claims with HS256 and the certificate's DER as the
	// shared key: the classic algorithm-confusion forgery.
	claims := jwt.MapClaims{}
	tok, _, _ := jwt.NewParser().ParseUnverified(a, claims)
	forged := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	forged.Header["kid"] = tok.Header["kid"]
	signed, _ := forged.SignedString(appKey().cert.Raw)
	r := postToken(t, s, assertionForm(signed), "")
	if r.status != http.StatusUnauthorized || s.Stats().TokenRejections["bad_algorithm"] != 1 {
		t.Errorf("got status %d, rejections %v; want 401 bad_algorithm", r.status, s.Stats().TokenRejections)
	}
}

func TestAssertionJTIReuse(t *testing.T) {
	s := setup(t, Config{})
	a := assertion(t, s, time.Now(), appKey(), nil)
	if r := postToken(t, s, assertionForm(a), ""); r.status != http.StatusOK {
		t.Fatalf("first use: got status %d (%s); want 200", r.status, r.body)
	}
	if r := postToken(t, s, assertionForm(a), ""); r.status != http.StatusUnauthorized {
		t.Errorf("replay: got status %d; want 401", r.status)
	}
	if got := s.Stats().TokenRejections["jti_reused"]; got != 1 {
		t.Errorf("got jti_reused = %d; want 1", got)
	}
}

// TestAssertionClockSkew: a client whose clock is four minutes off either
// way still gets a token (IdentityServer's five-minute skew).
func TestAssertionClockSkew(t *testing.T) {
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	for _, off := range []time.Duration{-4 * time.Minute, 4 * time.Minute} {
		t.Run(off.String(), func(t *testing.T) {
			s := setup(t, Config{Now: func() time.Time { return now }})
			r := postToken(t, s, assertionForm(assertion(t, s, now.Add(off), appKey(), nil)), "")
			if r.status != http.StatusOK {
				t.Errorf("got status %d (%s); want 200", r.status, r.body)
			}
		})
	}
}

func TestAssertionWithoutKeyID(t *testing.T) {
	noKeyID := func(_ jwt.MapClaims, h map[string]any) { delete(h, "kid"); delete(h, "x5t") }
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprint(allow), func(t *testing.T) {
			s := setup(t, Config{AllowAssertionWithoutKeyID: allow})
			want := http.StatusUnauthorized
			if allow {
				want = http.StatusOK
			}
			if r := postToken(t, s, assertionForm(assertion(t, s, time.Now(), appKey(), noKeyID)), ""); r.status != want {
				t.Errorf("got status %d; want %d", r.status, want)
			}
			forged := assertion(t, s, time.Now(), otherKey(), noKeyID)
			if r := postToken(t, s, assertionForm(forged), ""); r.status != http.StatusUnauthorized {
				t.Errorf("forged: got status %d; want 401", r.status)
			}
		})
	}
}
