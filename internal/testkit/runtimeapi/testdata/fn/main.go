// Command fn is the test function of package runtimeapi: a Lambda built with
// aws-lambda-go whose event says what to do. FN_INIT makes its init fail
// ("error" posts /runtime/init/error, "exit" exits, "hang" never starts);
// FN_FAIL_FILE does the same as "error" while that file exists. FN_MODE=raw
// speaks the Runtime API by hand to probe its error answers.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action  string `json:"action"`
	Ms      int    `json:"ms"`
	MB      int    `json:"mb"`
	Message string `json:"message"`
}

var (
	count int
	hold  [][]byte
)

var envKeys = []string{
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER",
	"LAMBDA_TASK_ROOT", "TZ", "PATH", "HOME", "FN_EXTRA", "_X_AMZN_TRACE_ID",
}

func handle(ctx context.Context, ev event) (any, error) {
	count++
	lc, _ := lambdacontext.FromContext(ctx)
	switch ev.Action {
	case "echo":
		deadline, _ := ctx.Deadline()
		env := map[string]string{}
		for _, k := range envKeys {
			env[k] = os.Getenv(k)
		}
		wd, _ := os.Getwd()
		return map[string]any{
			"requestId": lc.AwsRequestID, "arn": lc.InvokedFunctionArn,
			"deadlineMs": deadline.UnixMilli(), "pid": os.Getpid(), "count": count,
			"env": env, "wd": wd, "message": ev.Message,
		}, nil
	case "log":
		fmt.Fprintf(os.Stdout, `{"level":"INFO","msg":%q,"requestId":%q}`+"\n", ev.Message, lc.AwsRequestID)
		fmt.Fprintln(os.Stderr, "stderr: "+ev.Message)
		return "logged", nil
	case "error":
		return nil, errors.New(ev.Message)
	case "panic":
		panic(ev.Message)
	case "sleep": // ignores ctx on purpose: only a kill ends it
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		return "slept", nil
	case "exit":
		os.Exit(3)
	case "big":
		return strings.Repeat("x", ev.MB<<20), nil
	case "alloc":
		for range ev.MB {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			hold = append(hold, b)
			time.Sleep(2 * time.Millisecond)
		}
		return "allocated", nil
	}
	return nil, fmt.Errorf("unknown action %q", ev.Action)
}

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime"
	failFile := os.Getenv("FN_FAIL_FILE")
	_, statErr := os.Stat(failFile)
	switch {
	case os.Getenv("FN_INIT") == "error" || (failFile != "" && statErr == nil):
		post(api+"/init/error", "Runtime.ConfigError", `{"errorMessage":"FOO is not set","errorType":"Runtime.ConfigError"}`)
		os.Exit(1)
	case os.Getenv("FN_INIT") == "exit":
		fmt.Fprintln(os.Stderr, "fatal: cannot start")
		os.Exit(2)
	case os.Getenv("FN_INIT") == "hang":
		time.Sleep(time.Hour)
	case os.Getenv("FN_MODE") == "raw":
		raw(api)
		return
	}
	lambda.Start(handle)
}

// raw answers each event with the statuses of the protocol probes it names.
func raw(api string) {
	for {
		resp, err := http.Get(api + "/invocation/next")
		if err != nil {
			os.Exit(1)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		var ev event
		_ = json.Unmarshal(body, &ev)
		got := map[string]int{}
		switch ev.Action {
		case "probe":
			got["wrongId"] = post(api+"/invocation/not-a-request-id/response", "", "{}")
			got["initErrorAfterInit"] = post(api+"/init/error", "Runtime.X", "{}")
			got["unknownPath"] = post(api+"/invocation/"+id+"/nonsense", "", "{}")
		case "rawerror":
			post(api+"/invocation/"+id+"/error", "Custom.Type", "not json at all")
			continue
		}
		b, _ := json.Marshal(got)
		got["response"] = post(api+"/invocation/"+id+"/response", "", string(b))
		if ev.Action == "probe" {
			got["second"] = post(api+"/invocation/"+id+"/response", "", "{}")
			fmt.Fprintf(os.Stderr, "second response: %d\n", got["second"])
		}
	}
}

func post(url, errType, body string) int {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if errType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
