package credentials

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// fakeSecrets is a GetSecretValueAPI answering with GetSecretValueFn.
type fakeSecrets struct {
	GetSecretValueFn func(ctx context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error)
}

func (f *fakeSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return f.GetSecretValueFn(ctx, in)
}

func answer(out *secretsmanager.GetSecretValueOutput, err error) *fakeSecrets {
	return &fakeSecrets{GetSecretValueFn: func(context.Context, *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		return out, err
	}}
}

func TestSourceGet(t *testing.T) {
	t.Parallel()
	var gotID string
	api := &fakeSecrets{GetSecretValueFn: func(_ context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		gotID = aws.ToString(in.SecretId)
		if in.VersionStage != nil || in.VersionId != nil {
			t.Errorf("GetSecretValue asks for version %v/%v; want the current one", in.VersionStage, in.VersionId)
		}
		return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"client_id": "app-1", "client_secret": "` + testSecret + `"}`)}, nil
	}}
	c, err := Source{API: api}.Get(context.Background(), "aos/audit-app")
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	if gotID != "aos/audit-app" {
		t.Errorf("SecretId = %q; want %q", gotID, "aos/audit-app")
	}
	if c.ClientID != "app-1" || c.ClientSecret != testSecret {
		t.Errorf("Get = %v; want app-1 with its secret", c)
	}
}

func TestSourceGetErrors(t *testing.T) {
	t.Parallel()
	notFound := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	tests := []struct {
		name    string
		api     GetSecretValueAPI
		wantErr string
		check   func(t *testing.T, err error)
	}{
		{
			name:    "SDK error",
			api:     answer(nil, notFound),
			wantErr: "credentials: get secret aos/audit-app: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
			check: func(t *testing.T, err error) {
				var target *types.ResourceNotFoundException
				if !errors.As(err, &target) {
					t.Errorf("errors.As(ResourceNotFoundException) = false for %v", err)
				}
			},
		},
		{
			name:    "binary secret",
			api:     answer(&secretsmanager.GetSecretValueOutput{SecretBinary: []byte(testSecret)}, nil),
			wantErr: "credentials: secret aos/audit-app: SecretBinary is not supported: store the credentials as a JSON SecretString",
		},
		{
			name:    "no value",
			api:     answer(&secretsmanager.GetSecretValueOutput{}, nil),
			wantErr: "credentials: secret aos/audit-app: no SecretString",
		},
		{
			name:    "malformed secret",
			api:     answer(&secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"client_id": "a", "client_secret": ` + testSecret + `}`)}, nil),
			wantErr: "credentials: secret aos/audit-app: SecretString is not valid JSON (syntax error at offset 37)",
			check: func(t *testing.T, err error) {
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Errorf("errors.As(*FieldError) = false for %v", err)
				}
			},
		},
		{
			name:    "no client",
			wantErr: "credentials: get secret aos/audit-app: no Secrets Manager client",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Source{API: tt.api}.Get(context.Background(), "aos/audit-app")
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Get error = %v; want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("Get error leaks the secret: %v", err)
			}
			if c.ClientID != "" || c.ClientSecret != "" {
				t.Errorf("Get returned credentials with an error")
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestSourceGetHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := &fakeSecrets{GetSecretValueFn: func(ctx context.Context, _ *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
		return nil, ctx.Err()
	}}
	_, err := Source{API: api}.Get(ctx, "s")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Get error = %v; want context.Canceled wrapped", err)
	}
}
