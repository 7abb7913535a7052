package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tokenrelay/tokenrelay/internal/testkit/bearerapi"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// TestConsumer invokes the example through the Lambda handler, against
// moto_server and a loopback API that rotates its token once: warm
// invocations share one SSM read, and the rotation costs one 401, one
// re-read and one retry.
func TestConsumer(t *testing.T) {
	rot := bearerapi.NewRotation(t, "/tokens/example", "token-before")
	var logs testenv.Buffer
	h := &Handler{URL: rot.API.URL() + "/v1/things", HTTP: NewClient(ssmtoken.New(rot.SSM, rot.Name), 10*time.Second),
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	invoke := func() {
		t.Helper()
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(`{}`))
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		var got Result
		if err := json.Unmarshal(out, &got); err != nil || got.Status != 200 || string(got.Body) != `{"ok":true}` {
			t.Fatalf("got result %s; want status 200 and the API's answer", out)
		}
	}
	rot.Run(t, "token-before", "token-after", invoke)
	if lines := logs.Lines(t); len(lines) != 3 || strings.Contains(logs.String(), "token-") {
		t.Errorf("got logs %s; want three records without the token", logs.String())
	}

	// A second 401 is the invocation's error, naming neither token.
	rot.API.Rotate("token-unknown")
	_, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || strings.Contains(err.Error(), "token-after") {
		t.Errorf("got %v; want an HTTP 401 error without the token", err)
	}
}
