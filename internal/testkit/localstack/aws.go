package localstack

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Moto accepts any credentials; these are the ones the stack uses.
const (
	accessKeyID     = "testing"
	secretAccessKey = "testing"
)

// AWSConfig returns an SDK configuration for the stack's moto_server. It is
// built by hand, not loaded, so that no AWS_PROFILE, shared config file or
// AWS_ENDPOINT_URL_* of the host can point it elsewhere.
func (s *Stack) AWSConfig() aws.Config {
	return aws.Config{
		Region:       s.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
		BaseEndpoint: aws.String(s.MotoURL),
	}
}

// AWSEnv is the environment a function (or sam) needs to reach the stack's
// moto_server through the SDK's standard settings.
func (s *Stack) AWSEnv() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.MotoURL,
		"AWS_REGION=" + s.Region,
		"AWS_DEFAULT_REGION=" + s.Region,
		"AWS_ACCESS_KEY_ID=" + accessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + secretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}
