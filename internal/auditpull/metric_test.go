package auditpull

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestWriteLag(t *testing.T) {
	now := time.Date(2024, 10, 10, 8, 7, 0, 0, time.UTC)
	tests := []struct {
		name, function string
		checkpoint     time.Time
		want           string
	}{
		{"with the function", "auditpull", now.Add(-7 * time.Minute),
			`{"level":"INFO","message":"metric CheckpointLagSeconds","timestamp":"2024-10-10T08:07:00Z","CheckpointLagSeconds":420,"FunctionName":"auditpull","_aws":{"Timestamp":1728547620000,"CloudWatchMetrics":[{"Namespace":"TokenRelay","Dimensions":[["FunctionName"]],"Metrics":[{"Name":"CheckpointLagSeconds","Unit":"Seconds"}]}]}}`},
		{"no function name, checkpoint ahead", "", now.Add(time.Minute),
			`{"level":"INFO","message":"metric CheckpointLagSeconds","timestamp":"2024-10-10T08:07:00Z","CheckpointLagSeconds":0,"_aws":{"Timestamp":1728547620000,"CloudWatchMetrics":[{"Namespace":"TokenRelay","Dimensions":[],"Metrics":[{"Name":"CheckpointLagSeconds","Unit":"Seconds"}]}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeLag(&buf, tt.function, now, tt.checkpoint); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) || bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
				t.Errorf("output %q is not one line", buf.String())
			}
			var got, want any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal([]byte(tt.want), &want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %s; want %s", buf.String(), tt.want)
			}
		})
	}
}
