package window

import (
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"1h", time.Hour, ""},
		{"15m", 15 * time.Minute, ""},
		{"7m", 7 * time.Minute, ""},
		{"168h", 168 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"1s", time.Second, ""},
		{"168h1s", 0, "longer than 168h"},
		{"200h", 0, "longer than 168h"},
		{"0", 0, "must be positive"},
		{"-1h", 0, "must be positive"},
		{"1.5s", 0, "whole number of seconds"},
		{"500ms", 0, "whole number of seconds"},
		{"", 0, "not a Go duration"},
		{"1d", 0, "not a Go duration"},
		{"hour", 0, "not a Go duration"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "WINDOW") {
					t.Fatalf("ParseSize(%q) error = %v; want one naming WINDOW and saying %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseSize(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestAlign(t *testing.T) {
	tests := []struct {
		name string
		t    string
		size time.Duration
		want string
	}{
		{"1h inside", "2024-10-10T08:59:59.999Z", time.Hour, "2024-10-10T08:00:00Z"},
		{"1h on boundary", "2024-10-10T08:00:00Z", time.Hour, "2024-10-10T08:00:00Z"},
		{"15m", "2024-10-10T08:44:00Z", 15 * time.Minute, "2024-10-10T08:30:00Z"},
		{"24h is UTC midnight", "2024-10-10T23:59:59Z", 24 * time.Hour, "2024-10-10T00:00:00Z"},
		{"168h starts on a Thursday", "2024-10-10T08:00:00Z", 168 * time.Hour, "2024-10-10T00:00:00Z"},
		{"168h from a Wednesday", "2024-10-09T23:00:00Z", 168 * time.Hour, "2024-10-03T00:00:00Z"},
		// 7m does not divide an hour: windows follow the epoch, not the clock.
		{"7m", "2024-10-10T08:00:00Z", 7 * time.Minute, "2024-10-10T07:56:00Z"}, // 1728547200 s = 4115588·420 + 240
		{"7m on boundary", "2024-10-10T08:03:00Z", 7 * time.Minute, "2024-10-10T08:03:00Z"},
		{"epoch", "1970-01-01T00:00:00Z", time.Hour, "1970-01-01T00:00:00Z"},
		{"before 1970 floors down", "1969-12-31T23:30:00Z", time.Hour, "1969-12-31T23:00:00Z"},
		{"before 1970 on boundary", "1969-12-31T23:00:00Z", time.Hour, "1969-12-31T23:00:00Z"},
		{"just before the epoch", "1969-12-31T23:59:59.5Z", time.Second, "1969-12-31T23:59:59Z"},
		{"168h before 1970", "1969-12-31T00:00:00Z", 168 * time.Hour, "1969-12-25T00:00:00Z"},
		{"sub-second size", "2024-10-10T08:00:00.7Z", 500 * time.Millisecond, "2024-10-10T08:00:00.5Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Align(utc(tt.t), tt.size)
			if !got.Equal(utc(tt.want)) || got.Location() != time.UTC {
				t.Errorf("Align(%s, %s) = %s; want %s UTC", tt.t, tt.size, got, tt.want)
			}
		})
	}
	if got := Align(utc("2024-10-10T08:00:00Z"), 168*time.Hour).Weekday(); got != time.Thursday {
		t.Errorf("168h window starts on %s; want Thursday", got)
	}
}

func TestAlignIgnoresZones(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("load America/New_York: %v (install tzdata)", err)
	}
	// 2024-03-10 02:00 EST → 03:00 EDT. The same instants in New York time
	// give the same UTC windows, and a 24h window starts at UTC midnight,
	// not local midnight.
	for _, s := range []string{"2024-03-10T06:59:59Z", "2024-03-10T07:00:00Z", "2024-03-10T07:30:00Z", "2024-11-03T05:30:00Z", "2024-11-03T06:30:00Z"} {
		u := utc(s)
		local := u.In(ny)
		for _, size := range []time.Duration{time.Hour, 24 * time.Hour, 168 * time.Hour, 7 * time.Minute} {
			if a, b := Align(u, size), Align(local, size); !a.Equal(b) || b.Location() != time.UTC {
				t.Errorf("Align(%s in New York, %s) = %s; want %s", s, size, b, a)
			}
		}
	}
	from := time.Date(2024, 3, 9, 22, 0, 0, 0, ny) // 2024-03-10T03:00Z
	now := time.Date(2024, 3, 10, 6, 0, 0, 0, ny)  // 2024-03-10T10:00Z (EDT)
	got := Due(from, now, time.Hour, 0)
	if len(got) != 7 {
		t.Fatalf("Due across the DST change = %d windows; want 7 (UTC hours 03 to 10)", len(got))
	}
	for i, w := range got {
		want := utc("2024-03-10T03:00:00Z").Add(time.Duration(i) * time.Hour)
		if !w.Start.Equal(want) || w.End.Sub(w.Start) != time.Hour || w.Start.Location() != time.UTC {
			t.Errorf("window %d = %s; want one hour from %s UTC", i, w, want.Format(time.RFC3339))
		}
	}
}

func TestDue(t *testing.T) {
	tests := []struct {
		name      string
		from, now string
		size, lag time.Duration
		want      []string // window starts
	}{
		{"end equal to now-lag is due", "2024-10-10T06:00:00Z", "2024-10-10T08:05:00Z", time.Hour, 5 * time.Minute,
			[]string{"2024-10-10T06:00:00Z", "2024-10-10T07:00:00Z"}},
		{"one second short is not", "2024-10-10T06:00:00Z", "2024-10-10T08:04:59Z", time.Hour, 5 * time.Minute,
			[]string{"2024-10-10T06:00:00Z"}},
		{"from inside a window starts at its start", "2024-10-10T06:30:00Z", "2024-10-10T08:05:00Z", time.Hour, 5 * time.Minute,
			[]string{"2024-10-10T06:00:00Z", "2024-10-10T07:00:00Z"}},
		{"nothing due", "2024-10-10T08:00:00Z", "2024-10-10T08:30:00Z", time.Hour, 5 * time.Minute, nil},
		{"from in the future", "2024-10-11T00:00:00Z", "2024-10-10T08:30:00Z", time.Hour, 0, nil},
		{"no lag", "2024-10-10T07:00:00Z", "2024-10-10T08:00:00Z", time.Hour, 0, []string{"2024-10-10T07:00:00Z"}},
		{"15m", "2024-10-10T07:10:00Z", "2024-10-10T08:00:00Z", 15 * time.Minute, 0,
			[]string{"2024-10-10T07:00:00Z", "2024-10-10T07:15:00Z", "2024-10-10T07:30:00Z", "2024-10-10T07:45:00Z"}},
		{"168h", "2024-10-01T00:00:00Z", "2024-10-17T00:00:00Z", 168 * time.Hour, 5 * time.Minute,
			[]string{"2024-09-26T00:00:00Z", "2024-10-03T00:00:00Z"}},
		{"zero size", "2024-10-10T06:00:00Z", "2024-10-10T08:00:00Z", 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Due(utc(tt.from), utc(tt.now), tt.size, tt.lag)
			checkStarts(t, got, tt.want, tt.size)
		})
	}
}

// TestDueCapped: a checkpoint ten years behind with 1m windows plans
// MaxDue windows from it, not 5.7 million.
func TestDueCapped(t *testing.T) {
	from := utc("2016-01-01T00:00:00Z")
	got := Due(from, utc("2026-12-01T00:00:00Z"), time.Minute, 5*time.Minute)
	if len(got) != MaxDue {
		t.Fatalf("got %d windows; want MaxDue (%d)", len(got), MaxDue)
	}
	for i, w := range got {
		if want := from.Add(time.Duration(i) * time.Minute); !w.Start.Equal(want) || w.End.Sub(w.Start) != time.Minute {
			t.Fatalf("window %d = %s; want one minute from %s", i, w, want.Format(time.RFC3339))
		}
	}
}

func checkStarts(t *testing.T, got []Window, want []string, size time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d windows %v; want starts %v", len(got), got, want)
	}
	for i, w := range got {
		if !w.Start.Equal(utc(want[i])) || w.End.Sub(w.Start) != size || w.Start.Location() != time.UTC {
			t.Errorf("window %d = %s; want start %s, length %s, UTC", i, w, want[i], size)
		}
	}
}

func TestCover(t *testing.T) {
	const max = 31 * 24 * time.Hour
	tests := []struct {
		name       string
		start, end string
		size       time.Duration
		want       []string
		wantErr    string
	}{
		{"on boundaries", "2024-10-10T00:00:00Z", "2024-10-10T03:00:00Z", time.Hour, []string{"2024-10-10T00:00:00Z", "2024-10-10T01:00:00Z", "2024-10-10T02:00:00Z"}, ""},
		{"start off boundary", "2024-10-10T00:30:00Z", "2024-10-10T02:00:00Z", time.Hour, []string{"2024-10-10T00:00:00Z", "2024-10-10T01:00:00Z"}, ""},
		{"end off boundary", "2024-10-10T00:00:00Z", "2024-10-10T01:00:01Z", time.Hour, []string{"2024-10-10T00:00:00Z", "2024-10-10T01:00:00Z"}, ""},
		{"both off, inside one window", "2024-10-10T00:10:00Z", "2024-10-10T00:20:00Z", time.Hour, []string{"2024-10-10T00:00:00Z"}, ""},
		{"one second", "2024-10-10T00:59:59Z", "2024-10-10T01:00:00Z", time.Hour, []string{"2024-10-10T00:00:00Z"}, ""},
		{"exactly max", "2024-10-01T00:00:00Z", "2024-11-01T00:00:00Z", 168 * time.Hour, []string{"2024-09-26T00:00:00Z", "2024-10-03T00:00:00Z", "2024-10-10T00:00:00Z", "2024-10-17T00:00:00Z", "2024-10-24T00:00:00Z", "2024-10-31T00:00:00Z"}, ""},
		{"zero length", "2024-10-10T00:00:00Z", "2024-10-10T00:00:00Z", time.Hour, nil, "is not after start_time"},
		{"reversed", "2024-10-10T01:00:00Z", "2024-10-10T00:00:00Z", time.Hour, nil, "end_time 2024-10-10T00:00:00Z is not after start_time 2024-10-10T01:00:00Z"},
		{"longer than max", "2024-10-01T00:00:00Z", "2024-11-01T00:00:01Z", time.Hour, nil, "longer than the 744h0m0s allowed"},
		{"zero size", "2024-10-10T00:00:00Z", "2024-10-10T01:00:00Z", 0, nil, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Cover(utc(tt.start), utc(tt.end), tt.size, max)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "window: ") {
					t.Fatalf("Cover error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Cover error: %v", err)
			}
			checkStarts(t, got, tt.want, tt.size)
		})
	}
	got, err := Cover(utc("2000-01-01T00:00:00Z"), utc("2000-01-01T05:00:00Z"), time.Hour, 0)
	if err != nil || len(got) != 5 {
		t.Errorf("Cover with no max = %d windows, %v; want 5", len(got), err)
	}
}

func TestRescan(t *testing.T) {
	tests := []struct {
		name       string
		checkpoint string
		size       time.Duration
		rescan     time.Duration
		want       []string
	}{
		{"zero rescan", "2024-10-10T08:00:00Z", time.Hour, 0, nil},
		{"one window", "2024-10-10T08:00:00Z", time.Hour, time.Hour, []string{"2024-10-10T07:00:00Z"}},
		{"window ending exactly rescan before is excluded", "2024-10-10T08:00:00Z", time.Hour, 2 * time.Hour, []string{"2024-10-10T06:00:00Z", "2024-10-10T07:00:00Z"}},
		{"partial overlap includes", "2024-10-10T08:00:00Z", time.Hour, 61 * time.Minute, []string{"2024-10-10T06:00:00Z", "2024-10-10T07:00:00Z"}},
		{"rescan shorter than a window", "2024-10-10T08:00:00Z", time.Hour, 10 * time.Minute, []string{"2024-10-10T07:00:00Z"}},
		{"checkpoint off boundary", "2024-10-10T08:30:00Z", time.Hour, time.Hour, []string{"2024-10-10T07:00:00Z"}},
		{"checkpoint off boundary, short rescan", "2024-10-10T08:30:00Z", time.Hour, 20 * time.Minute, nil},
		{"15m windows", "2024-10-10T08:00:00Z", 15 * time.Minute, 45 * time.Minute, []string{"2024-10-10T07:15:00Z", "2024-10-10T07:30:00Z", "2024-10-10T07:45:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rescan(utc(tt.checkpoint), tt.size, tt.rescan)
			checkStarts(t, got, tt.want, tt.size)
			cp := utc(tt.checkpoint)
			for _, w := range got {
				if w.End.After(cp) || !w.End.After(cp.Add(-tt.rescan)) {
					t.Errorf("window %s does not end within %s before %s", w, tt.rescan, tt.checkpoint)
				}
			}
		})
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		w      Window
		prefix string
		want   string
	}{
		{Window{utc("2024-10-10T08:00:00Z"), utc("2024-10-10T09:00:00Z")}, "avepoint/audit/", "avepoint/audit/year=2024/month=10/day=10/20241010T080000Z_20241010T090000Z.jsonl.gz"},
		{Window{utc("2024-01-02T23:00:00Z"), utc("2024-01-03T00:00:00Z")}, "", "year=2024/month=01/day=02/20240102T230000Z_20240103T000000Z.jsonl.gz"},
		{Window{utc("2024-12-26T00:00:00Z"), utc("2025-01-02T00:00:00Z")}, "p/", "p/year=2024/month=12/day=26/20241226T000000Z_20250102T000000Z.jsonl.gz"},
	}
	for _, tt := range tests {
		if got := tt.w.Key(tt.prefix); got != tt.want {
			t.Errorf("Key(%q) = %q; want %q", tt.prefix, got, tt.want)
		}
	}
	ny, _ := time.LoadLocation("America/New_York")
	w := Window{utc("2024-10-10T02:00:00Z").In(ny), utc("2024-10-10T03:00:00Z").In(ny)}
	if got, want := w.Key(""), "year=2024/month=10/day=10/20241010T020000Z_20241010T030000Z.jsonl.gz"; got != want {
		t.Errorf("Key of a window in New York time = %q; want %q", got, want)
	}
	if got, want := w.String(), "2024-10-10T02:00:00Z/2024-10-10T03:00:00Z"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

func TestManifestAndQuarantineKeys(t *testing.T) {
	w := Window{utc("2024-10-10T08:00:00Z"), utc("2024-10-10T09:00:00Z")}
	if got, want := w.ManifestKey("avepoint/audit/"), "avepoint/audit/_manifests/year=2024/month=10/day=10/20241010T080000Z_20241010T090000Z.json"; got != want {
		t.Errorf("ManifestKey = %q; want %q", got, want)
	}
	if got, want := w.QuarantineKey("p/"), "p/_quarantine/year=2024/month=10/day=10/20241010T080000Z_20241010T090000Z.jsonl.gz"; got != want {
		t.Errorf("QuarantineKey = %q; want %q", got, want)
	}
}
