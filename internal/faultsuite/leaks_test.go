package faultsuite

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/logging"
)

// The sweep: every test here captures what a user or operator could see (the functions' slog
// records, the bootstraps' stdout and stderr, every error and every result) in a witness, and
// each witness is searched, when its test ends, for every secret the suite knows: the client
// secret, the private key (each line of its PEM body, PKCS#8 and PKCS#1), the PFX (chunks of its
// base64) and its password, and every access token any server issued (whole, and its payload and
// signature segments). Secrets are also searched in their URL, form, JSON-escaped and base64
// encodings, and as the Basic credentials. TestMain searches the union of all witnesses once more
// and fails the binary if anything was found or if nothing was captured at all.

// secretSet is the set of needles searched for, each with a label that names its origin without
// repeating it.
type secretSet struct {
	mu      sync.Mutex
	needles map[string]string
}

var secrets = &secretSet{needles: map[string]string{}}

func init() {
	secrets.add("client secret", clientSecret)
	secrets.add("pfx password", pfxPassword)
	basic := clientID + ":" + clientSecret
	secrets.put("basic credentials", base64.StdEncoding.EncodeToString([]byte(basic)))
	formBasic := url.QueryEscape(clientID) + ":" + url.QueryEscape(clientSecret)
	secrets.put("basic credentials (form)", base64.StdEncoding.EncodeToString([]byte(formBasic)))
}

func (s *secretSet) put(label, needle string) {
	if len(needle) < 8 {
		panic(fmt.Sprintf("faultsuite: needle %s too short to search for", label))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.needles[needle] = label
}

// add registers v and its encodings.
func (s *secretSet) add(label, v string) {
	s.put(label, v)
	s.put(label+" (query-escaped)", url.QueryEscape(v))
	s.put(label+" (path-escaped)", url.PathEscape(v))
	js, _ := json.Marshal(v)
	s.put(label+" (JSON)", strings.Trim(string(js), `"`))
	s.put(label+" (base64)", base64.StdEncoding.EncodeToString([]byte(v)))
}

// addKey registers every line of a PEM block's base64 body.
func (s *secretSet) addKey(p string) {
	for i, line := range strings.Split(p, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			s.put(fmt.Sprintf("private key (PEM line %d)", i), line)
		}
	}
}

// addChunks registers the 40-byte chunks of a long base64 value (a PFX).
func (s *secretSet) addChunks(b64 string) {
	for i := 0; i+40 <= len(b64); i += 40 {
		s.put(fmt.Sprintf("pfx (base64 bytes %d-%d)", i, i+40), b64[i:i+40])
	}
}

// addToken registers an access token: whole, and its JWT payload and signature segments (the
// header segment is shared by every token of a signer, so it is not a secret).
func (s *secretSet) addToken(tok string) {
	s.put("access token", tok)
	parts := strings.Split(tok, ".")
	for i, p := range parts {
		if i > 0 && len(p) >= 16 {
			s.put(fmt.Sprintf("access token (segment %d)", i), p)
		}
	}
}

// find returns the labels of the needles found in text.
func (s *secretSet) find(text string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []string
	for n, label := range s.needles {
		if strings.Contains(text, n) {
			found = append(found, label)
		}
	}
	sort.Strings(found)
	return found
}

// witness captures what one test's code showed the world.
type witness struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var (
	sweepMu    sync.Mutex
	sweepBytes int
	sweepFound []string
)

// newWitness returns a witness that is searched for secrets when t ends.
func newWitness(t testing.TB) *witness {
	w := &witness{}
	t.Cleanup(func() {
		text := w.String()
		found := secrets.find(text)
		sweepMu.Lock()
		sweepBytes += len(text)
		for _, f := range found {
			sweepFound = append(sweepFound, t.Name()+": "+f)
		}
		sweepMu.Unlock()
		if len(found) > 0 {
			t.Errorf("secret sweep: %s leaked into logs, errors or results: %s", t.Name(), strings.Join(found, ", "))
		}
	})
	return w
}

// Write makes the witness an io.Writer (log handlers, process output).
func (w *witness) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *witness) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// logger is the functions' JSON logger (internal/logging) at DEBUG, writing to the witness.
func (w *witness) logger() *slog.Logger { return logging.New(w, "DEBUG") }

// note records an error (its message and its %+v form) or a result (as JSON and %+v).
func (w *witness) note(vs ...any) {
	for _, v := range vs {
		switch v := v.(type) {
		case nil:
		case error:
			fmt.Fprintf(w, "%s\n%+v\n%#v\n", v.Error(), v, v)
		case string:
			io.WriteString(w, v+"\n")
		case []byte:
			w.Write(append(v, '\n'))
		default:
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "%s\n%+v\n", b, v)
		}
	}
}

// secretSweep is the one sweep over every failure path: it runs after all the others and fails
// if any witness held a secret, or if nothing at all was captured (a sweep of nothing proves
// nothing).
func secretSweep(t *testing.T) {
	sweepMu.Lock()
	defer sweepMu.Unlock()
	if len(sweepFound) > 0 {
		t.Errorf("secrets found in captured logs, errors or results:\n  %s", strings.Join(sweepFound, "\n  "))
	}
	if sweepBytes == 0 {
		t.Errorf("nothing was captured, so nothing was searched")
	}
	t.Logf("%d bytes of logs, errors and results searched for %d needles", sweepBytes, len(secrets.needles))
}

// TestSweepCatchesEveryEncoding plants each kind of leak in a witness and checks that the search
// finds it, so that a clean sweep means something.
func TestSweepCatchesEveryEncoding(t *testing.T) {
	k := fixtureKeys()
	secrets.addToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzd2VlcC10ZXN0In0.c2lnbmF0dXJlLW9mLXRoZS1zd2VlcA")
	lines := strings.Split(k.keyPEM, "\n")
	tests := []struct{ name, text string }{
		{"client secret", "error: bad " + clientSecret},
		{"query-escaped secret", "GET /token?client_secret=" + url.QueryEscape(clientSecret)},
		{"JSON in a log", `{"msg":"x","body":"` + clientSecret + `"}`},
		{"basic header", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret))},
		{"one PEM line", "key starts " + lines[3]},
		{"pfx chunk", "pfx " + k.pfxB64[80:200]},
		{"pfx password", "password " + pfxPassword},
		{"token signature", "token ...c2lnbmF0dXJlLW9mLXRoZS1zd2VlcA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if found := secrets.find(tt.text); len(found) == 0 {
				t.Errorf("got nothing found in %q; want a leak reported", tt.text)
			}
		})
	}
	if found := secrets.find(`{"level":"INFO","msg":"target refreshed","target":"idp","client_id":"` + clientID + `"}`); len(found) != 0 {
		t.Errorf("got %v in a clean record; want nothing", found)
	}
}
