package auditapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/redact"
)

func TestPagesUnauthorized(t *testing.T) {
	t.Run("rotated token", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if bearer(r) != token2 {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"traceId":"t-1","error":"Unauthorized","statusCode":401}`)
				return
			}
			if r.URL.Query().Get("skipToken") == "" {
				writePage(w, "/aos/audit?skipToken=2", rec(1))
				return
			}
			writePage(w, "", rec(2))
		})
		c, tokens, sl := setup(t, srv)
		pages, err := collect(c, q1)
		if err != nil {
			t.Fatalf("Pages error: %v", err)
		}
		if want := [][]string{{rec(1)}, {rec(2)}}; !reflect.DeepEqual(pages, want) {
			t.Errorf("got pages %q; want %q", pages, want)
		}
		if got := tokens.rereads(); !reflect.DeepEqual(got, []bool{false, true}) {
			t.Errorf("got Token calls %v; want [false true]", got)
		}
		if len(tokens.wrong) != 0 {
			t.Errorf("re-reads named refused tokens %d times that were not the one sent; want the one sent", len(tokens.wrong))
		}
		if srv.count() != 3 || srv.requests[0].URL.String() != srv.requests[1].URL.String() {
			t.Errorf("got requests %q; want page 1 twice, then page 2", srv.uris())
		}
		if len(sl.Waits()) != 0 {
			t.Errorf("got waits %v; want none for a 401", sl.Waits())
		}
	})
	t.Run("one re-read per query", func(t *testing.T) {
		// Every other request is refused: each query gets its own re-read.
		var n int
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n++; n%2 == 1 {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			writePage(w, "", rec(n))
		})
		c, tokens, _ := setup(t, srv)
		for i := range 2 {
			if _, err := collect(c, q1); err != nil {
				t.Fatalf("query %d: Pages error: %v", i+1, err)
			}
		}
		if got := tokens.rereads(); !reflect.DeepEqual(got, []bool{false, true, false, true}) {
			t.Errorf("got Token calls %v; want [false true false true]", got)
		}
	})
	t.Run("token expires mid-pagination", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			skip := r.URL.Query().Get("skipToken")
			if skip == "3" && bearer(r) != token2 {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			switch skip {
			case "":
				writePage(w, "/aos/audit?skipToken=2", rec(1))
			case "2":
				writePage(w, "/aos/audit?skipToken=3", rec(2))
			default:
				writePage(w, "", rec(3))
			}
		})
		c, tokens, _ := setup(t, srv)
		pages, err := collect(c, q1)
		if err != nil {
			t.Fatalf("Pages error: %v", err)
		}
		if want := [][]string{{rec(1)}, {rec(2)}, {rec(3)}}; !reflect.DeepEqual(pages, want) {
			t.Errorf("got pages %q; want %q", pages, want)
		}
		if got := tokens.rereads(); !reflect.DeepEqual(got, []bool{false, true}) {
			t.Errorf("got Token calls %v; want [false true]", got)
		}
	})
	for name, pages := range map[string]int{"twice on one page": 1, "again on a later page": 2} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if pages == 2 && r.URL.Query().Get("skipToken") == "" && bearer(r) == token1 {
					writePage(w, "/aos/audit?skipToken=2", rec(1))
					return
				}
				if pages == 2 && r.URL.Query().Get("skipToken") == "" {
					t.Errorf("page 1 requested again with %q", bearer(r))
				}
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, `{"traceId":"t-2","error":"token %s is invalid","statusCode":401}`, bearer(r))
			})
			c, tokens, _ := setup(t, srv)
			_, err := collect(c, q1)
			var ue *UnauthorizedError
			if !errors.As(err, &ue) || ue.Status.StatusCode != 401 || ue.Status.TraceID != "t-2" {
				t.Fatalf("Pages error = %v; want *UnauthorizedError", err)
			}
			if got := tokens.rereads(); !reflect.DeepEqual(got, []bool{false, true}) {
				t.Errorf("got Token calls %v; want [false true]", got)
			}
			if srv.count() != pages+1 {
				t.Errorf("got %d requests; want %d", srv.count(), pages+1)
			}
			if !strings.Contains(err.Error(), redact.Marker) {
				t.Errorf("error %q; want the echoed token redacted", err)
			}
			assertNoToken(t, err)
		})
	}
	t.Run("token source fails on re-read", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
		c, tokens, _ := setup(t, srv)
		c.Tokens = tokenFunc(func(_ context.Context, refused string) (string, error) {
			if refused != "" {
				return "", errors.New("paramstore: get /tokens/aos-audit: AccessDenied")
			}
			return tokens.tokens[0], nil
		})
		_, err := collect(c, q1)
		if err == nil || !strings.Contains(err.Error(), "re-reading the token after HTTP 401: paramstore: get /tokens/aos-audit") {
			t.Fatalf("Pages error = %v; want the re-read failure", err)
		}
		if srv.count() != 1 {
			t.Errorf("got %d requests; want 1", srv.count())
		}
	})
}

type tokenFunc func(ctx context.Context, refused string) (string, error)

func (f tokenFunc) Token(ctx context.Context, refused string) (string, error) { return f(ctx, refused) }

// TestNoTokenInErrors sweeps the failure paths for the token.
func TestNoTokenInErrors(t *testing.T) {
	handlers := map[string]http.HandlerFunc{
		"echo in 500": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":{"code":"X","message":"bad %s"},"statusCode":500}`, r.Header.Get("Authorization"))
		},
		"echo in message": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"message":"%s","requestId":"%s"}`, r.Header.Get("Authorization"), bearer(r))
		},
		"echo in page": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"nextLink":"http://evil.example/?t=%s","data":[]}`, bearer(r))
		},
		"echo as non-JSON": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Header.Get("Authorization")) },
		"echo in 401": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":%q}`, bearer(r))
		},
		"hang up": func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, h)
			c, _, _ := setup(t, srv)
			_, err := collect(c, q1)
			if err == nil {
				t.Fatal("Pages succeeded; want an error")
			}
			assertNoToken(t, err)
		})
	}
}
