package refreshtest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// AWS is a moto_server with the clients the refresher uses.
type AWS struct {
	// Endpoint is moto_server's URL.
	Endpoint string
	// SSM and Secrets are SDK clients for it.
	SSM     *ssm.Client
	Secrets *secretsmanager.Client
}

// StartAWS starts a moto_server for the test (testenv.Moto).
func StartAWS(t testing.TB) *AWS {
	t.Helper()
	endpoint := testenv.Moto(t)
	cfg := testenv.AWSConfig(t, endpoint)
	return &AWS{Endpoint: endpoint, SSM: ssm.NewFromConfig(cfg), Secrets: secretsmanager.NewFromConfig(cfg)}
}

// PutSecret creates a secret holding value.
func (a *AWS) PutSecret(t testing.TB, name, value string) {
	t.Helper()
	_, err := a.Secrets.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("refreshtest: create secret %s: %v", name, err)
	}
}

// PutParameter writes a SecureString parameter, overwriting.
func (a *AWS) PutParameter(t testing.TB, name, value string) {
	t.Helper()
	_, err := a.SSM.PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("refreshtest: put parameter %s: %v", name, err)
	}
}

// Parameter is a parameter as SSM holds it.
type Parameter struct {
	Value   string
	Type    types.ParameterType
	Tier    types.ParameterTier
	Version int64
}

// Parameter reads a parameter, decrypted, with its type and tier; ok is
// false when it does not exist.
func (a *AWS) Parameter(t testing.TB, name string) (p Parameter, ok bool) {
	t.Helper()
	ctx := context.Background()
	out, err := a.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	var nf *types.ParameterNotFound
	if errors.As(err, &nf) {
		return Parameter{}, false
	}
	if err != nil {
		t.Fatalf("refreshtest: get parameter %s: %v", name, err)
	}
	desc, err := a.SSM.DescribeParameters(ctx, &ssm.DescribeParametersInput{
		ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Name"), Values: []string{name}}},
	})
	if err != nil || len(desc.Parameters) != 1 {
		t.Fatalf("refreshtest: describe parameter %s: %v", name, err)
	}
	return Parameter{
		Value:   aws.ToString(out.Parameter.Value),
		Type:    out.Parameter.Type,
		Tier:    desc.Parameters[0].Tier,
		Version: out.Parameter.Version,
	}, true
}
