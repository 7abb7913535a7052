package runtimeapi

import "encoding/json"

// MarshalJSON writes the result for people and scripts: the payload inline
// when it is JSON (else as a string), times in milliseconds, memory in MiB.
func (r Result) MarshalJSON() ([]byte, error) {
	out := struct {
		RequestID      string          `json:"requestId"`
		Payload        json.RawMessage `json:"payload,omitempty"`
		Error          *FunctionError  `json:"error,omitempty"`
		DurationMs     float64         `json:"durationMs"`
		ColdStart      bool            `json:"coldStart"`
		InitDurationMs float64         `json:"initDurationMs,omitempty"`
		MaxMemoryMB    int64           `json:"maxMemoryUsedMB"`
	}{
		RequestID:      r.RequestID,
		Error:          r.Error,
		DurationMs:     float64(r.Duration.Microseconds()) / 1000,
		ColdStart:      r.ColdStart,
		InitDurationMs: float64(r.InitDuration.Microseconds()) / 1000,
		MaxMemoryMB:    r.MaxMemoryUsed >> 20,
	}
	switch {
	case r.Payload == nil:
	case json.Valid(r.Payload):
		out.Payload = r.Payload
	default:
		s, _ := json.Marshal(string(r.Payload))
		out.Payload = s
	}
	return json.Marshal(out)
}
