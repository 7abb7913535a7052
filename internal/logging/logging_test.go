package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestNewWritesLambdaJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, "WARN")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	log.InfoContext(ctx, "dropped")
	log.WarnContext(ctx, "kept", "target", "aos-audit")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log output %q is not one JSON line: %v", buf.String(), err)
	}
	for key, want := range map[string]string{"message": "kept", "level": "WARN", "requestId": "req-1", "target": "aos-audit"} {
		if got, _ := rec[key].(string); got != want {
			t.Errorf("record[%q] = %q; want %q", key, got, want)
		}
	}
	if _, ok := rec["timestamp"]; !ok {
		t.Errorf("record has no timestamp: %v", rec)
	}
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "INFO", "debug": "DEBUG", "ERROR": "ERROR", "WARN": "WARN", "nonsense": "INFO"} {
		if got := parseLevel(in).String(); got != want {
			t.Errorf("parseLevel(%q) = %s; want %s", in, got, want)
		}
	}
}
