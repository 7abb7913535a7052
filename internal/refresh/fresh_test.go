package refresh

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/oauth"
)

func TestFreshness(t *testing.T) {
	t.Parallel()
	const param = "/tokens/a"
	tests := []struct {
		name   string
		target string // extra fields of the one target
		stored *string
		getErr error
		want   string // "refreshed" or "skipped"
	}{
		{name: "no stored value", want: "refreshed"},
		{name: "json fresh", stored: ptr(jsonValueAt(2*time.Hour, "read")), target: `"scope":"read"`, want: "skipped"},
		{name: "json 31m left with default 30m", stored: ptr(jsonValueAt(31*time.Minute, "")), want: "skipped"},
		{name: "json exactly refresh_before left", stored: ptr(jsonValueAt(30*time.Minute, "")), want: "refreshed"},
		{name: "json within refresh_before", stored: ptr(jsonValueAt(10*time.Minute, "")), want: "refreshed"},
		{name: "json expired", stored: ptr(jsonValueAt(-time.Minute, "")), want: "refreshed"},
		{name: "json within a custom refresh_before", stored: ptr(jsonValueAt(45*time.Minute, "")), target: `"refresh_before":"1h"`, want: "refreshed"},
		{name: "json scope differs", stored: ptr(jsonValueAt(2*time.Hour, "read")), target: `"scope":"read write"`, want: "refreshed"},
		{name: "json scope missing from value", stored: ptr(jsonValueAt(2*time.Hour, "")), target: `"scope":"read"`, want: "refreshed"},
		{name: "json scope in another order", stored: ptr(jsonValueAt(2*time.Hour, "write read")), target: `"scope":"read write"`, want: "skipped"},
		{name: "json granted scope adds defaults", stored: ptr(jsonValueAt(2*time.Hour, "profile read email")), target: `"scope":"read"`, want: "skipped"},
		{name: "json granted scope lacks a configured one", stored: ptr(jsonValueAt(2*time.Hour, "profile read email")), target: `"scope":"read write"`, want: "refreshed"},
		{name: "json server-chosen scope, none configured", stored: ptr(jsonValueAt(2*time.Hour, "audit.read.all")), want: "skipped"},
		{name: "json stored, raw configured", stored: ptr(jsonValueAt(2*time.Hour, "")), target: `"value_format":"raw"`, want: "refreshed"},
		{name: "raw JWT fresh", stored: ptr(unsignedJWT(fxNow.Add(2 * time.Hour))), target: `"value_format":"raw","scope":"read"`, want: "skipped"},
		{name: "raw JWT within refresh_before", stored: ptr(unsignedJWT(fxNow.Add(20 * time.Minute))), target: `"value_format":"raw"`, want: "refreshed"},
		{name: "raw without exp", stored: ptr("opaque-token-value"), target: `"value_format":"raw"`, want: "refreshed"},
		{name: "raw JWT stored, json configured", stored: ptr(unsignedJWT(fxNow.Add(2 * time.Hour))), want: "refreshed"},
		{name: "unreadable: JSON without access_token", stored: ptr(`{"expires_at":"2030-01-01T00:00:00Z"}`), want: "refreshed"},
		{name: "unreadable: garbage", stored: ptr("{not json"), want: "refreshed"},
		{name: "unreadable: bad expires_at", stored: ptr(`{"access_token":"x","token_type":"Bearer","expires_at":"soon"}`), want: "refreshed"},
		{name: "read fails", getErr: errors.New("AccessDeniedException"), want: "refreshed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			extra := ""
			if tt.target != "" {
				extra = "," + tt.target
			}
			doc := `{"targets":[{"name":"a","secret_id":"s","token_url":"https://idp.example.com/token","parameter_name":"` + param + `"` + extra + `}]}`
			store := newStore(nil)
			if tt.stored != nil {
				store.values[param] = *tt.stored
			}
			if tt.getErr != nil {
				store.GetFn = func(string) (string, bool, error) { return "", false, tt.getErr }
			}
			requests := 0
			r := newRefresher(t, doc, store)
			r.Tokens = tokensFn(func(ctx context.Context, req oauth.Request) (*oauth.Token, error) {
				requests++
				return issue(ctx, req)
			})
			res, err := r.Run(context.Background(), Event{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			want := `{"refreshed":["a"],"skipped":[],"failed":[]}`
			wantRequests, wantPuts := 1, 1
			if tt.want == "skipped" {
				want = `{"refreshed":[],"skipped":["a"],"failed":[]}`
				wantRequests, wantPuts = 0, 0
			}
			assertJSON(t, res, want)
			if requests != wantRequests || store.puts[param] != wantPuts {
				t.Errorf("got %d token requests, %d puts; want %d, %d", requests, store.puts[param], wantRequests, wantPuts)
			}
		})
	}
}

func TestForceRefreshesFreshTokens(t *testing.T) {
	t.Parallel()
	doc := `{"targets":[
		{"name":"a","secret_id":"sa","token_url":"https://idp.example.com/token","parameter_name":"/a"},
		{"name":"b","secret_id":"sb","token_url":"https://idp.example.com/token","parameter_name":"/b"}]}`
	fresh := jsonValueAt(5*time.Hour, "")
	tests := []struct {
		event, want string
	}{
		{`{"force":true}`, `{"refreshed":["a","b"],"skipped":[],"failed":[]}`},
		{`{"force":true,"targets":["b"]}`, `{"refreshed":["b"],"skipped":[],"failed":[]}`},
		{`{"targets":["b"]}`, `{"refreshed":[],"skipped":["b"],"failed":[]}`},
		{`{"force":false}`, `{"refreshed":[],"skipped":["a","b"],"failed":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			t.Parallel()
			store := newStore(map[string]string{"/a": fresh, "/b": fresh})
			res, err := runPayload(context.Background(), newRefresher(t, doc, store), tt.event)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			assertJSON(t, res, tt.want)
			for _, name := range res.Refreshed {
				if got := store.get("/" + name); got == fresh {
					t.Errorf("target %s refreshed but its value was not rewritten", name)
				}
			}
		})
	}
}

func TestCoversScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stored, configured string
		want               bool
	}{
		{"a", "a", true},
		{"a b", "b a", true},
		{"a  b", "a b", true},
		{"a", "a b", false},
		{"a b c", "a b", true},
		{"profile email audit.read.all", "audit.read.all", true},
		{"a c", "a b", false},
		{"a a", "a b", false},
		{"", "a", false},
		{"x", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := coversScope(tt.stored, tt.configured); got != tt.want {
			t.Errorf("coversScope(%q, %q) = %v; want %v", tt.stored, tt.configured, got, tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// jsonValueAt is a stored JSON value expiring d after fxNow.
func jsonValueAt(d time.Duration, scope string) string {
	return jsonValue(fxNow.Add(d), scope)
}
