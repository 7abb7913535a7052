package auditpull

import (
	"strings"
	"testing"
	"time"
)

func TestParseVerifyEvent(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"verify":{"start_time":"2024-10-10T00:00:00Z","end_time":"2027-10-10T00:00:00Z","repair":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := VerifyRange{Range{time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC), time.Date(2027, 10, 10, 0, 0, 0, 0, time.UTC)}, true}
	if ev.Verify == nil || ev.Backfill != nil || *ev.Verify != want {
		t.Errorf("got event %+v; want verify %+v", ev, want)
	}
}

func TestParseEvent(t *testing.T) {
	t10 := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		payload  string
		backfill *Range
		wantErr  string
	}{
		{"EventBridge scheduled event", `{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2024-10-10T00:05:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/r"],"detail":{}}`, nil, ""},
		{"empty object", `{}`, nil, ""},
		{"null", `null`, nil, ""},
		{"empty", ``, nil, ""},
		{"backfill", `{"start_time":"2024-10-10T02:00:00+02:00","end_time":"2024-10-11T00:00:00Z"}`, &Range{t10, t10.Add(24 * time.Hour)}, ""},
		{"unknown field", `{"start":"2024-10-10T00:00:00Z"}`, nil, `unknown field "start"`},
		{"not an object", `["2024-10-10T00:00:00Z"]`, nil, "not a JSON object"},
		{"start only", `{"start_time":"2024-10-10T00:00:00Z"}`, nil, "end_time is required"},
		{"bad end", `{"start_time":"2024-10-10T00:00:00Z","end_time":1}`, nil, "end_time"},
		{"verify and a range", `{"verify":{"start_time":"2024-10-10T00:00:00Z","end_time":"2024-10-11T00:00:00Z"},"start_time":"2024-10-10T00:00:00Z"}`, nil, "a verify event has only"},
		{"verify without end", `{"verify":{"start_time":"2024-10-10T00:00:00Z"}}`, nil, "verify.end_time is required"},
		{"verify unknown member", `{"verify":{"start_time":"2024-10-10T00:00:00Z","end_time":"2024-10-11T00:00:00Z","fix":true}}`, nil, `unknown field "fix"`},
		{"EventBridge with a range", `{"source":"aws.events","start_time":"2024-10-10T00:00:00Z","end_time":"2024-10-11T00:00:00Z"}`, nil, "cannot carry start_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tt.payload))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "auditpull: event: ") {
					t.Fatalf("ParseEvent error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEvent error: %v", err)
			}
			switch {
			case tt.backfill == nil && ev.Backfill != nil:
				t.Errorf("got backfill %+v; want a scheduled run", *ev.Backfill)
			case tt.backfill != nil && (ev.Backfill == nil || !ev.Backfill.Start.Equal(tt.backfill.Start) || !ev.Backfill.End.Equal(tt.backfill.End)):
				t.Errorf("got backfill %+v; want %+v", ev.Backfill, *tt.backfill)
			}
		})
	}
}
