package auditpull

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// paramsFunc is a ParameterGetter.
type paramsFunc func(ctx context.Context, name string) (string, bool, error)

func (f paramsFunc) Get(ctx context.Context, name string) (string, bool, error) { return f(ctx, name) }

func TestTokenSource(t *testing.T) {
	now := time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC)
	value := func(tok string, exp time.Time) string {
		return `{"access_token":"` + tok + `","token_type":"Bearer","expires_at":"` + exp.Format(time.RFC3339) + `","issued_at":"2026-11-22T07:00:00Z"}`
	}
	stored := value("first", now.Add(time.Hour))
	reads := 0
	src := &TokenSource{Name: "/tokens/aos-audit", Now: func() time.Time { return now }, Params: paramsFunc(
		func(_ context.Context, name string) (string, bool, error) {
			reads++
			return stored, true, nil
		})}
	ctx := context.Background()
	for i := range 2 {
		if tok, err := src.Token(ctx, false); tok != "first" || err != nil {
			t.Fatalf("Token #%d = %q, %v; want first", i, tok, err)
		}
	}
	if reads != 1 {
		t.Errorf("parameter read %d times; want once, then cached", reads)
	}
	stored = "raw-token"
	if tok, err := src.Token(ctx, true); tok != "raw-token" || err != nil || reads != 2 {
		t.Errorf("Token(reread) = %q, %v after %d reads; want raw-token from a second read", tok, err, reads)
	}

	stored = value("second", now.Add(time.Minute))
	_, _ = src.Token(ctx, true)
	now = now.Add(2 * time.Minute) // the cached token expired: read again, and fail on the stale value
	_, err := src.Token(ctx, false)
	if err == nil || !strings.Contains(err.Error(), "/tokens/aos-audit") || !strings.Contains(err.Error(), "expired at 2026-11-22T07:31:00Z") {
		t.Errorf("Token with an expired value: %v; want an error naming the parameter and the expiry", err)
	}
	if strings.Contains(err.Error(), "second") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestTokenSourceErrors(t *testing.T) {
	tests := []struct {
		name  string
		value string
		found bool
		err   error
		want  string
	}{
		{"missing", "", false, nil, "parameter /t does not exist"},
		{"SSM error", "", false, errors.New("AccessDeniedException"), "AccessDeniedException"},
		{"no access_token", `{"token_type":"Bearer"}`, true, nil, "no access_token"},
		{"empty", " ", true, nil, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &TokenSource{Name: "/t", Params: paramsFunc(func(context.Context, string) (string, bool, error) {
				return tt.value, tt.found, tt.err
			})}
			_, err := src.Token(context.Background(), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "/t") {
				t.Errorf("Token error = %v; want %q naming /t", err, tt.want)
			}
		})
	}
}
