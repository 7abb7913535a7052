package awsfault

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// Env is a fresh moto_server with a Proxy in front of it, for one test.
type Env struct {
	// Endpoint is moto_server's URL.
	Endpoint string
	// Proxy stands between Faulty and moto_server.
	Proxy *Proxy
	// Direct goes straight to moto_server, for setup and checks.
	Direct aws.Config
	// Faulty goes through the proxy with the SDK's standard retryer (its
	// retryable codes and statuses, three attempts), its backoff capped at
	// 20ms so that the tests do not wait the default seconds.
	Faulty aws.Config
}

// StartEnv starts moto_server and the proxy; both stop when the test ends.
func StartEnv(t testing.TB) *Env {
	t.Helper()
	endpoint := testenv.Moto(t)
	p, err := Start(endpoint)
	if err != nil {
		t.Fatalf("awsfault: %v", err)
	}
	t.Cleanup(p.Close)
	faulty := testenv.AWSConfig(t, p.URL())
	faulty.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 20 * time.Millisecond })
	}
	return &Env{Endpoint: endpoint, Proxy: p, Direct: testenv.AWSConfig(t, endpoint), Faulty: faulty}
}
