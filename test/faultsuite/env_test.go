package faultsuite

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testrand"
)

// aws is one moto_server with an awsfault proxy in front of it, shared by the subtests of one
// test. The code under test talks to the proxy; setup and checks go straight to moto.
type awsEnv struct {
	endpoint string // moto
	proxy    *awsfault.Proxy
	// Through the proxy, with the SDK's standard retryer (its retryable codes and statuses,
	// three attempts) and its backoff capped at 20ms so that the tests do not wait seconds.
	sm  *secretsmanager.Client
	ssm *ssm.Client
	s3  *s3.Client
	// Straight to moto.
	directSM  *secretsmanager.Client
	directSSM *ssm.Client
	directS3  *s3.Client
}

func newAWS(t *testing.T) *awsEnv {
	t.Helper()
	e := awsfault.StartEnv(t)
	cfg, direct := e.Faulty, e.Direct
	s3opt := func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true // moto returns no checksums
	}
	return &awsEnv{
		endpoint:  e.Endpoint,
		proxy:     e.Proxy,
		sm:        secretsmanager.NewFromConfig(cfg),
		ssm:       ssm.NewFromConfig(cfg),
		s3:        s3.NewFromConfig(cfg, s3opt),
		directSM:  secretsmanager.NewFromConfig(direct),
		directSSM: ssm.NewFromConfig(direct),
		directS3:  s3.NewFromConfig(direct, s3opt),
	}
}

// fresh removes the proxy's rules and zeroes its counters.
func (e *awsEnv) fresh() {
	e.proxy.Clear()
	e.proxy.Reset()
}

func (e *awsEnv) createSecret(t testing.TB, name, value string) {
	t.Helper()
	if _, err := e.directSM.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(value),
	}); err != nil {
		t.Fatalf("CreateSecret %s: %v", name, err)
	}
}

func (e *awsEnv) putParam(t testing.TB, name, value string) {
	t.Helper()
	if _, err := e.directSSM.PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatalf("PutParameter %s: %v", name, err)
	}
}

func (e *awsEnv) getParam(t testing.TB, name string) string {
	t.Helper()
	out, err := e.directSSM.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetParameter %s: %v", name, err)
	}
	return aws.ToString(out.Parameter.Value)
}

// bucket creates a bucket named after t and returns its name.
func (e *awsEnv) bucket(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-", ".", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[len(name)-50:]
	}
	name = strings.Trim(name, "-") + "-" + randHex(4)
	if _, err := e.directS3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	return name
}

// randHex makes the suite's unique names.
var randHex = testrand.Hex
