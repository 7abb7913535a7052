package auditpull

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// getParameterFunc is an ssmtoken.GetParameterAPI answering the value it
// returns for the parameter named.
type getParameterFunc func(name string) (string, error)

func (f getParameterFunc) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v, err := f(aws.ToString(in.Name))
	if err != nil {
		return nil, err
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(v)}}, nil
}

func TestTokenSource(t *testing.T) {
	now := time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC)
	value := func(tok string, exp time.Time) string {
		return `{"access_token":"` + tok + `","token_type":"Bearer","expires_at":"` + exp.Format(time.RFC3339) + `","issued_at":"2026-11-22T07:00:00Z"}`
	}
	stored := value("first", now.Add(time.Hour))
	reads := 0
	src := &TokenSource{Name: "/tokens/aos-audit", Now: func() time.Time { return now }, SSM: getParameterFunc(
		func(name string) (string, error) {
			if name != "/tokens/aos-audit" {
				t.Errorf("read parameter %q; want /tokens/aos-audit", name)
			}
			reads++
			return stored, nil
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
	if !errors.Is(err, ssmtoken.ErrExpired) || !strings.Contains(err.Error(), "/tokens/aos-audit") || !strings.Contains(err.Error(), "expired at 2026-11-22T07:31:00Z") {
		t.Errorf("Token with an expired value: %v; want ErrExpired naming the parameter and the expiry", err)
	}
	if strings.Contains(err.Error(), "second") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestTokenSourceErrors(t *testing.T) {
	tests := []struct {
		name  string
		value string
		err   error
		want  string
	}{
		{"missing", "", &types.ParameterNotFound{Message: aws.String("not found")}, "parameter /t does not exist"},
		{"SSM error", "", errors.New("AccessDeniedException"), "AccessDeniedException"},
		{"no access_token", `{"token_type":"Bearer"}`, nil, "no access_token"},
		{"empty", " ", nil, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &TokenSource{Name: "/t", SSM: getParameterFunc(func(string) (string, error) {
				return tt.value, tt.err
			})}
			_, err := src.Token(context.Background(), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "/t") {
				t.Errorf("Token error = %v; want %q naming /t", err, tt.want)
			}
		})
	}
}
