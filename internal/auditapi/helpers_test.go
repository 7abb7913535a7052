package auditapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

const (
	token1 = "eyJhbGciOiJSUzI1NiJ9.first-secret-token.sig"
	token2 = "eyJhbGciOiJSUzI1NiJ9.rotated-secret-token.sig"
)

// fakeTokens returns tokens[0] first and the next one on each re-read.
type fakeTokens struct {
	mu     sync.Mutex
	tokens []string
	err    error
	calls  []bool   // whether each call was a re-read (refused not "")
	wrong  []string // the refused tokens that were not the last one returned
	last   string
}

func (f *fakeTokens) Token(_ context.Context, refused string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, refused != "")
	if refused != "" && refused != f.last {
		f.wrong = append(f.wrong, refused)
	}
	if f.err != nil {
		return "", f.err
	}
	i := 0
	for _, r := range f.calls[1:] {
		if r {
			i++
		}
	}
	f.last = f.tokens[min(i, len(f.tokens)-1)]
	return f.last, nil
}

func (f *fakeTokens) rereads() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.calls...)
}

// server is an httptest server recording the requests it receives.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *server) uris() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.URL.RequestURI())
	}
	return out
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.mu.Unlock()
		if h == nil {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// setup returns a client for srv with token1 (token2 after a re-read), a
// recording retry policy and a 2s HTTP timeout.
func setup(t *testing.T, srv *server) (*Client, *fakeTokens, *testenv.Sleeps) {
	t.Helper()
	base, err := BaseURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tokens := &fakeTokens{tokens: []string{token1, token2}}
	sl := &testenv.Sleeps{}
	c := &Client{
		HTTP:    httpclient.New(2 * time.Second),
		BaseURL: base,
		Tokens:  tokens,
		Retry:   retry.Policy{Attempts: 4, Sleep: sl.Sleep, Rand: func() float64 { return 0.5 }},
	}
	return c, tokens, sl
}

var (
	t0 = time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC)
	q1 = Query{Start: t0, End: t0.Add(time.Hour)}
)

// collect runs Pages and returns the pages' records as strings.
func collect(c *Client, q Query) ([][]string, error) {
	var pages [][]string
	err := c.Pages(context.Background(), q, func(r *Records) error {
		recs, err := all(r)
		if err != nil {
			return err
		}
		var p []string
		for _, r := range recs {
			p = append(p, string(r))
		}
		pages = append(pages, p)
		return nil
	})
	return pages, err
}

// all reads the remaining records with Item.
func all(r *Records) ([]json.RawMessage, error) {
	var items []json.RawMessage
	for r.Next() {
		item, err := r.Item()
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, r.Err()
}

// readByScan reads the records as auditpull does: each delimited by
// canonjson's scan of it (Records.Skip), or else read by Records.Item.
func readByScan(r *Records) ([]string, error) {
	var recs []string
	for r.Next() {
		rest := r.Rest()
		if _, _, n, err := canonjson.WithIDPrefix(nil, rest); err == nil && r.Skip(n) {
			recs = append(recs, string(rest[:n]))
			continue
		}
		item, err := r.Item()
		if err != nil {
			return recs, err
		}
		recs = append(recs, string(item))
	}
	return recs, r.Err()
}

// writePage writes an audit page; next "" writes null.
func writePage(w http.ResponseWriter, next string, records ...string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	link := "null"
	if next != "" {
		b, _ := json.Marshal(next)
		link = string(b)
	}
	fmt.Fprintf(w, `{"nextLink":%s,"data":[%s]}`, link, strings.Join(records, ","))
}

func rec(n int) string { return fmt.Sprintf(`{"actionName":"Login","objectName":"r%d"}`, n) }

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, tok := range []string{token1, token2, "secret-token"} {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error %q contains the token", err)
		}
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), "secret-token") {
			t.Errorf("wrapped error %q contains the token", e)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
