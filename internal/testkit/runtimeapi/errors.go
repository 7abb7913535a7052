package runtimeapi

import (
	"encoding/json"
	"errors"
	"strings"
)

// Why an invocation or an init failed without the function reporting it;
// reach them with errors.Is.
var (
	// ErrTimeout: the function ran past its timeout and was killed.
	ErrTimeout = errors.New("runtimeapi: task timed out")
	// ErrKilled: Kill stopped the process.
	ErrKilled = errors.New("runtimeapi: process killed")
	// ErrExited: the process exited on its own.
	ErrExited = errors.New("runtimeapi: process exited")
	// ErrOutOfMemory: the process's resident set exceeded the memory size.
	ErrOutOfMemory = errors.New("runtimeapi: out of memory")
	// ErrClosed: the runtime was closed.
	ErrClosed = errors.New("runtimeapi: runtime closed")
	// ErrPayloadTooLarge: the event exceeds Lambda's 6 MB request limit.
	ErrPayloadTooLarge = errors.New("runtimeapi: request payload too large")
)

// FunctionError is an error the function reported through the Runtime API,
// as Lambda returns it to the caller.
type FunctionError struct {
	// ErrorMessage is the error's text.
	ErrorMessage string `json:"errorMessage"`
	// ErrorType is, for aws-lambda-go, the Go type name ("errorString"),
	// or a Lambda type such as "Function.ResponseSizeTooLarge".
	ErrorType string `json:"errorType"`
	// StackTrace is the runtime's stack, as it sent it (aws-lambda-go sends
	// frames for a panic).
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

// Error returns "ErrorType: ErrorMessage".
func (e *FunctionError) Error() string {
	return e.ErrorType + ": " + e.ErrorMessage
}

// parseFunctionError reads an error body; a body that is not the documented
// JSON still becomes an error, typed by the header.
func parseFunctionError(body []byte, headerType string) *FunctionError {
	fe := &FunctionError{}
	if err := json.Unmarshal(body, fe); err != nil {
		fe = &FunctionError{ErrorMessage: strings.TrimSpace(string(body))}
	}
	if fe.ErrorType == "" {
		fe.ErrorType = headerType
	}
	if fe.ErrorType == "" {
		fe.ErrorType = "Runtime.Unknown"
	}
	return fe
}

// InvokeError is an invocation that ended without a response or a reported
// error: timeout, kill, exit, out of memory, closed runtime or cancelled
// context. Err is one of the Err* values or the context's error.
type InvokeError struct {
	// RequestID is the invocation's request id.
	RequestID string
	// Err says what ended it.
	Err error
	// Detail adds what is known, such as "after 3s" or "exit status 2".
	Detail string
}

// Error names the request and what ended it.
func (e *InvokeError) Error() string {
	msg := "runtimeapi: invocation " + e.RequestID + ": " + strings.TrimPrefix(e.Err.Error(), "runtimeapi: ")
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns Err.
func (e *InvokeError) Unwrap() error { return e.Err }

// InitError is a process that failed its init phase: it posted to
// /runtime/init/error (Function set), exited, was killed, or did not reach
// its first GET /next within the init timeout (Err set).
type InitError struct {
	// Function is the error posted to /runtime/init/error, if any.
	Function *FunctionError
	// Err is ErrExited, ErrKilled, ErrTimeout, ErrClosed or a context
	// error when the function posted nothing.
	Err error
	// Detail adds what is known, such as the exit status.
	Detail string
}

// Error says why the init failed.
func (e *InitError) Error() string {
	msg := "runtimeapi: init failed: "
	if e.Function != nil {
		msg += e.Function.Error()
	} else {
		msg += strings.TrimPrefix(e.Err.Error(), "runtimeapi: ")
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns the function's error or the cause.
func (e *InitError) Unwrap() error {
	if e.Function != nil {
		return e.Function
	}
	return e.Err
}
