package localavepoint

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

var recordFields = []string{
	"action", "actionName", "actionParameters", "actionTime", "actionUser", "additionalDetails",
	"clientIP", "comment", "controllerName", "currentValue", "functionality", "geoLocation",
	"module", "objectName", "objectType", "operationType", "partnerTenantOwner", "previousValue",
	"product", "status",
}

func TestRecordsDeterministic(t *testing.T) {
	end := fixedTime.Add(2 * time.Hour)
	a := New(Config{Seed: 7}).Records(fixedTime, end)
	b := New(Config{Seed: 7}).Records(fixedTime, end)
	c := New(Config{Seed: 8}).Records(fixedTime, end)
	equalRecords(t, a, b)
	if string(a[0]) == string(c[0]) {
		t.Errorf("seeds 7 and 8 gave the same first record")
	}
	// A sub-range gives the same bytes as the matching part of a larger one.
	sub := New(Config{Seed: 7}).Records(fixedTime.Add(time.Hour), end)
	equalRecords(t, sub, a[60:])
}

func TestRecordShape(t *testing.T) {
	s := New(Config{RecordsPerHour: 500})
	recs := s.Records(fixedTime, fixedTime.Add(3*time.Hour))
	if len(recs) != 1500 || s.Count(fixedTime, fixedTime.Add(3*time.Hour)) != 1500 {
		t.Fatalf("got %d records; want 1500", len(recs))
	}
	var prev time.Time
	total := 0
	seen := map[string]bool{}
	for i, rec := range recs {
		total += len(rec)
		var m map[string]any
		if err := json.Unmarshal(rec, &m); err != nil {
			t.Fatalf("record %d is not JSON: %v", i, err)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, recordFields) {
			t.Fatalf("got fields %v; want %v", keys, recordFields)
		}
		at, err := time.Parse(time.RFC3339Nano, m["actionTime"].(string))
		if err != nil {
			t.Fatalf("actionTime: %v", err)
		}
		if at.Before(prev) {
			t.Errorf("record %d: actionTime %v before the previous %v", i, at, prev)
		}
		prev = at
		if seen[string(rec)] {
			t.Errorf("record %d repeats an earlier record", i)
		}
		seen[string(rec)] = true
		if !slices.Contains(ProductTypes, m["product"].(string)) {
			t.Errorf("got product %q; want a documented productTypes value", m["product"])
		}
	}
	if avg := total / len(recs); avg < 500 || avg > 900 {
		t.Errorf("got an average record of %d bytes; want about 600-700", avg)
	}
}

func TestNetString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`say "hi"`, `"say \u0022hi\u0022"`},
		{`a\b`, `"a\\b"`},
		{"tab\tline\nreturn\r", `"tab\tline\nreturn\r"`},
		{"\x01\x7f", `"\u0001\u007F"`},
		{"<a href='x'>&+`", `"\u003Ca href=\u0027x\u0027\u003E\u0026\u002B\u0060"`},
		{"Größe", `"Gr\u00F6\u00DFe"`},
		{"🚀", `"\uD83D\uDE80"`},
		{"bad\xffutf8", `"bad\uFFFDutf8"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(appendNetString(nil, tt.in)); got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
		})
	}
}

// FuzzNetString: whatever the string, the output is JSON that decodes back
// to it (invalid UTF-8 becoming U+FFFD, as in encoding/json).
func FuzzNetString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "é🚀", "\x00\x1f", "<>&'+`", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := appendNetString(nil, in)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q gave %s: %v", in, out, err)
		}
		want := in
		if !utf8.ValidString(in) {
			want = string([]rune(in))
		}
		if got != want {
			t.Errorf("round trip of %q = %q", want, got)
		}
		for _, b := range out {
			if b >= 0x80 {
				t.Fatalf("%q gave non-ASCII output %s", in, out)
			}
		}
	})
}
