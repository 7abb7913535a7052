package runtimeapi

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

const (
	apiPrefix           = "/2018-06-01/runtime"
	headerRequestID     = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline      = "Lambda-Runtime-Deadline-Ms"
	headerFunctionArn   = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID       = "Lambda-Runtime-Trace-Id"
	headerErrorType     = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody    = "Lambda-Runtime-Function-Error-Body"
	maxErrorBody        = 1 << 20
	responseTooLargeMsg = "Response payload size exceeded maximum allowed payload size (6291456 bytes)."
)

func (sb *sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", sb.serveNext)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", sb.serveResponse)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", sb.serveError)
	mux.HandleFunc("POST "+apiPrefix+"/init/error", sb.serveInitError)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "NotFound", "unknown Runtime API path "+r.URL.Path)
	})
	return mux
}

// serveNext blocks until an invocation is handed over, as Lambda does.
func (sb *sandbox) serveNext(w http.ResponseWriter, r *http.Request) {
	sb.readyOnce.Do(func() {
		sb.firstNext = time.Since(sb.started)
		close(sb.ready)
	})
	select {
	case inv := <-sb.next:
		sb.take(inv)
		h := w.Header()
		h.Set(headerRequestID, inv.id)
		h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set(headerFunctionArn, functionARN(sb.cfg))
		h.Set(headerTraceID, inv.traceID)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	case <-sb.exited:
	}
}

func (sb *sandbox) serveResponse(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "cannot read the response body")
		return
	}
	out := outcome{payload: body}
	status := http.StatusAccepted
	switch {
	case len(body) > maxPayload:
		out = outcome{err: &FunctionError{ErrorType: "Function.ResponseSizeTooLarge", ErrorMessage: responseTooLargeMsg}}
		status = http.StatusRequestEntityTooLarge
	case r.Trailer.Get(headerErrorType) != "":
		// A streamed response that failed part-way (aws-lambda-go sends the
		// error in trailers, its body base64-encoded).
		out = outcome{err: trailerError(r.Trailer)}
	}
	if !sb.answer(id, out) {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "invalid request ID "+id)
		return
	}
	if status != http.StatusAccepted {
		apiError(w, status, "RequestEntityTooLarge", responseTooLargeMsg)
		return
	}
	accepted(w)
}

func (sb *sandbox) serveError(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	if !sb.answer(id, outcome{err: parseFunctionError(body, r.Header.Get(headerErrorType))}) {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "invalid request ID "+id)
		return
	}
	accepted(w)
}

// serveInitError records an init failure; after the first GET /next the
// call is out of place (Lambda answers 403).
func (sb *sandbox) serveInitError(w http.ResponseWriter, r *http.Request) {
	select {
	case <-sb.ready:
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init/error after init")
		return
	default:
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	select {
	case sb.initErr <- parseFunctionError(body, r.Header.Get(headerErrorType)):
	default: // the first one counts
	}
	accepted(w)
}

func trailerError(t http.Header) *FunctionError {
	fe := &FunctionError{ErrorType: t.Get(headerErrorType)}
	if raw, err := base64.StdEncoding.DecodeString(t.Get(trailerErrorBody)); err == nil && len(raw) > 0 {
		fe = parseFunctionError(raw, fe.ErrorType)
	}
	return fe
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"OK"}` + "\n"))
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": typ})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
