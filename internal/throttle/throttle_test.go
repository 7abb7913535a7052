package throttle_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/throttle"
)

// server answers its first request 429 with retryAfter (none when ""), the
// others 200.
func server(t *testing.T, retryAfter string) *httptest.Server {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(ctx context.Context, c *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestA429HoldsEveryRequest(t *testing.T) {
	tests := []struct {
		name, retryAfter string
		hold             time.Duration
	}{
		{"Retry-After", "1", time.Second},
		{"no Retry-After", "", 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := server(t, tt.retryAfter)
			c := &http.Client{Transport: &throttle.Gate{Base: http.DefaultTransport, Pause: 300 * time.Millisecond}}
			ctx := context.Background()
			if code, err := get(ctx, c, srv.URL); code != http.StatusTooManyRequests || err != nil {
				t.Fatalf("first request = %d, %v; want 429", code, err)
			}
			began := time.Now()
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if code, err := get(ctx, c, srv.URL); code != http.StatusOK || err != nil {
						t.Errorf("request = %d, %v; want 200", code, err)
					}
					if took := time.Since(began); took < tt.hold-50*time.Millisecond {
						t.Errorf("request sent after %s; want it held %s", took, tt.hold)
					}
				}()
			}
			wg.Wait()
		})
	}
}

func TestAHoldPastTheDeadlineFailsAtOnce(t *testing.T) {
	srv := server(t, "600")
	c := &http.Client{Transport: &throttle.Gate{Base: http.DefaultTransport}}
	if code, _ := get(context.Background(), c, srv.URL); code != http.StatusTooManyRequests {
		t.Fatalf("first request = %d; want 429", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	began := time.Now()
	_, err := get(ctx, c, srv.URL)
	var de *retry.DeadlineError
	var he *throttle.HeldError
	if !errors.As(err, &de) || !errors.As(err, &he) || he.StatusCode != http.StatusTooManyRequests || time.Since(began) > time.Second {
		t.Errorf("request error = %v after %s; want a *retry.DeadlineError naming the 429, at once", err, time.Since(began))
	}
}
