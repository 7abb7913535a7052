// Command fn is the test function of package rie: a Lambda built with
// aws-lambda-go whose event says what to do. FN_INIT=error makes its init
// fail through /runtime/init/error.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Action  string `json:"action"`
	Ms      int    `json:"ms"`
	Message string `json:"message"`
}

func handle(ctx context.Context, ev event) (any, error) {
	switch ev.Action {
	case "echo":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		deadline, _ := ctx.Deadline()
		return map[string]any{"pid": os.Getpid(), "env": env, "message": ev.Message, "deadlineInMs": time.Until(deadline).Milliseconds()}, nil
	case "log":
		fmt.Println(`{"level":"INFO","message":` + fmt.Sprintf("%q", ev.Message) + `}`)
		return "logged", nil
	case "error":
		return nil, errors.New(ev.Message)
	case "sleep": // ignores ctx on purpose: only the timeout ends it
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		return "slept", nil
	case "exit":
		os.Exit(3)
	}
	return nil, fmt.Errorf("unknown action %q", ev.Action)
}

func main() {
	if os.Getenv("FN_INIT") == "error" {
		api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		req, _ := http.NewRequest(http.MethodPost, api, bytes.NewBufferString(`{"errorMessage":"FOO is not set","errorType":"Runtime.ConfigError"}`))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	}
	lambda.Start(handle)
}
