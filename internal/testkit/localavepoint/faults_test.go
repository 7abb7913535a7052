package localavepoint

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	s := setup(t, Config{})
	s.SetFaults(Faults{ThrottleEvery: 2, RetryAfter: 1500 * time.Millisecond})
	link, tok := auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), s.IssueToken(AuditScope, 0)
	for i, want := range []int{200, 429, 200, 429} {
		r := get(t, link, tok)
		if r.status != want {
			t.Fatalf("request %d: got status %d; want %d", i+1, r.status, want)
		}
		if want == 429 {
			if got := r.header.Get("Retry-After"); got != "2" {
				t.Errorf("got Retry-After %q; want \"2\" (1.5s rounded up)", got)
			}
			if body := r.json(t); body["statusCode"] != float64(429) {
				t.Errorf("got body %v; want statusCode 429", body)
			}
		}
	}
	if got := s.Stats().TooManyRequests; got != 2 {
		t.Errorf("got TooManyRequests = %d; want 2", got)
	}
}

func TestErrorBurst(t *testing.T) {
	tests := []struct {
		status int
		ctype  string
	}{
		{0, "application/json"},
		{500, "application/json"},
		{502, "text/html"},
		{504, "text/html"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			s := setup(t, Config{})
			s.SetFaults(Faults{ErrorBurst: 2, ErrorStatus: tt.status})
			link, tok := auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), s.IssueToken(AuditScope, 0)
			want := tt.status
			if want == 0 {
				want = 503
			}
			for i, w := range []int{want, want, 200} {
				r := get(t, link, tok)
				if r.status != w {
					t.Fatalf("request %d: got status %d; want %d", i+1, r.status, w)
				}
				if w != 200 && !strings.HasPrefix(r.header.Get("Content-Type"), tt.ctype) {
					t.Errorf("got Content-Type %q; want %s", r.header.Get("Content-Type"), tt.ctype)
				}
			}
			if got := s.Stats().ServerErrors; got != 2 {
				t.Errorf("got ServerErrors = %d; want 2", got)
			}
		})
	}
}

func TestPageDelay(t *testing.T) {
	s := setup(t, Config{})
	s.SetFaults(Faults{PageDelay: 150 * time.Millisecond})
	start := time.Now()
	get(t, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), s.IssueToken(AuditScope, 0))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("page came after %v; want at least 150ms", d)
	}
}

// TestCloseEndsSlowPage: Close does not wait for a slow page.
func TestCloseEndsSlowPage(t *testing.T) {
	s := setup(t, Config{})
	s.SetFaults(Faults{PageDelay: time.Minute})
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	s.Close()
	if err := <-errc; err == nil {
		t.Errorf("got a response from a closed server; want an error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v; want it prompt", d)
	}
}

func TestLateRecords(t *testing.T) {
	clk := &clock{t: fixedTime.Add(48 * time.Hour)}
	s := setup(t, Config{Now: clk.Now, PageSize: 45})
	start, end := fixedTime, fixedTime.Add(4*time.Hour)
	late := Late{PerHour: 5, From: fixedTime.Add(time.Hour), To: fixedTime.Add(3 * time.Hour)}
	s.SetFaults(Faults{Late: late})
	before := s.Records(start, end)
	if len(before) != 240 {
		t.Fatalf("before release: got %d records; want 240", len(before))
	}
	tok := s.IssueToken(AuditScope, 0)
	got, _ := fetchAll(t, s, auditURL(s, start, end, nil), tok)
	equalRecords(t, got, before)

	s.ReleaseLate()
	after := s.Records(start, end)
	if len(after) != 250 {
		t.Fatalf("after release: got %d records; want 250", len(after))
	}
	got, _ = fetchAll(t, s, auditURL(s, start, end, nil), tok)
	equalRecords(t, got, after)
	// The regular records are unchanged; the late ones follow their hour's.
	equalRecords(t, after[:120], before[:120])
	equalRecords(t, after[125:185], before[120:180])
	for _, rec := range after[120:125] {
		if !strings.Contains(string(rec), `"actionTime":"2024-10-10T09:`) {
			t.Errorf("late record %s is not in the 09:00 hour", rec)
		}
	}
}

func TestLateRecordsVisibleAt(t *testing.T) {
	clk := &clock{t: fixedTime.Add(48 * time.Hour)}
	s := setup(t, Config{Now: clk.Now})
	s.SetFaults(Faults{Late: Late{PerHour: 3, From: fixedTime, To: fixedTime.Add(time.Hour), VisibleAt: clk.Now().Add(time.Minute)}})
	if got := s.Count(fixedTime, fixedTime.Add(time.Hour)); got != 60 {
		t.Errorf("before VisibleAt: got %d records; want 60", got)
	}
	clk.Add(time.Minute)
	if got := s.Count(fixedTime, fixedTime.Add(time.Hour)); got != 63 {
		t.Errorf("at VisibleAt: got %d records; want 63", got)
	}
}

func TestForeignNextLink(t *testing.T) {
	s := setup(t, Config{PageSize: 10})
	s.SetFaults(Faults{ForeignNextLink: "http://127.0.0.2:9/"})
	p := decodePage(t, get(t, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), s.IssueToken(AuditScope, 0)))
	if p.NextLink == nil || !strings.HasPrefix(*p.NextLink, "http://127.0.0.2:9/aos/audit?") {
		t.Errorf("got nextLink %v; want it on http://127.0.0.2:9", p.NextLink)
	}
}

func TestRepeatNextLink(t *testing.T) {
	s := setup(t, Config{PageSize: 10})
	s.SetFaults(Faults{RepeatNextLink: true})
	tok := s.IssueToken(AuditScope, 0)
	first := decodePage(t, get(t, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), tok))
	second := decodePage(t, get(t, *first.NextLink, tok))
	if second.NextLink == nil || *second.NextLink != *first.NextLink {
		t.Errorf("got second nextLink %v; want the link that fetched it, %q", second.NextLink, *first.NextLink)
	}
}

func TestNotJSONPage(t *testing.T) {
	s := setup(t, Config{PageSize: 10})
	s.SetFaults(Faults{NotJSONPage: 2})
	tok := s.IssueToken(AuditScope, 0)
	first := decodePage(t, get(t, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), tok))
	for range 2 {
		r := get(t, *first.NextLink, tok)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.HasPrefix(string(r.body), "<!DOCTYPE html>") {
			t.Errorf("got %d %q %.40q; want 200 with an HTML body", r.status, r.header.Get("Content-Type"), r.body)
		}
	}
}

func TestTokenExpiresMidPagination(t *testing.T) {
	s := setup(t, Config{PageSize: 10})
	s.SetFaults(Faults{ExpireTokenAfterCalls: 2})
	tok := s.IssueToken(AuditScope, 0)
	p := decodePage(t, get(t, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), tok))
	p = decodePage(t, get(t, *p.NextLink, tok))
	if r := get(t, *p.NextLink, tok); r.status != http.StatusUnauthorized {
		t.Errorf("third call: got status %d; want 401", r.status)
	}
	// A fresh token continues from the same nextLink.
	if r := get(t, *p.NextLink, s.IssueToken(AuditScope, 0)); r.status != http.StatusOK {
		t.Errorf("fresh token: got status %d; want 200", r.status)
	}
}

func TestTokenFaults(t *testing.T) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {secretClientID}, "client_secret": {testSecret}}
	t.Run("burst", func(t *testing.T) {
		s := setup(t, Config{})
		s.SetFaults(Faults{TokenErrorBurst: 2})
		for i, want := range []int{503, 503, 200} {
			if r := postToken(t, s, form, ""); r.status != want {
				t.Errorf("request %d: got status %d; want %d", i+1, r.status, want)
			}
		}
	})
	t.Run("throttle", func(t *testing.T) {
		s := setup(t, Config{})
		s.SetFaults(Faults{TokenThrottleEvery: 2, RetryAfter: time.Second})
		for i, want := range []int{200, 429, 200} {
			r := postToken(t, s, form, "")
			if r.status != want {
				t.Errorf("request %d: got status %d; want %d", i+1, r.status, want)
			}
			if want == 429 && r.header.Get("Retry-After") != "1" {
				t.Errorf("got Retry-After %q; want \"1\"", r.header.Get("Retry-After"))
			}
		}
		if got := s.Stats(); got.TooManyRequests != 1 || got.TokensIssued != 2 {
			t.Errorf("got TooManyRequests %d, TokensIssued %d; want 1 and 2", got.TooManyRequests, got.TokensIssued)
		}
	})
	t.Run("delay", func(t *testing.T) {
		s := setup(t, Config{})
		s.SetFaults(Faults{TokenDelay: 150 * time.Millisecond})
		start := time.Now()
		if r := postToken(t, s, form, ""); r.status != 200 || time.Since(start) < 150*time.Millisecond {
			t.Errorf("got status %d after %v; want 200 after at least 150ms", r.status, time.Since(start))
		}
	})
}
