package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestLoggerWritesLambdaJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := Logger(&buf).With("fn", "refresher")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	log.DebugContext(ctx, "kept", "target", "aos-audit")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log output %q is not one JSON line: %v", buf.String(), err)
	}
	for key, want := range map[string]string{"message": "kept", "level": "DEBUG", "requestId": "req-1", "target": "aos-audit", "fn": "refresher"} {
		if got, _ := rec[key].(string); got != want {
			t.Errorf("record[%q] = %q; want %q", key, got, want)
		}
	}
	if _, ok := rec["timestamp"]; !ok {
		t.Errorf("record has no timestamp: %v", rec)
	}
}
