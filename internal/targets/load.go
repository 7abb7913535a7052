package targets

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Environment variables the Loader reads.
const (
	// EnvInline holds the configuration document itself.
	EnvInline = "REFRESHER_CONFIG"
	// EnvParameter names the SSM parameter holding the document.
	EnvParameter = "REFRESHER_CONFIG_PARAMETER"
)

// GetParameterAPI is the part of the SSM client the Loader uses.
type GetParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Loader reads the configuration document from where the environment says.
type Loader struct {
	// Getenv reads an environment variable; nil means os.Getenv.
	Getenv func(string) string
	// SSM reads the parameter named by REFRESHER_CONFIG_PARAMETER; it may be
	// nil when the document is inline.
	SSM GetParameterAPI
}

// Load reads and validates the document from REFRESHER_CONFIG when it is set
// (not empty), else from the SSM parameter named by
// REFRESHER_CONFIG_PARAMETER, decrypted (it may be a SecureString). An invalid
// document is a *ValidationError whose Source says where it came from.
func (l Loader) Load(ctx context.Context) (*Document, error) {
	getenv := l.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if doc := getenv(EnvInline); doc != "" {
		return parseFrom([]byte(doc), EnvInline)
	}
	name := getenv(EnvParameter)
	if name == "" {
		return nil, fmt.Errorf("config: no configuration: set %s (the JSON document) or %s (the name of an SSM parameter holding it)", EnvInline, EnvParameter)
	}
	if l.SSM == nil {
		return nil, fmt.Errorf("config: get parameter %s: no SSM client", name)
	}
	out, err := l.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("config: get parameter %s: %w", name, err)
	}
	if out == nil || out.Parameter == nil || out.Parameter.Value == nil {
		return nil, fmt.Errorf("config: get parameter %s: no value", name)
	}
	return parseFrom([]byte(*out.Parameter.Value), "SSM parameter "+name)
}

func parseFrom(doc []byte, source string) (*Document, error) {
	cfg, err := Parse(doc)
	var invalid *ValidationError
	if errors.As(err, &invalid) {
		invalid.Source = source
	}
	return cfg, err
}
