package auditapi

import (
	"testing"
	"time"
)

func TestNewStatusError(t *testing.T) {
	now := time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		body       string
		want       StatusError
		temporary  bool
		text       string
	}{
		{"requestId shape", 500, "", `{"requestId":"0HN7","date":"2024-10-10T08:00:00Z","statusCode":500}`,
			StatusError{StatusCode: 500, RequestID: "0HN7"}, true,
			"auditapi: GET https://h/aos/audit: HTTP 500 Internal Server Error (requestId 0HN7)"},
		{"traceId shape", 403, "", `{"traceId":"00-4bf9-01","error":"Forbidden","statusCode":403}`,
			StatusError{StatusCode: 403, TraceID: "00-4bf9-01", Message: "Forbidden"}, false,
			"auditapi: GET https://h/aos/audit: HTTP 403 Forbidden: Forbidden (traceId 00-4bf9-01)"},
		{"429 Retry-After", 429, "12", `{"requestId":"r","date":"x","statusCode":429}`,
			StatusError{StatusCode: 429, RequestID: "r", Wait: 12 * time.Second}, true,
			"auditapi: GET https://h/aos/audit: HTTP 429 Too Many Requests (requestId r) (Retry-After 12s)"},
		{"503 Retry-After date", 503, "Thu, 10 Oct 2024 08:01:00 GMT", ``,
			StatusError{StatusCode: 503, Wait: time.Minute}, true,
			"auditapi: GET https://h/aos/audit: HTTP 503 Service Unavailable (Retry-After 1m0s)"},
		{"400 ignores Retry-After", 400, "12", `{"title":"One or more validation errors occurred.","status":400}`,
			StatusError{StatusCode: 400, Message: "One or more validation errors occurred."}, false,
			"auditapi: GET https://h/aos/audit: HTTP 400 Bad Request: One or more validation errors occurred."},
		{"error object", 502, "", `{"error":{"code":"BadGateway","message":"upstream"}}`,
			StatusError{StatusCode: 502, Message: "BadGateway upstream"}, true, ""},
		{"html", 502, "", `<html><body>Bad Gateway</body></html>`,
			StatusError{StatusCode: 502}, true, "auditapi: GET https://h/aos/audit: HTTP 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newStatusError(tt.status, "https://h/aos/audit", tt.retryAfter, []byte(tt.body), "tok", now)
			tt.want.URL = "https://h/aos/audit"
			if *got != tt.want {
				t.Errorf("got %+v; want %+v", *got, tt.want)
			}
			if got.Temporary() != tt.temporary {
				t.Errorf("got Temporary() %v; want %v", got.Temporary(), tt.temporary)
			}
			if got.RetryAfter() != tt.want.Wait {
				t.Errorf("got RetryAfter() %s; want %s", got.RetryAfter(), tt.want.Wait)
			}
			if tt.text != "" && got.Error() != tt.text {
				t.Errorf("got Error() %q; want %q", got.Error(), tt.text)
			}
		})
	}
}
