package runtimeapi

import (
	"regexp"
	"testing"
)

// TestTraceHeaderPerInvocation: every invocation carries its own
// Lambda-Runtime-Trace-Id in the X-Ray format, which aws-lambda-go hands to
// the function as _X_AMZN_TRACE_ID.
func TestTraceHeaderPerInvocation(t *testing.T) {
	r := start(t, Config{})
	format := regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$`)
	seen := map[string]bool{}
	for range 3 {
		_, e := invokeEcho(t, r)
		id := e.Env["_X_AMZN_TRACE_ID"]
		if !format.MatchString(id) {
			t.Errorf("got trace id %q; want Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled=0|1", id)
		}
		if seen[id] {
			t.Errorf("trace id %q repeated across invocations", id)
		}
		seen[id] = true
	}
}
