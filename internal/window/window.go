package window

import (
	"fmt"
	"time"
)

// MaxSize is the largest window: the AvePoint API serves at most seven days
// per query.
const MaxSize = 168 * time.Hour

// stamp is the layout of window bounds in object keys.
const stamp = "20060102T150405Z"

// Window is a half-open time interval [Start, End) in UTC.
type Window struct {
	Start, End time.Time
}

// ParseSize parses a WINDOW value: a Go duration, positive, at most 168h and
// a whole number of seconds.
func ParseSize(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("window: WINDOW %q is not a Go duration such as 1h or 15m", s)
	case d <= 0:
		return 0, fmt.Errorf("window: WINDOW %q must be positive", s)
	case d > MaxSize:
		return 0, fmt.Errorf("window: WINDOW %q is longer than %s", s, "168h")
	case d%time.Second != 0:
		return 0, fmt.Errorf("window: WINDOW %q must be a whole number of seconds", s)
	}
	return d, nil
}

// Align returns the start of the size-long window holding t: t floored to a
// multiple of size since the Unix epoch, in UTC, also before 1970. A size
// of zero or less returns t in UTC.
func Align(t time.Time, size time.Duration) time.Time {
	if size <= 0 {
		return t.UTC()
	}
	if size%time.Second == 0 {
		n := int64(size / time.Second)
		return time.Unix(floorDiv(t.Unix(), n)*n, 0).UTC()
	}
	// Sub-second sizes (never from ParseSize) use nanoseconds, which cover
	// the years 1678 to 2262.
	n := int64(size)
	return time.Unix(0, floorDiv(t.UnixNano(), n)*n).UTC()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// At returns the size-long window holding t.
func At(t time.Time, size time.Duration) Window {
	start := Align(t, size)
	return Window{Start: start, End: start.Add(size)}
}

// MaxDue caps the windows Due returns: 10,000 is more than one run gets
// through (each window is at least an API call and a checkpoint write), and
// bounds the memory of a far-behind checkpoint (a 1m WINDOW ten years back
// would otherwise be 5 million windows).
const MaxDue = 10000

// Due returns the consecutive windows from the one holding from whose End
// is at or before now−lag, oldest first, at most MaxDue of them; none when
// size ≤ 0.
func Due(from, now time.Time, size, lag time.Duration) []Window {
	if size <= 0 {
		return nil
	}
	limit := now.Add(-lag)
	var ws []Window
	for w := At(from, size); len(ws) < MaxDue && !w.End.After(limit); w = w.next() {
		ws = append(ws, w)
	}
	return ws
}

// Cover returns the windows covering the backfill range [start, end), oldest
// first: from the one holding start to the one holding the last instant
// before end. end must be after start, and end−start at most max (no limit
// when max ≤ 0).
func Cover(start, end time.Time, size, max time.Duration) ([]Window, error) {
	switch {
	case size <= 0:
		return nil, fmt.Errorf("window: size %s must be positive", size)
	case !end.After(start):
		return nil, fmt.Errorf("window: end_time %s is not after start_time %s", end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	case max > 0 && end.Sub(start) > max:
		return nil, fmt.Errorf("window: range %s to %s is longer than the %s allowed", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), max)
	}
	var ws []Window
	for w := At(start, size); w.Start.Before(end); w = w.next() {
		ws = append(ws, w)
	}
	return ws, nil
}

// Rescan returns the windows that ended within rescan before checkpoint
// (End ≤ checkpoint and End > checkpoint−rescan), oldest first; none when
// rescan or size ≤ 0.
func Rescan(checkpoint time.Time, size, rescan time.Duration) []Window {
	if size <= 0 || rescan <= 0 {
		return nil
	}
	after := checkpoint.Add(-rescan)
	var ws []Window
	for end := Align(checkpoint, size); end.After(after); end = end.Add(-size) {
		ws = append(ws, Window{Start: end.Add(-size), End: end})
	}
	for i, j := 0, len(ws)-1; i < j; i, j = i+1, j-1 {
		ws[i], ws[j] = ws[j], ws[i]
	}
	return ws
}

func (w Window) next() Window {
	return Window{Start: w.End, End: w.End.Add(w.End.Sub(w.Start))}
}

// Key returns the S3 key of the window's object:
// {prefix}year=YYYY/month=MM/day=DD/{start}_{end}.jsonl.gz, with the date
// parts from Start and the bounds as 20061102T150405Z.
func (w Window) Key(prefix string) string { return w.key(prefix, ".jsonl.gz") }

// ManifestKey returns the S3 key of the window's manifest (README: "S3
// layout"): {prefix}_manifests/year=YYYY/month=MM/day=DD/{start}_{end}.json.
func (w Window) ManifestKey(prefix string) string { return w.key(prefix+"_manifests/", ".json") }

// QuarantineKey returns the S3 key of the object holding the window's page
// items that are not records (README: "S3 layout"):
// {prefix}_quarantine/year=YYYY/month=MM/day=DD/{start}_{end}.jsonl.gz.
func (w Window) QuarantineKey(prefix string) string {
	return w.key(prefix+"_quarantine/", ".jsonl.gz")
}

func (w Window) key(prefix, ext string) string {
	s, e := w.Start.UTC(), w.End.UTC()
	return fmt.Sprintf("%syear=%04d/month=%02d/day=%02d/%s_%s%s",
		prefix, s.Year(), int(s.Month()), s.Day(), s.Format(stamp), e.Format(stamp), ext)
}

// String returns the window as "start/end" in RFC 3339 (ISO 8601 interval).
func (w Window) String() string {
	return w.Start.UTC().Format(time.RFC3339) + "/" + w.End.UTC().Format(time.RFC3339)
}
