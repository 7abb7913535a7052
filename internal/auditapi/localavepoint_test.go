package auditapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// startAvePoint runs the local AvePoint and returns it with a client whose
// token source hands out a fresh token on each re-read.
func startAvePoint(t *testing.T, cfg localavepoint.Config) (*localavepoint.Server, *Client, *fakeTokens) {
	t.Helper()
	s := localavepoint.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	base, err := BaseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	tokens := &fakeTokens{tokens: []string{
		s.IssueToken(localavepoint.AuditScope, time.Hour),
		s.IssueToken(localavepoint.AuditScope, time.Hour),
	}}
	sl := &testenv.Sleeps{}
	return s, &Client{
		HTTP:    httpclient.New(5 * time.Second),
		BaseURL: base,
		Tokens:  tokens,
		Retry:   retry.Policy{Sleep: sl.Sleep},
	}, tokens
}

// pull returns every record of q, flattened, and the number of pages.
func pull(ctx context.Context, c *Client, q Query) ([][]byte, int, error) {
	var records [][]byte
	pages := 0
	err := c.Pages(ctx, q, func(r *Records) error {
		recs, err := all(r)
		if err != nil {
			return err
		}
		pages++
		for _, r := range recs {
			records = append(records, r)
		}
		return nil
	})
	return records, pages, err
}

func sameRecords(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records; want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d = %s; want %s", i, got[i], want[i])
		}
	}
}

func TestLocalAvePoint(t *testing.T) {
	start := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
	q := Query{Start: start, End: start.Add(3 * time.Hour)}
	for _, relative := range []bool{false, true} {
		t.Run(fmt.Sprintf("relative nextLink %v", relative), func(t *testing.T) {
			s, c, _ := startAvePoint(t, localavepoint.Config{Seed: 7, RecordsPerHour: 120, PageSize: 50, RelativeNextLink: relative})
			got, pages, err := pull(context.Background(), c, q)
			if err != nil {
				t.Fatalf("Pages error: %v", err)
			}
			sameRecords(t, got, s.Records(q.Start, q.End))
			if want := (360 + 49) / 50; pages != want {
				t.Errorf("got %d pages; want %d", pages, want)
			}
			if st := s.Stats(); st.AuditRequests != pages {
				t.Errorf("server saw %d requests for %d pages; want one each", st.AuditRequests, pages)
			}
		})
	}
	t.Run("faults survived", func(t *testing.T) {
		s, c, tokens := startAvePoint(t, localavepoint.Config{Seed: 8, RecordsPerHour: 100, PageSize: 40})
		s.SetFaults(localavepoint.Faults{ThrottleEvery: 3, RetryAfter: 2 * time.Second, ErrorBurst: 2, ExpireTokenAfterCalls: 4})
		got, _, err := pull(context.Background(), c, q)
		if err != nil {
			t.Fatalf("Pages error: %v", err)
		}
		sameRecords(t, got, s.Records(q.Start, q.End))
		if st := s.Stats(); st.TooManyRequests == 0 || st.ServerErrors != 2 || st.Unauthorized != 1 {
			t.Errorf("got stats %+v; want 429s, 2 server errors and 1 401", st)
		}
		if got := tokens.rereads(); len(got) != 2 || !got[1] {
			t.Errorf("got Token calls %v; want [false true]", got)
		}
	})
	t.Run("foreign nextLink", func(t *testing.T) {
		foreign := newServer(t, nil)
		s, c, _ := startAvePoint(t, localavepoint.Config{Seed: 9, PageSize: 10})
		s.SetFaults(localavepoint.Faults{ForeignNextLink: foreign.URL})
		_, pages, err := pull(context.Background(), c, q)
		if err == nil || !strings.Contains(err.Error(), "the token is not sent there") {
			t.Fatalf("Pages error = %v; want a foreign nextLink error", err)
		}
		if pages != 1 || foreign.count() != 0 {
			t.Errorf("got %d pages, %d foreign requests; want 1, 0", pages, foreign.count())
		}
	})
	t.Run("loop", func(t *testing.T) {
		s, c, _ := startAvePoint(t, localavepoint.Config{Seed: 9, PageSize: 10})
		s.SetFaults(localavepoint.Faults{RepeatNextLink: true})
		_, pages, err := pull(context.Background(), c, q)
		if err == nil || !strings.Contains(err.Error(), "loop") {
			t.Fatalf("Pages error = %v; want a loop error", err)
		}
		if pages != 2 {
			t.Errorf("got %d pages; want 2", pages)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		s, c, _ := startAvePoint(t, localavepoint.Config{Seed: 9, PageSize: 10})
		s.SetFaults(localavepoint.Faults{NotJSONPage: 2})
		_, _, err := pull(context.Background(), c, q)
		var pe *PageError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "page 2") {
			t.Fatalf("Pages error = %v; want a *PageError on page 2", err)
		}
	})
	t.Run("7 days rejected by both", func(t *testing.T) {
		s, c, _ := startAvePoint(t, localavepoint.Config{})
		_, _, err := pull(context.Background(), c, Query{Start: start, End: start.Add(localavepoint.MaxRange + time.Second)})
		if err == nil || s.Stats().AuditRequests != 0 {
			t.Errorf("Pages error = %v after %d requests; want an error before any request", err, s.Stats().AuditRequests)
		}
	})
}
