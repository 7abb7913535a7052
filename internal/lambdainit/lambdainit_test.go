package lambdainit

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	t.Parallel()
	var gotPath, gotType string
	var got map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotType = r.Method+" "+r.URL.Path, r.Header.Get("Lambda-Runtime-Function-Error-Type")
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	api := strings.TrimPrefix(srv.URL, "http://")

	if err := report(srv.Client(), api, errors.New("refresh: REFRESHER_CONCURRENCY must be a whole number")); err != nil {
		t.Fatalf("report: %v", err)
	}
	if gotPath != "POST /2018-06-01/runtime/init/error" || gotType != "Runtime.InitError" {
		t.Errorf("got %s with error type %q; want POST /2018-06-01/runtime/init/error, Runtime.InitError", gotPath, gotType)
	}
	if got["errorMessage"] != "refresh: REFRESHER_CONCURRENCY must be a whole number" || got["errorType"] != "Runtime.InitError" {
		t.Errorf("got body %v; want the error message and type", got)
	}
	if err := report(srv.Client(), "", errors.New("x")); err == nil {
		t.Error("got no error without AWS_LAMBDA_RUNTIME_API; want one")
	}
}

// TestCheckWithoutErrors: a start without errors goes on, and logs nothing.
func TestCheckWithoutErrors(t *testing.T) {
	var logs strings.Builder
	Check(slog.New(slog.NewJSONHandler(&logs, nil)), nil, nil)
	if logs.Len() != 0 {
		t.Errorf("Check(nil, nil) logged %q; want nothing", logs.String())
	}
}
