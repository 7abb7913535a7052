package paramstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Size limits of SSM parameter values in the Standard and Advanced tiers.
const (
	StandardLimit = 4096
	AdvancedLimit = 8192
)

// API is the part of the SSM client the store uses.
type API interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, optFns ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

// Store reads and writes token parameters.
type Store struct {
	// SSM is the client, usually *ssm.Client.
	SSM API
}

// Get returns the decrypted value of parameter name. A parameter that does
// not exist is not an error: found is false.
func (s Store) Get(ctx context.Context, name string) (value string, found bool, err error) {
	out, err := s.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	var nf *types.ParameterNotFound
	if errors.As(err, &nf) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("paramstore: get %s: %w", name, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", false, fmt.Errorf("paramstore: get %s: response has no value", name)
	}
	return *out.Parameter.Value, true, nil
}

// Tier returns the tier a value of this size needs, or an error when it is
// larger than any tier holds.
func Tier(value string) (types.ParameterTier, error) {
	switch n := len(value); {
	case n <= StandardLimit:
		return types.ParameterTierStandard, nil
	case n <= AdvancedLimit:
		return types.ParameterTierAdvanced, nil
	default:
		return "", fmt.Errorf("paramstore: value of %d bytes exceeds the %d-byte limit of an Advanced parameter", n, AdvancedLimit)
	}
}

// Put writes value to parameter name as a SecureString, overwriting it, in
// the tier its size needs, encrypted with kmsKeyID (empty: the account's
// alias/aws/ssm). An Advanced parameter cannot be moved back to Standard, so
// a small value replacing a large one stays Advanced.
func (s Store) Put(ctx context.Context, name, value, kmsKeyID string) error {
	tier, err := Tier(value)
	if err != nil {
		return fmt.Errorf("paramstore: put %s: %w", name, err)
	}
	in := &ssm.PutParameterInput{
		Name:      aws.String(name),
		Value:     aws.String(value),
		Type:      types.ParameterTypeSecureString,
		Overwrite: aws.Bool(true),
		Tier:      tier,
	}
	if kmsKeyID != "" {
		in.KeyId = aws.String(kmsKeyID)
	}
	_, err = s.SSM.PutParameter(ctx, in)
	if err != nil && tier == types.ParameterTierStandard && isDowngrade(err) {
		in.Tier = types.ParameterTierAdvanced
		_, err = s.SSM.PutParameter(ctx, in)
	}
	if err != nil {
		return fmt.Errorf("paramstore: put %s: %w", name, err)
	}
	return nil
}

// isDowngrade reports whether SSM refused to move an Advanced parameter to
// the Standard tier.
func isDowngrade(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "advanced") && strings.Contains(msg, "standard")
}
