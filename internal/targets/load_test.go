package targets

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// fakeSSM is a GetParameterAPI answering with GetParameterFn.
type fakeSSM struct {
	GetParameterFn func(ctx context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error)
}

func (f *fakeSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return f.GetParameterFn(ctx, in)
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const validDoc = `{"targets": [{"name": "a", "secret_id": "s", "parameter_name": "/t/a", "issuer": "https://idp.example.com"}]}`

// unusedSSM fails the test when called.
func unusedSSM(t *testing.T) *fakeSSM {
	return &fakeSSM{GetParameterFn: func(context.Context, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		t.Error("GetParameter called; want no call")
		return nil, errors.New("unexpected")
	}}
}

func TestLoadInline(t *testing.T) {
	t.Parallel()
	l := Loader{
		Getenv: env(map[string]string{"REFRESHER_CONFIG": validDoc, "REFRESHER_CONFIG_PARAMETER": "/cfg"}),
		SSM:    unusedSSM(t),
	}
	cfg, err := l.Load(context.Background())
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if got := cfg.Targets[0].Name; got != "a" {
		t.Errorf("Targets[0].Name = %q; want %q", got, "a")
	}
}

func TestLoadInlineInvalid(t *testing.T) {
	t.Parallel()
	l := Loader{Getenv: env(map[string]string{"REFRESHER_CONFIG": `{"targets": []}`}), SSM: unusedSSM(t)}
	_, err := l.Load(context.Background())
	var invalid *ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("Load error = %v; want *ValidationError", err)
	}
	if want := "config: invalid document (from REFRESHER_CONFIG): targets: must list at least one target"; err.Error() != want {
		t.Errorf("Load error = %q; want %q", err, want)
	}
}

func TestLoadParameter(t *testing.T) {
	t.Parallel()
	var calls int
	api := &fakeSSM{GetParameterFn: func(ctx context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		calls++
		if got := aws.ToString(in.Name); got != "/refresher/config" {
			t.Errorf("GetParameter Name = %q; want %q", got, "/refresher/config")
		}
		if !aws.ToBool(in.WithDecryption) {
			t.Error("GetParameter WithDecryption = false; want true")
		}
		return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(validDoc)}}, nil
	}}
	l := Loader{Getenv: env(map[string]string{"REFRESHER_CONFIG_PARAMETER": "/refresher/config"}), SSM: api}
	cfg, err := l.Load(context.Background())
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if calls != 1 || len(cfg.Targets) != 1 {
		t.Errorf("calls, targets = %d, %d; want 1, 1", calls, len(cfg.Targets))
	}
}

func TestLoadParameterInvalid(t *testing.T) {
	t.Parallel()
	api := &fakeSSM{GetParameterFn: func(context.Context, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(`{"targets": [{"name": "a"}]}`)}}, nil
	}}
	l := Loader{Getenv: env(map[string]string{"REFRESHER_CONFIG_PARAMETER": "/cfg"}), SSM: api}
	_, err := l.Load(context.Background())
	var invalid *ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("Load error = %v; want *ValidationError", err)
	}
	if got, want := invalid.Source, "SSM parameter /cfg"; got != want {
		t.Errorf("Source = %q; want %q", got, want)
	}
	if len(invalid.Problems) != 3 {
		t.Errorf("Problems = %q; want secret_id, parameter_name and token_url", invalid.Problems)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	notFound := &types.ParameterNotFound{Message: aws.String("not found")}
	tests := []struct {
		name    string
		env     map[string]string
		api     GetParameterAPI
		wantErr string
		wantAs  any
	}{
		{
			name:    "neither variable",
			env:     map[string]string{},
			wantErr: "config: no configuration: set REFRESHER_CONFIG (the JSON document) or REFRESHER_CONFIG_PARAMETER (the name of an SSM parameter holding it)",
		},
		{
			name: "SSM error",
			env:  map[string]string{"REFRESHER_CONFIG_PARAMETER": "/cfg"},
			api: &fakeSSM{GetParameterFn: func(context.Context, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
				return nil, notFound
			}},
			wantErr: "config: get parameter /cfg: ParameterNotFound: not found",
			wantAs:  new(*types.ParameterNotFound),
		},
		{
			name: "no value",
			env:  map[string]string{"REFRESHER_CONFIG_PARAMETER": "/cfg"},
			api: &fakeSSM{GetParameterFn: func(context.Context, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
				return &ssm.GetParameterOutput{}, nil
			}},
			wantErr: "config: get parameter /cfg: no value",
		},
		{
			name:    "no SSM client",
			env:     map[string]string{"REFRESHER_CONFIG_PARAMETER": "/cfg"},
			wantErr: "config: get parameter /cfg: no SSM client",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Loader{Getenv: env(tt.env), SSM: tt.api}.Load(context.Background())
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Load error = %v; want %q", err, tt.wantErr)
			}
			if cfg != nil {
				t.Errorf("Load config = %+v; want nil", cfg)
			}
			if tt.wantAs != nil && !errors.As(err, tt.wantAs) {
				t.Errorf("errors.As(%v, %T) = false", err, tt.wantAs)
			}
		})
	}
}

func TestLoadDefaultGetenv(t *testing.T) {
	t.Setenv("REFRESHER_CONFIG", validDoc)
	cfg, err := Loader{}.Load(context.Background())
	if err != nil || !strings.EqualFold(cfg.Targets[0].Name, "a") {
		t.Fatalf("Load = %+v, %v; want target a", cfg, err)
	}
}
