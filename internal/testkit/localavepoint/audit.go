package localavepoint

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// MaxRange is the longest startTime..endTime span the audit API accepts.
const MaxRange = 7 * 24 * time.Hour

func (s *Server) serveAudit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.AuditRequests++
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, apiError(s.now(), http.StatusMethodNotAllowed))
		return
	}
	if s.auditFault(w, r) {
		return
	}
	switch status, description := s.authorize(r); status {
	case http.StatusUnauthorized:
		s.count(&s.stats.Unauthorized)
		challenge := `Bearer error="invalid_token"`
		if description != "" {
			challenge += `, error_description="` + description + `"`
		}
		if r.Header.Get("Authorization") == "" {
			challenge = "Bearer"
		}
		w.Header().Set("WWW-Authenticate", challenge)
		writeJSON(w, status, map[string]any{"traceId": testrand.UUID(), "error": "Unauthorized", "statusCode": status})
		return
	case http.StatusForbidden:
		s.count(&s.stats.Forbidden)
		writeJSON(w, status, map[string]any{"traceId": testrand.UUID(), "error": "Forbidden", "statusCode": status})
		return
	}
	params := foldKeys(r.URL.Query())
	q, err := s.parseQuery(params)
	tok := skipToken{page: 1, pos: position{hour: q.firstHour()}}
	if err == nil && len(params["skiptoken"]) > 0 {
		tok, err = parseSkipToken(params["skiptoken"][0], q)
	}
	if err != nil {
		s.count(&s.stats.BadRequests)
		writeJSON(w, http.StatusBadRequest, apiError(s.now(), http.StatusBadRequest))
		return
	}

	s.mu.Lock()
	f, late := s.faults, s.lateRecords()
	s.mu.Unlock()
	if f.NotJSONPage == tok.page {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>AvePoint Online Services</title></head>" +
			"<body><p>The service is temporarily unavailable. Please try again later.</p></body></html>\n"))
		return
	}

	data := make([]byte, 0, s.cfg.PageSize*700)
	n := 0
	var next *position
	for pos, h := range s.gen.scan(q, tok.pos, late) {
		if n == s.cfg.PageSize {
			next = &pos
			break
		}
		if n > 0 {
			data = append(data, ',')
		}
		data = appendRecord(data, h)
		n++
	}

	link := ""
	switch {
	case f.RepeatNextLink && tok.page > 1:
		link = s.linkBase(f) + r.URL.RequestURI()
	case next != nil:
		link = s.nextLink(f, r.URL.Query(), skipToken{page: tok.page + 1, pos: *next})
	}
	body := make([]byte, 0, len(data)+len(link)+64)
	body = append(body, `{"nextLink":`...)
	if link == "" {
		body = append(body, "null"...)
	} else {
		body = appendNetString(body, link)
	}
	body = append(body, `,"data":[`...)
	body = append(body, data...)
	body = append(body, "]}"...)

	s.mu.Lock()
	s.stats.AuditPages++
	s.stats.RecordsServed += n
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// nextLink repeats the request's own parameters with a new skipToken.
func (s *Server) nextLink(f Faults, params url.Values, tok skipToken) string {
	out := url.Values{}
	for k, v := range params {
		if !strings.EqualFold(k, "skipToken") {
			out[k] = v
		}
	}
	out.Set("skipToken", tok.String())
	return s.linkBase(f) + "/aos/audit?" + out.Encode()
}

func (s *Server) linkBase(f Faults) string {
	switch {
	case f.ForeignNextLink != "":
		return strings.TrimSuffix(f.ForeignNextLink, "/")
	case s.cfg.RelativeNextLink:
		return ""
	}
	return s.URL()
}

// parseQuery validates the audit parameters; keys are already lowercase, as
// ASP.NET binds them case-insensitively.
func (s *Server) parseQuery(p url.Values) (query, error) {
	var q query
	var err error
	q.end = s.now().UTC()
	if v := p["endtime"]; len(v) > 0 {
		if q.end, err = parseISO(v[0]); err != nil {
			return q, fmt.Errorf("endTime: %w", err)
		}
	}
	q.start = q.end.Add(-MaxRange)
	if v := p["starttime"]; len(v) > 0 {
		if q.start, err = parseISO(v[0]); err != nil {
			return q, fmt.Errorf("startTime: %w", err)
		}
	}
	if q.end.Before(q.start) {
		return q, errors.New("endTime is before startTime")
	}
	if q.end.Sub(q.start) > MaxRange {
		return q, errors.New("the time range is longer than 7 days")
	}
	for _, v := range p["producttypes"] {
		i := slices.IndexFunc(ProductTypes, func(pt string) bool { return strings.EqualFold(pt, v) })
		if i < 0 {
			return q, fmt.Errorf("productTypes: unknown value %q", v)
		}
		if q.products == nil {
			q.products = map[string]bool{}
		}
		q.products[strings.ToLower(v)] = true
	}
	for _, v := range p["geolocations"] {
		if q.geos == nil {
			q.geos = map[string]bool{}
		}
		q.geos[strings.ToLower(v)] = true
	}
	return q, nil
}

// parseISO accepts the ISO 8601 forms .NET's DateTime binding accepts in
// practice; a time without zone is UTC.
func parseISO(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date and time", v)
}

func foldKeys(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		lk := strings.ToLower(k)
		out[lk] = append(out[lk], vs...)
	}
	return out
}

// apiError is the audit API's error body.
func apiError(now time.Time, status int) map[string]any {
	return map[string]any{"requestId": testrand.UUID(), "date": now.UTC().Format(time.RFC3339), "statusCode": status}
}

func (s *Server) count(c *int) {
	s.mu.Lock()
	*c++
	s.mu.Unlock()
}
