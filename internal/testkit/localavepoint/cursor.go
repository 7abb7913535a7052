package localavepoint

import (
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"
)

// query is a validated audit request: records with actionTime in
// [start, end) whose product and geoLocation pass the filters (nil: any).
type query struct {
	start, end time.Time
	products   map[string]bool // lowercase
	geos       map[string]bool // lowercase
}

func (q query) firstHour() int64 { return floorHour(q.start) }

// lastHour is the hour holding end's last instant.
func (q query) lastHour() int64 { return floorHour(q.end.Add(-time.Nanosecond)) }

func floorHour(t time.Time) int64 {
	u := t.Unix()
	h := u / 3600
	if u%3600 < 0 {
		h--
	}
	return h
}

func (q query) match(h head) bool {
	if h.time.Before(q.start) || !h.time.Before(q.end) {
		return false
	}
	if q.products != nil && !q.products[strings.ToLower(h.act.product)] {
		return false
	}
	return q.geos == nil || q.geos[strings.ToLower(h.geo)]
}

// position is a record's place in API order: its hour and index within it.
type position struct {
	hour int64
	idx  int
}

// lateIn returns how many late records the hour holds under l.
func lateIn(hour int64, l Late) int {
	if l.PerHour <= 0 {
		return 0
	}
	start := time.Unix(hour*3600, 0)
	if start.Before(l.From) || !start.Before(l.To) {
		return 0
	}
	return l.PerHour
}

// scan yields the matching records from pos on, in API order, with the
// position of each.
func (g *generator) scan(q query, from position, l Late) iter.Seq2[position, head] {
	return func(yield func(position, head) bool) {
		if !q.start.Before(q.end) {
			return
		}
		last := q.lastHour()
		for hour := max(from.hour, q.firstHour()); hour <= last; hour++ {
			lateN := lateIn(hour, l)
			idx := 0
			if hour == from.hour {
				idx = from.idx
			}
			for ; idx < g.perHour+lateN; idx++ {
				h := g.head(hour, idx, lateN)
				if q.match(h) && !yield(position{hour, idx}, h) {
					return
				}
			}
		}
	}
}

// skipToken is the opaque paging cursor: the page number (1-based) it
// fetches and where that page starts.
type skipToken struct {
	page int
	pos  position
}

func (t skipToken) String() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "v1.%d.%d.%d", t.page, t.pos.hour, t.pos.idx))
}

var errBadSkipToken = errors.New("skipToken is not valid for this query")

func parseSkipToken(s string, q query) (skipToken, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return skipToken{}, errBadSkipToken
	}
	var t skipToken
	var rest string
	n, _ := fmt.Sscanf(string(raw), "v1.%d.%d.%d%s", &t.page, &t.pos.hour, &t.pos.idx, &rest)
	if n != 3 || t.page < 2 || t.pos.idx < 0 || t.pos.hour < q.firstHour() || t.pos.hour > q.lastHour() {
		return skipToken{}, errBadSkipToken
	}
	return t, nil
}
