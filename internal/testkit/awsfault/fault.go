package awsfault

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Protocol is the wire format of an error response.
type Protocol int

const (
	// JSON is awsJson1.1 (Secrets Manager, SSM, KMS, ...).
	JSON Protocol = iota + 1
	// XML is the S3 REST-XML error document.
	XML
)

// Fault is one AWS error response.
type Fault struct {
	// Protocol selects the wire format; 0 means the protocol of the request (XML for S3,
	// JSON otherwise).
	Protocol Protocol
	// Status is the HTTP status code.
	Status int
	// Code is the AWS error code ("ThrottlingException", "SlowDown").
	Code string
	// Message is the human-readable message.
	Message string
	// RetryAfter, when positive, is sent as a Retry-After header in whole seconds.
	RetryAfter int
}

// The faults AWS services answer, as they answer them.
var (
	// Throttling is the awsJson1.1 throttle of Secrets Manager and SSM (retried by the SDK).
	Throttling = Fault{Protocol: JSON, Status: http.StatusBadRequest, Code: "ThrottlingException", Message: "Rate exceeded"}
	// AccessDenied is an IAM refusal on a JSON service (not retried).
	AccessDenied = Fault{Protocol: JSON, Status: http.StatusBadRequest, Code: "AccessDeniedException",
		Message: "User: arn:aws:sts::123456789012:assumed-role/RefresherRole/refresher is not authorized to perform this action"}
	// SecretNotFound is Secrets Manager's answer for a secret that does not exist (not retried).
	SecretNotFound = Fault{Protocol: JSON, Status: http.StatusBadRequest, Code: "ResourceNotFoundException",
		Message: "Secrets Manager can't find the specified secret."}
	// InternalServerError is a JSON service's 500 (retried by the SDK).
	InternalServerError = Fault{Protocol: JSON, Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "An internal error occurred"}
	// SlowDown is S3's throttle (retried by the SDK).
	SlowDown = Fault{Protocol: XML, Status: http.StatusServiceUnavailable, Code: "SlowDown", Message: "Please reduce your request rate."}
	// S3InternalError is S3's 500 (retried by the SDK).
	S3InternalError = Fault{Protocol: XML, Status: http.StatusInternalServerError, Code: "InternalError",
		Message: "We encountered an internal error. Please try again."}
	// S3AccessDenied is S3's 403 (not retried).
	S3AccessDenied = Fault{Protocol: XML, Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied"}
)

// requestID is a fixed, well-formed request id: errors carry one, as AWS's do.
const requestID = "4442587F-AE05-4D20-8B8A-3C1E0D7F8A11"

// write answers the request with f in protocol p.
func (f Fault) write(w http.ResponseWriter, p Protocol) {
	if f.Protocol != 0 {
		p = f.Protocol
	}
	h := w.Header()
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	switch p {
	case XML:
		h.Set("Content-Type", "application/xml")
		h.Set("x-amz-request-id", "0A49CE4060975EAC")
		h.Set("x-amz-id-2", "example-host-id")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, xml.Header)
		_, _ = fmt.Fprintf(w, "<Error><Code>%s</Code><Message>%s</Message><RequestId>0A49CE4060975EAC</RequestId><HostId>example-host-id</HostId></Error>",
			escapeXML(f.Code), escapeXML(f.Message))
	default:
		h.Set("Content-Type", "application/x-amz-json-1.1")
		h.Set("x-amzn-RequestId", requestID)
		h.Set("x-amzn-ErrorType", f.Code)
		w.WriteHeader(f.Status)
		_, _ = fmt.Fprintf(w, `{"__type":%q,"message":%q}`, f.Code, f.Message)
	}
}

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
