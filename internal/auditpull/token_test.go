package auditpull

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
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
		if tok, err := src.Token(ctx, ""); tok != "first" || err != nil {
			t.Fatalf("Token #%d = %q, %v; want first", i, tok, err)
		}
	}
	if reads != 1 {
		t.Errorf("parameter read %d times; want once, then cached", reads)
	}
	stored = "raw-token"
	if tok, err := src.Token(ctx, "first"); tok != "raw-token" || err != nil || reads != 2 {
		t.Errorf("Token(reread) = %q, %v after %d reads; want raw-token from a second read", tok, err, reads)
	}

	stored = value("second", now.Add(time.Minute))
	_, _ = src.Token(ctx, "raw-token")
	now = now.Add(2 * time.Minute) // the cached token expired: read again, and fail on the stale value
	_, err := src.Token(ctx, "")
	if !errors.Is(err, ssmtoken.ErrExpired) || !strings.Contains(err.Error(), "/tokens/aos-audit") || !strings.Contains(err.Error(), "expired at 2026-11-22T07:31:00Z") {
		t.Errorf("Token with an expired value: %v; want ErrExpired naming the parameter and the expiry", err)
	}
	if strings.Contains(err.Error(), "second") {
		t.Errorf("error %q shows the token", err)
	}
}

// TestConcurrentRereadsShareOneRead: windows in flight refused the same
// token re-read the parameter once between them, and a caller refused a
// token that was already replaced gets the replacement without a read.
func TestConcurrentRereadsShareOneRead(t *testing.T) {
	var reads atomic.Int64
	var stored atomic.Value
	stored.Store("first")
	release := make(chan struct{})
	src := &TokenSource{Name: "/t", SSM: getParameterFunc(func(string) (string, error) {
		if reads.Add(1) > 1 {
			<-release // the re-read is slow, so the callers overlap it
		}
		return stored.Load().(string), nil
	})}
	ctx := context.Background()
	if tok, err := src.Token(ctx, ""); tok != "first" || err != nil {
		t.Fatalf("Token = %q, %v; want first", tok, err)
	}
	stored.Store("second")
	const n = 8
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Go(func() {
			tok, err := src.Token(ctx, "first")
			if err != nil {
				t.Errorf("Token(refused first): %v", err)
			}
			got[i] = tok
		})
	}
	for reads.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the other callers join the read in flight
	close(release)
	wg.Wait()
	for i, tok := range got {
		if tok != "second" {
			t.Errorf("caller %d got %q; want second", i, tok)
		}
	}
	if tok, err := src.Token(ctx, "first"); tok != "second" || err != nil {
		t.Errorf("Token(refused first) after the re-read = %q, %v; want second", tok, err)
	}
	if r := reads.Load(); r != 2 {
		t.Errorf("parameter read %d times; want 2 (the first read, then one re-read for all %d callers)", r, n+1)
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
			_, err := src.Token(context.Background(), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "/t") {
				t.Errorf("Token error = %v; want %q naming /t", err, tt.want)
			}
		})
	}
}
