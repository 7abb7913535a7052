package bearerapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// Rotation is the scenario every consumer example is tested with: a token
// parameter on a fresh moto_server, reached through a proxy that counts the
// GetParameter requests, and an API accepting the stored token until the
// test rotates it.
type Rotation struct {
	// API is the loopback API.
	API *API
	// Proxy is the counting proxy in front of moto_server: the endpoint
	// the consumer under test must use.
	Proxy *awsfault.Proxy
	// SSM is a client going through Proxy.
	SSM *ssm.Client
	// Name is the token parameter.
	Name string
}

// NewRotation starts moto_server, the proxy and an API accepting first,
// stored as a JSON value in parameter name.
func NewRotation(t *testing.T, name, first string) *Rotation {
	t.Helper()
	proxy, err := awsfault.Start(testenv.Moto(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	r := &Rotation{API: Start(t, first), Proxy: proxy, SSM: ssm.NewFromConfig(testenv.AWSConfig(t, proxy.URL())), Name: name}
	r.put(t, first)
	return r
}

// put stores tok as a JSON value expiring in an hour.
func (r *Rotation) put(t *testing.T, tok string) {
	t.Helper()
	v := `{"access_token":"` + tok + `","token_type":"Bearer","expires_at":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`
	_, err := r.SSM.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(r.Name),
		Value: aws.String(v), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true)})
	if err != nil {
		t.Fatalf("bearerapi: put %s: %v", r.Name, err)
	}
}

// Reads is how many GetParameter requests reached moto_server.
func (r *Rotation) Reads() int { return r.Proxy.Requests("AmazonSSM.GetParameter") }

// Run walks the scenario with invoke, which makes one warm invocation of
// the consumer and fails t unless the API answered 200: two invocations
// share one read of the first token; then the refresher writes second and
// the API takes only it, and the next invocation gets one 401, reads the
// parameter again and succeeds.
func (r *Rotation) Run(t *testing.T, first, second string, invoke func()) {
	t.Helper()
	invoke()
	invoke()
	if got := r.Reads(); got != 1 {
		t.Errorf("got %d GetParameter requests for two warm invocations; want 1", got)
	}
	r.put(t, second)
	r.API.Rotate(second)
	invoke()
	auths, _ := r.API.Seen()
	want := strings.Join([]string{"Bearer " + first, "Bearer " + first, "Bearer " + first, "Bearer " + second}, "|")
	if got := strings.Join(auths, "|"); got != want {
		t.Errorf("got Authorization headers %s; want %s", got, want)
	}
	if got := r.Reads(); got != 2 {
		t.Errorf("got %d GetParameter requests after the rotation; want 2", got)
	}
}
