package rie

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Result is one invocation as the emulator answered it.
type Result struct {
	// RequestID is the invocation's request id (X-Amzn-RequestId).
	RequestID string
	// Status is the emulator's HTTP status: 200, or 502 when the runtime
	// failed its init or exited.
	Status int
	// Payload is the body the emulator returned: the function's result, its
	// error document, or the timeout message.
	Payload []byte
	// Error is set when the invocation failed: a function error, an init
	// error, a runtime exit or a timeout.
	Error *FunctionError
	// TimedOut reports that the function ran past its timeout and was
	// stopped; Error.ErrorType is then Sandbox.Timedout.
	TimedOut bool
	// Duration is the emulator's REPORT Duration, else the time the
	// emulator took to answer.
	Duration time.Duration
	// Elapsed is the time the emulator took to answer, the start of a new
	// bootstrap included.
	Elapsed time.Duration
	// PID is the bootstrap that ran the invocation (0 if none was seen).
	PID int
}

// FunctionError is an invocation's error as Lambda returns it to the
// caller.
type FunctionError struct {
	// ErrorMessage is the error's text.
	ErrorMessage string `json:"errorMessage"`
	// ErrorType is, for aws-lambda-go, the Go type name of the error
	// ("errorString"), or a Lambda type: Runtime.InitError,
	// Runtime.ExitError, Sandbox.Timedout.
	ErrorType string `json:"errorType"`
	// StackTrace is the stack the runtime sent, if any (a panic's frames).
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

// Error returns "ErrorType: ErrorMessage".
func (e *FunctionError) Error() string { return e.ErrorType + ": " + e.ErrorMessage }

// TimedOutType is the errorType Lambda gives an invocation that ran past
// its timeout.
const TimedOutType = "Sandbox.Timedout"

// timedOutPrefix starts the emulator's answer to a timed-out invocation:
// "Task timed out after 3.00 seconds", as Lambda logs it.
const timedOutPrefix = "Task timed out after "

// reportWait bounds the wait for an invocation's REPORT line, which the
// emulator prints just before it answers.
const reportWait = 2 * time.Second

// Invoke runs one invocation with payload as the event and returns what the
// emulator answered. A failed invocation is in Result.Error with a nil
// error; the error is for an invocation the emulator did not answer
// (closed, exited, ctx done).
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (Result, error) {
	e.invokes.Lock()
	defer e.invokes.Unlock()
	res := Result{RequestID: newUUID()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(payload))
	if err != nil {
		return res, fmt.Errorf("rie: %w", err)
	}
	req.Header.Set("X-Amzn-RequestId", res.RequestID)
	req.Header.Set("Content-Type", "application/json")
	watch, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go e.watchPID(watch)
	start := time.Now()
	resp, err := e.client.Do(req)
	if err != nil {
		select {
		case <-e.exited:
			return res, fmt.Errorf("rie: invocation %s: the emulator exited (%v)", res.RequestID, e.exitErr())
		default:
		}
		return res, fmt.Errorf("rie: invocation %s: %w", res.RequestID, err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 7<<20))
	resp.Body.Close()
	res.Elapsed = time.Since(start)
	stopWatch()
	if err != nil {
		return res, fmt.Errorf("rie: invocation %s: read the answer: %w", res.RequestID, err)
	}
	res.Status, res.Payload, res.PID = resp.StatusCode, body, e.lastPID()
	res.Error, res.TimedOut = classify(resp.StatusCode, body, res.RequestID)
	res.Duration = res.Elapsed
	if rep, ok := e.report(res.RequestID, res.Status == http.StatusOK); ok {
		res.Duration = rep.duration
	}
	return res, nil
}

// classify reads an answer: a timeout message, an error document (a
// function error answers 200, an init or exit error 502), or a result.
func classify(status int, body []byte, id string) (*FunctionError, bool) {
	if status == http.StatusOK && bytes.HasPrefix(body, []byte(timedOutPrefix)) {
		return &FunctionError{ErrorType: TimedOutType, ErrorMessage: "RequestId: " + id + " Error: " + string(body)}, true
	}
	var fe FunctionError
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil && fields["errorType"] != nil && fields["errorMessage"] != nil && json.Unmarshal(body, &fe) == nil {
		return &fe, false
	}
	if status != http.StatusOK {
		return &FunctionError{ErrorType: "Emulator.Status" + fmt.Sprint(status), ErrorMessage: strings.TrimSpace(string(body))}, false
	}
	return nil, false
}

// report waits for the REPORT line of id; an invocation that failed its
// init or exited has none.
func (e *Emulator) report(id string, expect bool) (report, bool) {
	deadline := time.Now().Add(reportWait)
	for {
		e.mu.Lock()
		rep, ok := e.reports[id]
		delete(e.reports, id)
		e.mu.Unlock()
		if ok || !expect || time.Now().After(deadline) {
			return rep, ok
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// InitDurations returns the init durations the emulator logged (bootstrap
// start to its first GET /next), one per bootstrap started; only at
// LogLevel "info".
func (e *Emulator) InitDurations() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.inits...)
}

func (e *Emulator) exitErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.waitErr
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
