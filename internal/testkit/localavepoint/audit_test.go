package localavepoint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPagingDeliversRecords(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		start    time.Time
		end      time.Time
		extra    url.Values
		products []string
		geos     []string
	}{
		{"aligned hours", Config{PageSize: 25}, fixedTime, fixedTime.Add(3 * time.Hour), nil, nil, nil},
		{"unaligned range", Config{PageSize: 7}, fixedTime.Add(17*time.Minute + 30*time.Second), fixedTime.Add(2*time.Hour + 5*time.Minute), nil, nil, nil},
		{"relative nextLink", Config{PageSize: 50, RelativeNextLink: true}, fixedTime, fixedTime.Add(4 * time.Hour), nil, nil, nil},
		{"one page", Config{PageSize: 1000}, fixedTime, fixedTime.Add(2 * time.Hour), nil, nil, nil},
		{"filters", Config{PageSize: 5, RecordsPerHour: 300}, fixedTime, fixedTime.Add(2 * time.Hour),
			url.Values{"productTypes": {"Portal", "office365backup"}, "geoLocations": {"NAM", "EUR"}},
			[]string{"Portal", "office365backup"}, []string{"NAM", "EUR"}},
		{"across midnight", Config{PageSize: 40}, time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 30, 0, 0, time.UTC), nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t, tt.cfg)
			want := s.FilteredRecords(tt.start, tt.end, tt.products, tt.geos)
			if len(want) == 0 {
				t.Fatalf("the range holds no records; the test is wrong")
			}
			got, pages := fetchAll(t, s, auditURL(s, tt.start, tt.end, tt.extra), s.IssueToken(AuditScope, 0))
			equalRecords(t, got, want)
			size := s.cfg.PageSize
			if wantPages := (len(want) + size - 1) / size; pages != wantPages {
				t.Errorf("got %d pages; want %d", pages, wantPages)
			}
			for _, rec := range got {
				var m map[string]any
				if err := json.Unmarshal(rec, &m); err != nil {
					t.Fatalf("record %s: %v", rec, err)
				}
				at, err := time.Parse(time.RFC3339Nano, m["actionTime"].(string))
				if err != nil || at.Before(tt.start) || !at.Before(tt.end) {
					t.Errorf("got actionTime %v outside [%v, %v)", m["actionTime"], tt.start, tt.end)
				}
			}
		})
	}
}

// TestLastPageFull: when the records fill the last page exactly, its
// nextLink is null; no empty page follows.
func TestLastPageFull(t *testing.T) {
	s := setup(t, Config{PageSize: 30})
	got, pages := fetchAll(t, s, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), s.IssueToken(AuditScope, 0))
	if len(got) != 60 || pages != 2 {
		t.Errorf("got %d records in %d pages; want 60 in 2", len(got), pages)
	}
}

func TestNextLinkForm(t *testing.T) {
	tests := []struct {
		name     string
		relative bool
		prefix   string
	}{
		{"absolute", false, "http://"},
		{"relative", true, "/aos/audit?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t, Config{PageSize: 10, RelativeNextLink: tt.relative})
			r := get(t, auditURL(s, fixedTime, fixedTime.Add(time.Hour), url.Values{"productTypes": {"Portal"}}), s.IssueToken(AuditScope, 0))
			if !strings.Contains(string(r.body), `\u0026skipToken=`) {
				t.Errorf("got body %.200s; want '&' in nextLink written as \\u0026, as .NET does", r.body)
			}
			p := decodePage(t, r)
			if p.NextLink == nil || !strings.HasPrefix(*p.NextLink, tt.prefix) {
				t.Fatalf("got nextLink %v; want prefix %q", p.NextLink, tt.prefix)
			}
			if !tt.relative && !strings.HasPrefix(*p.NextLink, s.URL()+"/aos/audit?") {
				t.Errorf("got nextLink %q; want it on %s", *p.NextLink, s.URL())
			}
			u, _ := url.Parse(*p.NextLink)
			q := u.Query()
			if q.Get("startTime") != fixedTime.Format(time.RFC3339) || q.Get("productTypes") != "Portal" || q.Get("skipToken") == "" {
				t.Errorf("got nextLink query %v; want the request's parameters and a skipToken", q)
			}
		})
	}
}

func TestEmptyRange(t *testing.T) {
	s := setup(t, Config{})
	p := decodePage(t, get(t, auditURL(s, fixedTime, fixedTime, nil), s.IssueToken(AuditScope, 0)))
	if p.NextLink != nil || len(p.Data) != 0 {
		t.Errorf("got nextLink %v and %d records; want null and none", p.NextLink, len(p.Data))
	}
}

func TestAuditBadRequest(t *testing.T) {
	tests := []struct {
		name  string
		query string
	}{
		{"range over 7 days", "startTime=2024-10-01T00:00:00Z&endTime=2024-10-08T00:00:01Z"},
		{"end before start", "startTime=2024-10-02T00:00:00Z&endTime=2024-10-01T00:00:00Z"},
		{"not a time", "startTime=yesterday&endTime=2024-10-01T00:00:00Z"},
		{"unencoded plus offset", "startTime=2024-10-01T00:00:00+00:00&endTime=2024-10-02T00:00:00Z"},
		{"unknown product", "startTime=2024-10-01T00:00:00Z&endTime=2024-10-02T00:00:00Z&productTypes=Exchange"},
		{"bad skipToken", "startTime=2024-10-01T00:00:00Z&endTime=2024-10-02T00:00:00Z&skipToken=Zm9v"},
		{"skipToken outside the range", "startTime=2024-10-01T00:00:00Z&endTime=2024-10-02T00:00:00Z&skipToken=" + skipToken{page: 2, pos: position{hour: 1}}.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t, Config{})
			r := get(t, s.URL()+"/aos/audit?"+tt.query, s.IssueToken(AuditScope, 0))
			if r.status != http.StatusBadRequest {
				t.Fatalf("got status %d; want 400", r.status)
			}
			body := r.json(t)
			if body["statusCode"] != float64(400) || body["requestId"] == nil || body["date"] == nil || len(body) != 3 {
				t.Errorf("got body %v; want requestId, date, statusCode 400", body)
			}
		})
	}
}

func TestAuditAcceptsISOForms(t *testing.T) {
	tests := []string{
		"startTime=2024-10-01T00:00:00Z&endTime=2024-10-08T00:00:00Z",
		"startTime=2024-10-01T00:00:00.000Z&endTime=2024-10-01T01:00:00.5Z",
		"startTime=2024-10-01T02:00:00%2B02:00&endTime=2024-10-01T01:00:00Z",
		"startTime=2024-10-01T00:00:00&endTime=2024-10-01T01:00",
		"StartTime=2024-10-01&ENDTIME=2024-10-02",
	}
	s := setup(t, Config{})
	tok := s.IssueToken(AuditScope, 0)
	for _, q := range tests {
		t.Run(q, func(t *testing.T) {
			if r := get(t, s.URL()+"/aos/audit?"+q, tok); r.status != http.StatusOK {
				t.Errorf("got status %d; want 200", r.status)
			}
		})
	}
}

func TestAuditUnauthorized(t *testing.T) {
	clk := &clock{t: fixedTime}
	s := setup(t, Config{Now: clk.Now})
	expiring := s.IssueToken(AuditScope, time.Minute)
	revoked := s.IssueToken(AuditScope, 0)
	s.RevokeToken(revoked)
	clk.Add(time.Minute)
	tests := []struct {
		name   string
		header string
		status int
	}{
		{"no header", "", 401},
		{"unknown token", "Bearer eyJhbGciOiJub25lIn0.e30.", 401},
		{"basic scheme", "Basic " + expiring, 401},
		{"expired token", "Bearer " + expiring, 401},
		{"revoked token", "Bearer " + revoked, 401},
		{"token without audit scope", "Bearer " + s.IssueToken("platformbackup.readwrite.all", 0), 403},
		{"lowercase scheme", "bearer " + s.IssueToken(AuditScope, 0), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, auditURL(s, fixedTime, fixedTime.Add(time.Hour), nil), nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			r := do(t, req)
			if r.status != tt.status {
				t.Fatalf("got status %d; want %d", r.status, tt.status)
			}
			if tt.status == 200 {
				return
			}
			body := r.json(t)
			if body["statusCode"] != float64(tt.status) || body["traceId"] == nil || body["error"] == nil {
				t.Errorf("got body %v; want traceId, error, statusCode", body)
			}
			if tt.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("got WWW-Authenticate %q; want a Bearer challenge", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	if got := s.Stats().Unauthorized; got != 5 {
		t.Errorf("got Unauthorized = %d; want 5", got)
	}
}

// TestLargeWindow pages through the memory test's window: 200,000 records
// in 24 hours, 1,000 a page. Each page is computed from its skipToken.
func TestLargeWindow(t *testing.T) {
	s := setup(t, Config{RecordsPerHour: 8334, PageSize: 1000})
	end := fixedTime.Add(24 * time.Hour)
	want := s.Count(fixedTime, end)
	if want != 8334*24 {
		t.Fatalf("got Count = %d; want %d", want, 8334*24)
	}
	link, pages := auditURL(s, fixedTime, end, nil), 0
	tok := s.IssueToken(AuditScope, 0)
	for link != "" {
		// nextLink comes first in a page: read only up to the data.
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		head, _ := bufio.NewReader(resp.Body).ReadSlice('[')
		resp.Body.Close()
		var p struct{ NextLink *string }
		if err := json.Unmarshal(append(bytes.TrimSuffix(head, []byte(`,"data":[`)), '}'), &p); err != nil {
			t.Fatalf("page %d starts %q: %v", pages+1, head, err)
		}
		pages++
		link = ""
		if p.NextLink != nil {
			link = *p.NextLink
		}
	}
	n := s.Stats().RecordsServed
	if n != want || pages != (want+999)/1000 {
		t.Errorf("got %d records in %d pages; want %d in %d", n, pages, want, (want+999)/1000)
	}
}
