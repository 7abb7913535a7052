package auditpull_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

func TestHandlerThroughTheLambdaRuntime(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 11, RecordsPerHour: 12, PageSize: 5}, map[string]string{"WINDOW": "2h"})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
	out, err := lambda.NewHandler(r.handler.Handle).Invoke(ctx, []byte(backfillEvent(day0, day0.Add(4*time.Hour))))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	ws := windows(day0, day0.Add(4*time.Hour), 2*time.Hour)
	want := map[string]any{"windows": 2.0, "records": 48.0, "objects": []any{ws[0].Key(r.cfg.Prefix), ws[1].Key(r.cfg.Prefix)},
		"checkpoint": "", "complete": true}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("result = %s, %v; want %v", out, err, want)
	}
	var windowLogs int
	for _, l := range r.logs.Lines(t) {
		if l["requestId"] != "req-42" {
			t.Errorf("log line without the request id: %v", l)
		}
		if l["message"] == "window pulled" {
			windowLogs++
		}
	}
	if windowLogs != 2 {
		t.Errorf("got %d window log lines; want 2", windowLogs)
	}

	_, err = lambda.NewHandler(r.handler.Handle).Invoke(ctx, []byte(`{"start_time":"2024-10-10T00:00:00Z","end_time":"2024-10-10T00:00:00Z"}`))
	if err == nil || !strings.Contains(err.Error(), "not after start_time") {
		t.Errorf("empty backfill: %v; want an error", err)
	}
}
