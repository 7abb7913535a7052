package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// maxBody caps the API response the example returns.
const maxBody = 1 << 20

// NewClient is an HTTP client sending the token from src on every request,
// re-reading it once after a 401; it follows no redirect, so the token
// never leaves for another host.
func NewClient(src *ssmtoken.Source, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     src.Transport(http.DefaultTransport),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Handler calls one API endpoint per invocation.
type Handler struct {
	// URL is the endpoint called with GET.
	URL string
	// HTTP sends the request; NewClient builds one.
	HTTP *http.Client
	// Log receives one record per call; never the token.
	Logger *slog.Logger
}

// Result is what the example returns: the API's status and JSON answer.
type Result struct {
	// Status is the API's HTTP status.
	Status int `json:"status"`
	// Body is the API's JSON answer, as it came.
	Body json.RawMessage `json:"body"`
}

// Handle calls the API and returns its answer; a status other than 2xx is
// an error.
func (h *Handler) Handle(ctx context.Context) (*Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	resp, err := h.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("consumer: read the answer of %s: %w", h.URL, err)
	}
	h.Logger.InfoContext(ctx, "api called", "url", h.URL, "status", resp.StatusCode)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("consumer: GET %s: HTTP %d", h.URL, resp.StatusCode)
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("consumer: GET %s: the answer is not JSON", h.URL)
	}
	return &Result{Status: resp.StatusCode, Body: body}, nil
}
