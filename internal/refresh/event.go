package refresh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// Event is a manual invocation: {"targets": ["aos-audit"], "force": true}.
// Both fields are optional; unknown fields are errors, so that a misspelt
// "target" is not silently read as "every target".
type Event struct {
	// Targets names the targets to refresh; empty means every target.
	// The name of a target that lists instances selects all of them.
	Targets []string `json:"targets"`
	// Force refreshes the selected targets even when their stored token is
	// fresh.
	Force bool `json:"force"`
}

// scheduledFields are the fields of an EventBridge event
// (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
var scheduledFields = []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}

// ParseEvent reads an invocation's payload: an EventBridge Scheduled Event
// (every target, each when due), an Event, or an empty payload, {} or null
// (the same as a scheduled event).
func ParseEvent(payload []byte) (Event, error) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		return Event{}, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return Event{}, fmt.Errorf("refresh: invalid event: not a JSON object")
	}
	if _, ok := fields["detail-type"]; ok {
		return Event{}, checkScheduled(fields)
	}
	if _, ok := fields["source"]; ok {
		return Event{}, checkScheduled(fields)
	}
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return Event{}, fmt.Errorf("refresh: invalid event: %s", eventProblem(err))
	}
	if ev.Targets != nil && len(ev.Targets) == 0 {
		return Event{}, errors.New(`refresh: invalid event: "targets" is empty; omit it to select every target`)
	}
	return ev, nil
}

// checkScheduled accepts an EventBridge Scheduled Event and nothing else that
// looks like an EventBridge event.
func checkScheduled(fields map[string]json.RawMessage) error {
	var unknown []string
	for k := range fields {
		if !slices.Contains(scheduledFields, k) {
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("refresh: invalid event: unknown field %s in an EventBridge event", strings.Join(unknown, ", "))
	}
	var detailType string
	if err := json.Unmarshal(fields["detail-type"], &detailType); err != nil || detailType != "Scheduled Event" {
		return errors.New(`refresh: invalid event: an EventBridge event must have "detail-type": "Scheduled Event"`)
	}
	return nil
}

// eventProblem describes a decoding error without quoting the payload.
func eventProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		switch field, _, _ := strings.Cut(typeErr.Field, "."); field {
		case "targets":
			return `"targets" must be a list of target names`
		case "force":
			return `"force" must be true or false`
		}
		return "not a JSON object"
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: "); ok {
		return msg
	}
	return "not a JSON object"
}

// selectTargets returns the targets ev asks for, in configuration order. A
// name selects the target of that name, else every instance of the target
// that listed instances under that name (targets.Target.Group): a dotted name
// of a target without instances is no group. Names that match no target are
// an error naming all of them.
func selectTargets(all []targets.Target, ev Event) ([]targets.Target, error) {
	if len(ev.Targets) == 0 {
		return all, nil
	}
	want := make([]bool, len(all))
	var unknown []string
	for _, name := range ev.Targets {
		found := false
		for i, t := range all {
			if t.Name == name || t.Group != "" && t.Group == name && !hasTarget(all, name) {
				want[i], found = true, true
			}
		}
		if !found {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("refresh: invalid event: unknown target %s", strings.Join(unknown, ", "))
	}
	var out []targets.Target
	for i, t := range all {
		if want[i] {
			out = append(out, t)
		}
	}
	return out, nil
}

func hasTarget(all []targets.Target, name string) bool {
	return slices.ContainsFunc(all, func(t targets.Target) bool { return t.Name == name })
}
