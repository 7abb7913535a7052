package faultsuite

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// The sweep: every test here captures what a user or operator could see (the functions' slog
// records, the bootstraps' stdout and stderr, every error and every result) in a witness, and
// each witness is searched, when its test ends, for every secret the suite knows: the client
// secret, the private key (PKCS#8 and PKCS#1 PEM), the PFX and its password, and every access
// token any server issued. refreshtest.Leaks finds them whole or, for keys and long blobs, in
// pieces (re-wrapped, JSON-escaped); the client secret and password are also searched in their
// URL, form, JSON and base64 encodings and as Basic credentials. secretSweep, the last subtest
// of TestFaults, checks the union of all witnesses once more, and that it was not empty.

// secretSet is the set of secrets searched for, each with a label that names its origin
// without repeating it.
type secretSet struct {
	mu     sync.Mutex
	values []string
	labels []string
}

var secrets = &secretSet{}

func init() {
	secrets.add("client secret", clientSecret)
	secrets.put("basic credentials", base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret)))
	formBasic := url.QueryEscape(clientID) + ":" + url.QueryEscape(clientSecret)
	secrets.put("basic credentials (form)", base64.StdEncoding.EncodeToString([]byte(formBasic)))
}

func (s *secretSet) put(label, v string) {
	if len(v) < 8 {
		panic(fmt.Sprintf("faultsuite: %s too short to search for", label))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values = append(s.values, v)
	s.labels = append(s.labels, label)
}

// add registers v and, when it is short enough to be typed into a request, its encodings.
func (s *secretSet) add(label, v string) {
	s.put(label, v)
	if len(v) > 200 {
		return // a key or a PFX: Leaks looks for its pieces
	}
	s.put(label+" (query-escaped)", url.QueryEscape(v))
	s.put(label+" (path-escaped)", url.PathEscape(v))
	js, _ := json.Marshal(v)
	s.put(label+" (JSON)", strings.Trim(string(js), `"`))
	s.put(label+" (base64)", base64.StdEncoding.EncodeToString([]byte(v)))
}

// addToken registers an access token: whole, and its JWT payload and signature segments (the
// header segment is shared by every token of a signer, so it is not a secret).
func (s *secretSet) addToken(tok string) {
	s.put("access token", tok)
	for i, p := range strings.Split(tok, ".") {
		if i > 0 && len(p) >= 16 {
			s.put(fmt.Sprintf("access token (segment %d)", i), p)
		}
	}
}

// find returns the labels of the secrets found in text.
func (s *secretSet) find(text string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []string
	for i, v := range s.values {
		if len(refreshtest.Leaks(text, []string{v})) > 0 {
			found = append(found, s.labels[i])
		}
	}
	sort.Strings(found)
	return slices.Compact(found)
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

// logger is the functions' JSON logger at DEBUG (testenv.Logger), writing to the witness.
func (w *witness) logger() *slog.Logger { return testenv.Logger(w) }

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
	t.Logf("%d bytes of logs, errors and results searched for %d needles", sweepBytes, len(secrets.values))
}

// TestSweepCatchesEveryEncoding plants each kind of leak in a text and checks that the search
// finds it, so that a clean sweep means something.
func TestSweepCatchesEveryEncoding(t *testing.T) {
	kp := newKeypair(t)
	secrets.addToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzd2VlcC10ZXN0In0.c2lnbmF0dXJlLW9mLXRoZS1zd2VlcA")
	keyJSON, _ := json.Marshal(kp.KeyPEM)
	tests := []struct{ name, text string }{
		{"client secret", "error: bad " + clientSecret},
		{"query-escaped secret", "GET /token?client_secret=" + url.QueryEscape(clientSecret)},
		{"basic header", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret))},
		{"key in a JSON log", `{"msg":"x","key":` + string(keyJSON) + `}`},
		{"a piece of the PFX", "pfx " + kp.PFX[100:160]},
		{"pfx password", "password " + kp.PFXPassword},
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
