package localavepoint

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

const (
	secretClientID = "edbdd4fa-0733-4cac-8a43-af4df3e97756"
	// testSecret holds characters that form-encoding changes, so that Basic
	// decoding is exercised.
	testSecret   = "3ZxG+sm/w%NG8:wFrz Y"
	certClientID = "5b1f7c1e-93a4-4d2b-9d55-0c6f1d0f2a11"
)

// fixedTime is the start of generated test ranges.
var fixedTime = time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC)

type testKey struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// newTestKey makes an RSA key with a self-signed certificate.
func newTestKey(cn string) testKey {
	key := testrand.RSAKey(2048)
	return testKey{key, testrand.SelfSigned(key, cn, time.Now())}
}

var (
	appKey   = sync.OnceValue(func() testKey { return newTestKey("app") })
	otherKey = sync.OnceValue(func() testKey { return newTestKey("attacker") })
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup starts a server with a secret client and a certificate client.
func setup(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Clients == nil {
		cfg.Clients = []Client{
			{ID: secretClientID, Secret: testSecret, Scopes: []string{AuditScope, "platformbackup.readwrite.all"}},
			{ID: certClientID, Certificate: appKey().cert, Scopes: []string{AuditScope}},
		}
	}
	s := New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// postToken posts form to the token endpoint, with Basic credentials when
// basic is not empty (already encoded).
func postToken(t *testing.T, s *Server, form url.Values, basic string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.TokenEndpoint(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}
	return do(t, req)
}

// formBasic encodes Basic credentials per RFC 6749 §2.3.1.
func formBasic(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}

func thumbprints(cert *x509.Certificate) (kid, x5t string) {
	sum := sha1.Sum(cert.Raw)
	return Thumbprint(cert.Raw), base64.RawURLEncoding.EncodeToString(sum[:])
}

// assertion signs a client assertion for certClientID, valid at now, after
// edit has changed its claims and header.
func assertion(t *testing.T, s *Server, now time.Time, k testKey, edit func(c jwt.MapClaims, h map[string]any)) string {
	t.Helper()
	c := jwt.MapClaims{
		"iss": certClientID,
		"sub": certClientID,
		"aud": s.TokenEndpoint(),
		"jti": testrand.UUID(),
		"iat": now.Add(-time.Minute).Unix(),
		"nbf": now.Add(-time.Minute).Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"], tok.Header["x5t"] = thumbprints(appKey().cert)
	if edit != nil {
		edit(c, tok.Header)
	}
	var key any = k.key
	if tok.Method == jwt.SigningMethodHS256 {
		key = []byte("shared")
	}
	signed, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign assertion: %v", err)
	}
	return signed
}

func assertionForm(a string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {AuditScope},
		"client_assertion_type": {assertionType},
		"client_assertion":      {a},
	}
}

// get fetches an audit URL with the bearer token (none when empty).
func get(t *testing.T, rawURL, token string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func auditURL(s *Server, start, end time.Time, extra url.Values) string {
	v := url.Values{}
	for k, vs := range extra {
		v[k] = vs
	}
	v.Set("startTime", start.Format(time.RFC3339))
	v.Set("endTime", end.Format(time.RFC3339))
	return s.URL() + "/aos/audit?" + v.Encode()
}

type page struct {
	NextLink *string           `json:"nextLink"`
	Data     []json.RawMessage `json:"data"`
}

func decodePage(t *testing.T, r reply) page {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("got status %d (%s); want 200", r.status, r.body)
	}
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("page is not JSON: %v", err)
	}
	return p
}

// fetchAll follows nextLinks from first and returns every record's bytes
// and the number of pages.
func fetchAll(t *testing.T, s *Server, first, token string) ([][]byte, int) {
	t.Helper()
	var out [][]byte
	link, pages := first, 0
	base, _ := url.Parse(s.URL())
	for link != "" {
		pages++
		if pages > 10000 {
			t.Fatalf("more than 10000 pages: a nextLink loop")
		}
		p := decodePage(t, get(t, link, token))
		for _, rec := range p.Data {
			out = append(out, rec)
		}
		link = ""
		if p.NextLink != nil {
			u, err := base.Parse(*p.NextLink)
			if err != nil {
				t.Fatalf("nextLink %q: %v", *p.NextLink, err)
			}
			link = u.String()
		}
	}
	return out, pages
}

func equalRecords(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records; want %d", len(got), len(want))
	}
	for i := range got {
		if string(got[i]) != string(want[i]) {
			t.Fatalf("record %d = %s; want %s", i, got[i], want[i])
		}
	}
}
