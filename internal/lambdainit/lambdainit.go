// Package lambdainit reports a function's failed start the way Lambda shows
// it to the caller: a log line, then the error posted to the Runtime API's
// /runtime/init/error, then exit. aws-lambda-go has no call for it, so a
// main that cannot start would otherwise surface as a bare
// "Runtime.ExitError".
package lambdainit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// Check returns when every one of errs is nil. Otherwise it logs them,
// reports them to the Runtime API as the init error (so that the caller
// reads why, not just "Runtime.ExitError") and exits with status 1. No err
// may hold a secret: it reaches the caller.
func Check(logger *slog.Logger, errs ...error) {
	err := errors.Join(errs...)
	if err == nil {
		return
	}
	logger.Error("init failed", "error", err.Error())
	if rerr := report(&http.Client{Timeout: 2 * time.Second}, os.Getenv("AWS_LAMBDA_RUNTIME_API"), err); rerr != nil {
		logger.Error("init error not reported", "error", rerr.Error())
	}
	os.Exit(1)
}

// report posts err to the Runtime API's /runtime/init/error
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-initerror).
// aws-lambda-go has no call for it.
func report(c *http.Client, api string, err error) error {
	if api == "" {
		return fmt.Errorf("lambdainit: AWS_LAMBDA_RUNTIME_API is not set")
	}
	body, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": "Runtime.InitError"})
	req, rerr := http.NewRequest(http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if rerr != nil {
		return fmt.Errorf("lambdainit: report init error: %w", rerr)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.InitError")
	resp, rerr := c.Do(req)
	if rerr != nil {
		return fmt.Errorf("lambdainit: report init error: %w", rerr)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("lambdainit: report init error: runtime API answered %s", resp.Status)
	}
	return nil
}
