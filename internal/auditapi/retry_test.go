package auditapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPagesRetries(t *testing.T) {
	t.Run("429 with Retry-After", func(t *testing.T) {
		n := 0
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n++; n == 1 {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"requestId":"r-1","date":"2024-10-10T08:00:00Z","statusCode":429}`)
				return
			}
			writePage(w, "", rec(1))
		})
		c, _, sl := setup(t, srv)
		pages, err := collect(c, q1)
		if err != nil {
			t.Fatalf("Pages error: %v", err)
		}
		if len(pages) != 1 || srv.count() != 2 {
			t.Errorf("got %d pages, %d requests; want 1, 2", len(pages), srv.count())
		}
		if got := sl.Waits(); len(got) != 1 || got[0] != 7*time.Second {
			t.Errorf("got waits %v; want [7s]", got)
		}
		if a, b := srv.requests[0].URL.String(), srv.requests[1].URL.String(); a != b {
			t.Errorf("retried %s; want the same page %s", b, a)
		}
	})
	t.Run("Retry-After date", func(t *testing.T) {
		n := 0
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n++; n == 1 {
				w.Header().Set("Retry-After", t0.Add(30*time.Second).Format(http.TimeFormat))
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			writePage(w, "", rec(1))
		})
		c, _, sl := setup(t, srv)
		c.Now = func() time.Time { return t0 }
		if _, err := collect(c, q1); err != nil {
			t.Fatalf("Pages error: %v", err)
		}
		if got := sl.Waits(); len(got) != 1 || got[0] != 30*time.Second {
			t.Errorf("got waits %v; want [30s]", got)
		}
	})
	t.Run("5xx burst on page 2", func(t *testing.T) {
		fails := 0
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("skipToken") == "" {
				writePage(w, "/aos/audit?skipToken=2", rec(1))
				return
			}
			if fails < 3 {
				fails++
				w.WriteHeader([]int{500, 502, 504}[fails-1])
				fmt.Fprint(w, "<html>Bad Gateway</html>")
				return
			}
			writePage(w, "", rec(2))
		})
		c, _, sl := setup(t, srv)
		pages, err := collect(c, q1)
		if err != nil {
			t.Fatalf("Pages error: %v", err)
		}
		if want := [][]string{{rec(1)}, {rec(2)}}; !reflect.DeepEqual(pages, want) {
			t.Errorf("got pages %q; want %q", pages, want)
		}
		if srv.count() != 5 || len(sl.Waits()) != 3 {
			t.Errorf("got %d requests, waits %v; want 5 requests, 3 waits", srv.count(), sl.Waits())
		}
	})
	t.Run("5xx until attempts run out", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"traceId":"00-abc-01","error":"Service Unavailable","statusCode":503}`)
		})
		c, _, _ := setup(t, srv)
		_, err := collect(c, q1)
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 503 || se.TraceID != "00-abc-01" || !se.Temporary() {
			t.Fatalf("Pages error = %v; want a temporary *StatusError 503 with the trace id", err)
		}
		if srv.count() != 4 {
			t.Errorf("got %d requests; want 4 (the policy's attempts)", srv.count())
		}
		if !strings.Contains(err.Error(), "gave up after 4 attempts") || strings.Contains(err.Error(), "startTime=") {
			t.Errorf("error %q; want it to say it gave up, without the query string", err)
		}
	})
	t.Run("400 is not retried", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"requestId":"r-9","date":"2024-10-10T08:00:00Z","statusCode":400}`)
		})
		c, _, _ := setup(t, srv)
		_, err := collect(c, q1)
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 400 || se.RequestID != "r-9" || se.Temporary() {
			t.Fatalf("Pages error = %v; want a permanent *StatusError 400 with the request id", err)
		}
		if srv.count() != 1 {
			t.Errorf("got %d requests; want 1", srv.count())
		}
	})
	t.Run("redirect is not followed", func(t *testing.T) {
		foreign := newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, "") })
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, foreign.URL+"/aos/audit", http.StatusFound)
		})
		c, _, _ := setup(t, srv)
		_, err := collect(c, q1)
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusFound {
			t.Fatalf("Pages error = %v; want a *StatusError 302", err)
		}
		if foreign.count() != 0 {
			t.Errorf("the redirect target got %d requests; want none", foreign.count())
		}
	})
}

func TestPagesTimeout(t *testing.T) {
	t.Run("slow page retried", func(t *testing.T) {
		var n atomic.Int32 // the retry's handler runs while the first one still waits
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				return
			}
			writePage(w, "", rec(1))
		})
		c, _, sl := setup(t, srv)
		c.HTTP.Timeout = 100 * time.Millisecond
		pages, err := collect(c, q1)
		if err != nil {
			t.Fatalf("Pages error: %v", err)
		}
		if len(pages) != 1 || srv.count() != 2 || len(sl.Waits()) != 1 {
			t.Errorf("got %d pages, %d requests, waits %v; want 1, 2, one wait", len(pages), srv.count(), sl.Waits())
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		c, _, _ := setup(t, srv)
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := c.Pages(ctx, q1, func(*Records) error { return nil })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Pages error = %v; want context.DeadlineExceeded", err)
		}
		// The server would answer after 5s; a loaded 2-core machine needs some slack over 150ms.
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Pages took %s with a 150ms deadline; want it to stop promptly", d)
		}
		if srv.count() != 1 {
			t.Errorf("got %d requests; want 1", srv.count())
		}
		assertNoToken(t, err)
	})
}
