package localavepoint

import (
	"iter"
	"strings"
	"time"
)

// Records returns, in API order, the exact bytes of every record the audit
// API returns now for [start, end) without filters, late records included
// once visible. Tests compare what a client stored against it.
func (s *Server) Records(start, end time.Time) [][]byte {
	return s.FilteredRecords(start, end, nil, nil)
}

// FilteredRecords is Records with the API's productTypes and geoLocations
// filters (nil or empty: any).
func (s *Server) FilteredRecords(start, end time.Time, productTypes, geoLocations []string) [][]byte {
	var out [][]byte
	for rec := range s.records(start, end, productTypes, geoLocations) {
		out = append(out, rec)
	}
	return out
}

// AllRecords yields the records of Records one at a time, so that a test can
// check a large range without holding it in memory.
func (s *Server) AllRecords(start, end time.Time) iter.Seq[[]byte] {
	return s.records(start, end, nil, nil)
}

// Count returns len(Records(start, end)) without generating the records.
func (s *Server) Count(start, end time.Time) int {
	s.mu.Lock()
	late := s.lateRecords()
	s.mu.Unlock()
	n := 0
	q := query{start: start, end: end}
	for range s.gen.scan(q, position{hour: q.firstHour()}, late) {
		n++
	}
	return n
}

func (s *Server) records(start, end time.Time, productTypes, geoLocations []string) iter.Seq[[]byte] {
	s.mu.Lock()
	late := s.lateRecords()
	s.mu.Unlock()
	q := query{start: start, end: end, products: lowerSet(productTypes), geos: lowerSet(geoLocations)}
	return func(yield func([]byte) bool) {
		for _, h := range s.gen.scan(q, position{hour: q.firstHour()}, late) {
			if !yield(appendRecord(nil, h)) {
				return
			}
		}
	}
}

func lowerSet(vs []string) map[string]bool {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[strings.ToLower(v)] = true
	}
	return m
}
