package localavepoint

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Faults are failure switches, changed at run time with SetFaults. The zero
// value is a healthy service.
type Faults struct {
	// ThrottleEvery makes every Nth audit request (counted from SetFaults)
	// answer 429 Too Many Requests.
	ThrottleEvery int
	// RetryAfter is the Retry-After of every 429, audit and token endpoint
	// alike, in whole seconds rounded up; 0 sends no Retry-After.
	RetryAfter time.Duration
	// ErrorBurst makes the next ErrorBurst audit requests answer ErrorStatus.
	ErrorBurst int
	// ErrorStatus is the status of the burst: 500, 502, 503 or 504; 0 means
	// 503. 502 and 504 carry an HTML body, as a gateway's would.
	ErrorStatus int
	// PageDelay delays every audit answer (a slow API); a closed connection
	// ends the wait.
	PageDelay time.Duration
	// ForeignNextLink, when set, is the base URL (for example
	// "http://127.0.0.1:9") every nextLink points to instead of this server.
	ForeignNextLink string
	// RepeatNextLink makes every page after the first carry, as its nextLink,
	// the very link that fetched it: a pagination loop.
	RepeatNextLink bool
	// NotJSONPage makes page N (1 is the first page of a query) answer 200
	// with an HTML body, every time it is asked.
	NotJSONPage int
	// ExpireTokenAfterCalls makes an access token answer 401 once N audit
	// calls were made with it, so that it expires in the middle of paging.
	ExpireTokenAfterCalls int
	// Late adds records that arrive late.
	Late Late
	// TokenErrorBurst makes the next TokenErrorBurst token requests answer 503.
	TokenErrorBurst int
	// TokenThrottleEvery makes every Nth token request (counted from
	// SetFaults) answer 429.
	TokenThrottleEvery int
	// TokenDelay delays every token answer.
	TokenDelay time.Duration
}

// Late describes records that appear after the fact: their actionTime lies in
// an old range, but the API returns them only once they are visible. Within
// an hour they follow that hour's regular records.
type Late struct {
	// PerHour late records are added to every hour that starts in [From, To).
	PerHour int
	// From and To bound the hours that receive late records.
	From, To time.Time
	// VisibleAt, when not zero, makes the late records visible once the
	// server's clock reaches it. ReleaseLate makes them visible at once.
	VisibleAt time.Time
}

// faultCounters count each endpoint's requests and the burst errors it has
// still to answer.
type faultCounters struct {
	audit, token endpointCounter
}

type endpointCounter struct {
	calls, errors int
}

// SetFaults replaces the fault switches and restarts their counters. Late
// records already released stay released.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.counters = faultCounters{audit: endpointCounter{errors: f.ErrorBurst}, token: endpointCounter{errors: f.TokenErrorBurst}}
}

// ReleaseLate makes the late records of Faults.Late visible from now on.
func (s *Server) ReleaseLate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released = true
}

// lateRecords returns the late-record spec in force now; PerHour is 0 when
// none are visible. The caller holds s.mu.
func (s *Server) lateRecords() Late {
	l := s.faults.Late
	visible := s.released || (!l.VisibleAt.IsZero() && !s.now().Before(l.VisibleAt))
	if !visible || l.PerHour <= 0 {
		return Late{}
	}
	return l
}

// auditFault answers an audit request with an injected failure and reports
// whether it did.
func (s *Server) auditFault(w http.ResponseWriter, r *http.Request) bool {
	return s.injectFault(w, r, &s.counters.audit, func(f Faults) endpointFault {
		return endpointFault{delay: f.PageDelay, errorStatus: f.ErrorStatus, throttleEvery: f.ThrottleEvery}
	}, func() any { return apiError(s.now(), http.StatusTooManyRequests) })
}

// tokenFault is auditFault for the token endpoint.
func (s *Server) tokenFault(w http.ResponseWriter, r *http.Request) bool {
	return s.injectFault(w, r, &s.counters.token, func(f Faults) endpointFault {
		return endpointFault{delay: f.TokenDelay, errorStatus: http.StatusServiceUnavailable, throttleEvery: f.TokenThrottleEvery}
	}, func() any { return map[string]string{"error": "too_many_requests"} })
}

// endpointFault is what Faults switch on for one endpoint.
type endpointFault struct {
	delay         time.Duration
	errorStatus   int
	throttleEvery int
}

// injectFault counts the request in c, then answers it with a burst error or
// a 429 (whose body throttled makes) when pick's switches say so, and
// reports whether it did.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, c *endpointCounter, pick func(Faults) endpointFault, throttled func() any) bool {
	s.mu.Lock()
	f, retryAfter := pick(s.faults), s.faults.RetryAfter
	c.calls++
	n := c.calls
	burst := c.errors > 0
	if burst {
		c.errors--
	}
	s.mu.Unlock()
	if !sleep(r.Context(), f.delay) {
		return true
	}
	switch {
	case burst:
		s.serverError(w, f.errorStatus)
		return true
	case f.throttleEvery > 0 && n%f.throttleEvery == 0:
		s.throttle(w, retryAfter)
		writeJSON(w, http.StatusTooManyRequests, throttled())
		return true
	}
	return false
}

func (s *Server) throttle(w http.ResponseWriter, after time.Duration) {
	s.mu.Lock()
	s.stats.TooManyRequests++
	s.mu.Unlock()
	if after > 0 {
		secs := (after + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
}

func (s *Server) serverError(w http.ResponseWriter, status int) {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	s.mu.Lock()
	s.stats.ServerErrors++
	s.mu.Unlock()
	if status == http.StatusBadGateway || status == http.StatusGatewayTimeout {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><head><title>" + strconv.Itoa(status) + " " + http.StatusText(status) +
			"</title></head><body><center><h1>" + strconv.Itoa(status) + " " + http.StatusText(status) +
			"</h1></center></body></html>\r\n"))
		return
	}
	writeJSON(w, status, apiError(s.now(), status))
}

// sleep waits d and reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
