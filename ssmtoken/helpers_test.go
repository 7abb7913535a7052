package ssmtoken_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// getParameter is the operation the awsfault proxy counts.
const getParameter = "AmazonSSM.GetParameter"

// motoEndpoint is the moto_server TestAgainstMoto started for its subtests;
// each gets its own counting proxy in front of it.
var motoEndpoint string

// world is a test's view of SSM: a client going through a proxy that
// counts (and may fail) its requests, and a clock the test moves.
type world struct {
	ssm   *ssm.Client
	proxy *awsfault.Proxy
	now   time.Time
}

// setup returns a world on the shared moto_server.
func setup(t *testing.T) *world {
	t.Helper()
	p, err := awsfault.Start(motoEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return &world{
		ssm:   ssm.NewFromConfig(testenv.AWSConfig(t, p.URL())),
		proxy: p,
		now:   time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC),
	}
}

// clock is the world's clock, for Source.Now.
func (w *world) clock() time.Time { return w.now }

// put writes value to the SecureString name.
func (w *world) put(t *testing.T, name, value string) {
	t.Helper()
	_, err := w.ssm.PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("PutParameter %s: %v", name, err)
	}
}

// reads is how many GetParameter requests reached the proxy.
func (w *world) reads() int { return w.proxy.Requests(getParameter) }

// jsonValue is a stored JSON value.
func jsonValue(tok string, exp time.Time) string {
	return `{"access_token":"` + tok + `","token_type":"Bearer","expires_at":"` + exp.UTC().Format(time.RFC3339) +
		`","issued_at":"2026-11-22T06:00:00Z","scope":"audit.read.all"}`
}

// signedJWT is a JWT access token with exp.
func signedJWT(t *testing.T, sub string, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: sub, ExpiresAt: jwt.NewNumericDate(exp)}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// noSecret fails t when err repeats any of secrets.
func noSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("got error %q; it repeats a token", err)
		}
	}
}

// getParameterFunc is a GetParameterAPI answering the value it returns.
type getParameterFunc func(ctx context.Context) (string, error)

func (f getParameterFunc) GetParameter(ctx context.Context, _ *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v, err := f(ctx)
	if err != nil {
		return nil, err
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(v)}}, nil
}

// source is the Source of name on the world's clock.
func (w *world) source(name string) *ssmtoken.Source {
	src := ssmtoken.New(w.ssm, name)
	src.Now = w.clock
	return src
}
