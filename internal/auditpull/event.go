package auditpull

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is an invocation: an EventBridge scheduled event (or an empty
// object), a backfill {"start_time": "…", "end_time": "…"}, or a verify run
// {"verify": {"start_time": "…", "end_time": "…", "repair": true}}.
type Event struct {
	// Backfill is set for a backfill event; nil for a scheduled run.
	Backfill *Range
	// Verify is set for a verify event.
	Verify *VerifyRange
}

// VerifyRange is a verify event's range and whether to repair what fails.
type VerifyRange struct {
	Range
	// Repair backfills the missing and mismatched windows with the time left.
	Repair bool
}

// Range is a backfill's [Start, End).
type Range struct {
	// Start and End are the event's start_time and end_time, in UTC.
	Start, End time.Time
}

// rawEvent lists every member an invocation may carry: the backfill's, and
// those of an EventBridge Scheduled Event
// (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-scheduler.html),
// so that anything else is refused as a mistake.
type rawEvent struct {
	StartTime *string    `json:"start_time"`
	EndTime   *string    `json:"end_time"`
	Verify    *rawVerify `json:"verify"`

	Version    json.RawMessage `json:"version"`
	ID         json.RawMessage `json:"id"`
	DetailType json.RawMessage `json:"detail-type"`
	Source     json.RawMessage `json:"source"`
	Account    json.RawMessage `json:"account"`
	Time       json.RawMessage `json:"time"`
	Region     json.RawMessage `json:"region"`
	Resources  json.RawMessage `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// rawVerify is the verify event's member.
type rawVerify struct {
	StartTime *string `json:"start_time"`
	EndTime   *string `json:"end_time"`
	Repair    bool    `json:"repair"`
}

// ParseEvent decodes an invocation's payload. null and {} are a scheduled
// run, like an EventBridge event; a member that is neither a backfill's
// nor an EventBridge event's is an error naming it.
func ParseEvent(payload []byte) (Event, error) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || bytes.Equal(payload, []byte("null")) {
		return Event{}, nil
	}
	if payload[0] != '{' {
		return Event{}, errors.New(`auditpull: event: not a JSON object; send {"start_time": "…", "end_time": "…"} for a backfill, or an EventBridge scheduled event`)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var raw rawEvent
	if err := dec.Decode(&raw); err != nil {
		return Event{}, fmt.Errorf("auditpull: event: %v (a backfill has only start_time and end_time)", err)
	}
	if raw.Verify != nil {
		return parseVerify(raw)
	}
	if raw.StartTime == nil && raw.EndTime == nil {
		return Event{}, nil
	}
	if raw.Source != nil || raw.DetailType != nil {
		return Event{}, errors.New("auditpull: event: an EventBridge event cannot carry start_time or end_time")
	}
	start, err := eventTime("start_time", raw.StartTime)
	if err != nil {
		return Event{}, err
	}
	end, err := eventTime("end_time", raw.EndTime)
	if err != nil {
		return Event{}, err
	}
	return Event{Backfill: &Range{Start: start, End: end}}, nil
}

func parseVerify(raw rawEvent) (Event, error) {
	if raw.StartTime != nil || raw.EndTime != nil || raw.Source != nil || raw.DetailType != nil {
		return Event{}, errors.New(`auditpull: event: a verify event has only "verify": {"start_time", "end_time", "repair"}`)
	}
	start, err := eventTime("verify.start_time", raw.Verify.StartTime)
	if err != nil {
		return Event{}, err
	}
	end, err := eventTime("verify.end_time", raw.Verify.EndTime)
	if err != nil {
		return Event{}, err
	}
	return Event{Verify: &VerifyRange{Range: Range{Start: start, End: end}, Repair: raw.Verify.Repair}}, nil
}

func eventTime(name string, v *string) (time.Time, error) {
	if v == nil || *v == "" {
		return time.Time{}, fmt.Errorf("auditpull: event: %s is required for a backfill or a verify", name)
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return time.Time{}, fmt.Errorf("auditpull: event: %s %q is not an RFC 3339 time such as 2024-10-10T08:00:00Z", name, *v)
	}
	return t.UTC(), nil
}

// Result is what an invocation returns (README: "Audit pull", "Invocation").
type Result struct {
	// Windows is the number of windows pulled to the end.
	Windows int `json:"windows"`
	// Records is the number of lines written to stored objects.
	Records int `json:"records"`
	// Objects are the keys written, in order.
	Objects []string `json:"objects"`
	// Checkpoint is the checkpoint's next_start_time after the run, ""
	// when there is none.
	Checkpoint string `json:"checkpoint"`
	// Complete is false when the run stopped early for its deadline; for a
	// verify run, it is true when every window was checked and verified.
	Complete bool `json:"complete"`
	// NextStartTime is where a backfill cut short should continue (the start
	// of its first window not stored); absent when it completed.
	NextStartTime string `json:"next_start_time,omitempty"`
	// Verification is set for a verify event: its fields are the result's
	// (README: "Audit pull", "Verify").
	*Verification
	// Verify is the check of the windows a scheduled run just pulled.
	Verify *Verification `json:"verify,omitempty"`
}

// Verification is the outcome of checking manifests against objects.
type Verification struct {
	// Windows is the number of windows in the range.
	Windows int `json:"windows"`
	// Verified counts the windows whose manifest matches their objects.
	Verified int `json:"verified"`
	// Missing lists the windows without a manifest or whose object is gone,
	// as "start/end".
	Missing []string `json:"missing"`
	// Mismatched lists the windows whose object differs from its manifest.
	Mismatched []string `json:"mismatched"`
	// Repaired lists the windows a repair pulled again.
	Repaired []string `json:"repaired,omitempty"`
	// Complete is true when every window of the range was verified.
	Complete bool `json:"complete"`
	// NextStartTime is where to continue a verify cut short by the deadline.
	NextStartTime string `json:"next_start_time,omitempty"`
}
