package credentials

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// GetSecretValueAPI is the part of the Secrets Manager client a Source uses.
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Source reads credentials from Secrets Manager, at every call: a rotated
// secret is used from the next call on.
type Source struct {
	// API reads the secret (AWSCURRENT version).
	API GetSecretValueAPI
}

// Get reads and parses the secret. A failed read is wrapped as
// "credentials: get secret %s: %w" (errors.As reaches the SDK error); a bad
// secret is a *FieldError. A secret holding only SecretBinary is an error.
func (s Source) Get(ctx context.Context, secretID string) (Credentials, error) {
	if s.API == nil {
		return Credentials{}, fmt.Errorf("credentials: get secret %s: %w", secretID, errors.New("no Secrets Manager client"))
	}
	out, err := s.API.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials: get secret %s: %w", secretID, err)
	}
	if out == nil || out.SecretString == nil {
		reason := "no SecretString"
		if out != nil && out.SecretBinary != nil {
			reason = "SecretBinary is not supported: store the credentials as a JSON SecretString"
		}
		return Credentials{}, &FieldError{SecretID: secretID, Reason: reason}
	}
	return Parse(secretID, *out.SecretString)
}
