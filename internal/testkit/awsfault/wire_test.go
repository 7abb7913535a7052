package awsfault_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
)

// TestWireFormat checks the bytes and headers of each fault, as the SDK's deserializers read
// them: awsJson1.1's __type and x-amzn-ErrorType, S3's <Error><Code>.
func TestWireFormat(t *testing.T) {
	p, err := awsfault.Start("http://127.0.0.1:9") // never reached: every request is faulted
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tests := []struct {
		name, method, path, target string
		fault                      awsfault.Fault
		status                     int
		header                     map[string]string
		body                       string
	}{
		{"throttling", "POST", "/", "AmazonSSM.GetParameter", awsfault.Throttling, 400,
			map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amzn-Errortype": "ThrottlingException"},
			`{"__type":"ThrottlingException","message":"Rate exceeded"}`},
		{"secret not found", "POST", "/", "secretsmanager.GetSecretValue", awsfault.SecretNotFound, 400,
			map[string]string{"X-Amzn-Errortype": "ResourceNotFoundException"},
			`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`},
		{"slow down", "PUT", "/bucket/key", "", awsfault.SlowDown, 503,
			map[string]string{"Content-Type": "application/xml"},
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>0A49CE4060975EAC</RequestId><HostId>example-host-id</HostId></Error>`},
		{"internal error on a part", "PUT", "/bucket/key?partNumber=2&uploadId=u", "", awsfault.S3InternalError, 500, nil,
			`<Code>InternalError</Code>`},
		{"retry-after", "POST", "/", "AmazonSSM.PutParameter", awsfault.Fault{Status: 400, Code: "ThrottlingException", Message: "x", RetryAfter: 3}, 400,
			map[string]string{"Retry-After": "3"}, `{"__type":"ThrottlingException","message":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Clear()
			req, _ := http.NewRequest(tt.method, p.URL()+tt.path, strings.NewReader("request body the proxy reads to its end"))
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			op := awsfault.Operation(req)
			p.Add(awsfault.Rule{Op: op, Fault: tt.fault})
			resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Errorf("got status %d; want %d", resp.StatusCode, tt.status)
			}
			for k, v := range tt.header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("got header %s = %q; want %q", k, got, v)
				}
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("got body %s; want %s", body, tt.body)
			}
			if p.Injected(op) == 0 {
				t.Errorf("got no injection counted for %s", op)
			}
		})
	}
}
