package localavepoint

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// Client is an app registration: an id with a client secret, a certificate,
// or both, and the scopes it may be granted.
type Client struct {
	// ID is the application (client) id.
	ID string
	// Secret, when set, allows client_secret_post and client_secret_basic.
	Secret string
	// Certificate, when set, allows private_key_jwt signed by its RSA key.
	Certificate *x509.Certificate
	// Scopes are the permissions granted to the app, e.g. "audit.read.all".
	// A token request without scope receives all of them.
	Scopes []string
}

// Config describes a local AvePoint. The zero value serves no clients and
// 60 records an hour.
type Config struct {
	// Clients are the app registrations the identity service accepts.
	Clients []Client
	// TokenLifetime is the access tokens' lifetime. 0 means 1h.
	TokenLifetime time.Duration
	// Seed selects the generated records; the same seed gives the same bytes.
	Seed int64
	// RecordsPerHour is the number of audit records in every hour. 0 means 60.
	RecordsPerHour int
	// PageSize is the number of records per page. 0 means 100.
	PageSize int
	// RelativeNextLink makes nextLink a path-absolute reference
	// ("/aos/audit?...") instead of an absolute URL.
	RelativeNextLink bool
	// MaxAssertionLifetime is how far ahead of now a client assertion's exp
	// may lie. 0 means 10m.
	MaxAssertionLifetime time.Duration
	// AllowAssertionWithoutKeyID accepts a client assertion whose header has
	// neither kid nor x5t, checking it against the registered certificate
	// (IdentityServer tries all of a client's keys). By default one of them
	// must name the certificate.
	AllowAssertionWithoutKeyID bool
	// Now is the server's clock. nil means time.Now.
	Now func() time.Time
}

// Stats counts what the server has answered since it started.
type Stats struct {
	// TokenRequests counts requests to the token endpoint by client
	// authentication method: "client_secret_post", "client_secret_basic",
	// "private_key_jwt" or "none".
	TokenRequests map[string]int
	// TokensIssued counts successful token responses.
	TokensIssued int
	// TokenRejections counts rejected token requests by reason, e.g.
	// "bad_secret", "bad_signature", "jti_reused", "invalid_scope".
	TokenRejections map[string]int
	// DiscoveryRequests counts discovery document requests.
	DiscoveryRequests int
	// AuditRequests counts requests to /aos/audit, whatever their outcome.
	AuditRequests int
	// AuditPages counts audit pages answered with 200 and JSON.
	AuditPages int
	// RecordsServed counts records in those pages.
	RecordsServed int
	// Unauthorized counts 401 answers from the audit API.
	Unauthorized int
	// Forbidden counts 403 answers from the audit API.
	Forbidden int
	// BadRequests counts 400 answers from the audit API.
	BadRequests int
	// TooManyRequests counts 429 answers, token endpoint included.
	TooManyRequests int
	// ServerErrors counts 5xx answers, token endpoint included.
	ServerErrors int
}

// Server is a local AvePoint. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	gen     *generator
	signKey *rsa.PrivateKey
	keyID   string

	mu       sync.Mutex
	ln       net.Listener
	srv      *http.Server
	url      string
	tokens   map[string]*accessToken
	issued   []string
	jtis     map[string]time.Time
	faults   Faults
	counters faultCounters
	released bool
	stats    Stats
}

// New returns a server for cfg; Start makes it listen.
func New(cfg Config) *Server {
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = time.Hour
	}
	if cfg.RecordsPerHour <= 0 {
		cfg.RecordsPerHour = 60
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.MaxAssertionLifetime <= 0 {
		cfg.MaxAssertionLifetime = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key, kid := signingKey()
	return &Server{
		cfg:     cfg,
		gen:     newGenerator(cfg.Seed, cfg.RecordsPerHour),
		signKey: key,
		keyID:   kid,
		tokens:  make(map[string]*accessToken),
		jtis:    make(map[string]time.Time),
		stats: Stats{
			TokenRequests:   make(map[string]int),
			TokenRejections: make(map[string]int),
		},
	}
}

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background until Close.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("localavepoint: listen on %s: %w", addr, err)
	}
	s.mu.Lock()
	if s.ln != nil {
		s.mu.Unlock()
		ln.Close()
		return errors.New("localavepoint: already started")
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	srv := s.srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }() // ErrServerClosed after Close
	return nil
}

// URL is the base URL of both the identity service and the audit API, such
// as "http://127.0.0.1:41234" (no trailing slash). It is empty before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// TokenEndpoint is URL() + "/connect/token", the audience of client
// assertions.
func (s *Server) TokenEndpoint() string { return s.URL() + "/connect/token" }

// Close stops listening and drops open connections, slow pages included.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.TokenRequests = make(map[string]int, len(s.stats.TokenRequests))
	for k, v := range s.stats.TokenRequests {
		st.TokenRequests[k] = v
	}
	st.TokenRejections = make(map[string]int, len(s.stats.TokenRejections))
	for k, v := range s.stats.TokenRejections {
		st.TokenRejections[k] = v
	}
	return st
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", s.serveDiscovery)
	mux.HandleFunc("/.well-known/openid-configuration/jwks", s.serveJWKS)
	mux.HandleFunc("/connect/token", s.serveToken)
	mux.HandleFunc("/aos/audit", s.serveAudit)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{
			"traceId": testrand.UUID(), "error": "Not Found", "statusCode": http.StatusNotFound,
		})
	})
	return mux
}

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) client(id string) (Client, bool) {
	for _, c := range s.cfg.Clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}
