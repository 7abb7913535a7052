package localstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// The stack's resources, named as in events/env.local.json and
// events/refresher-config.example.json.
const (
	ConfigParameter = "/tokenrelay/refresher-config"
	Bucket          = "tokenrelay-local-audit"
	Prefix          = "avepoint/audit/"

	AuditTarget    = "aos-audit"
	AuditSecret    = "tokenrelay/aos-audit-cert"
	AuditParameter = "/tokenrelay/tokens/aos-audit"
	AuditScope     = "audit.read.all"

	BackupTarget    = "aos-backup"
	BackupSecret    = "tokenrelay/aos-backup-secret"
	BackupParameter = "/tokenrelay/tokens/aos-backup"
	BackupScope     = "platformbackup.readwrite.all"
)

// Seeded is what Seed stored.
type Seeded struct {
	// Targets are the refresher's targets, in config order.
	Targets []Target `json:"targets"`
	// AuditStart is the audit pull's START_TIME.
	AuditStart time.Time `json:"audit_start"`
	// EnvFile holds each function's environment (sam --env-vars format).
	EnvFile string `json:"env_file"`
}

// Target is one refresher target of the stack.
type Target struct {
	// Name, SecretID, AuthMethod, Scope and Parameter are its fields in the
	// refresher config (name, secret_id, auth_method, scope, parameter_name).
	Name       string `json:"name"`
	SecretID   string `json:"secret_id"`
	AuthMethod string `json:"auth_method"`
	Scope      string `json:"scope"`
	Parameter  string `json:"parameter_name"`
	// Credential says what the secret holds, for people.
	Credential string `json:"credential"`
}

// SeedConfig says what to seed.
type SeedConfig struct {
	// AuditDays is how far back, in days, the audit pull's START_TIME lies;
	// 0 means 3.
	AuditDays int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Seed makes new app credentials, registers them in the local AvePoint
// (restarting it on its port with the new -clients file), stores them in
// Secrets Manager (one client secret, one certificate as PFX with password),
// writes the refresher config to SSM, creates the bucket, and writes each
// function's environment to Dir/env.json. Seeding again replaces all of it,
// and deletes the tokens stored before, which the new local AvePoint does not
// know.
func (s *Stack) Seed(ctx context.Context, cfg SeedConfig) error {
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	creds, err := NewAppCredentials(now())
	if err != nil {
		return err
	}
	list := []Target{
		{Name: AuditTarget, SecretID: AuditSecret, AuthMethod: "private_key_jwt", Credential: "certificate (PFX with password)", Scope: AuditScope, Parameter: AuditParameter},
		{Name: BackupTarget, SecretID: BackupSecret, AuthMethod: "client_secret_post", Credential: "client secret", Scope: BackupScope, Parameter: BackupParameter},
	}
	secrets := map[string]string{AuditSecret: creds.CertSecret(), BackupSecret: creds.SecretSecret()}
	for id, v := range secrets { // what the refresher will read must parse
		if _, err := credentials.Parse(id, v); err != nil {
			return fmt.Errorf("localstack: seeded secret: %w", err)
		}
	}
	doc := s.refresherConfig(list)
	if _, err := targets.Parse(doc); err != nil {
		return fmt.Errorf("localstack: seeded refresher config: %w", err)
	}

	s.AvePointCfg.Clients = filepath.Join(s.Dir, "avepoint-clients.json")
	if err := os.WriteFile(s.AvePointCfg.Clients, creds.Registrations(), 0o600); err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	if err := s.restartAvePoint(ctx); err != nil {
		return err
	}
	if err := s.Save(); err != nil { // the new pid, before anything can fail
		return err
	}

	awsCfg := s.AWSConfig()
	sm := secretsmanager.NewFromConfig(awsCfg)
	for _, t := range list {
		if err := putSecret(ctx, sm, t.SecretID, secrets[t.SecretID]); err != nil {
			return err
		}
	}
	params := ssm.NewFromConfig(awsCfg)
	// Tokens from an earlier seed belong to the local AvePoint just replaced,
	// which no longer knows them; left in place they would look fresh.
	var tokenParams []string
	for _, t := range list {
		tokenParams = append(tokenParams, t.Parameter)
	}
	if _, err := params.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: tokenParams}); err != nil {
		return fmt.Errorf("localstack: delete old tokens: %w", err)
	}
	_, err = params.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(ConfigParameter), Type: ssmtypes.ParameterTypeString,
		Value: aws.String(string(doc)), Overwrite: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("localstack: put parameter %s: %w", ConfigParameter, err)
	}
	if err := createBucket(ctx, s.S3()); err != nil {
		return err
	}

	days := orDefault(cfg.AuditDays, 3)
	seeded := &Seeded{
		Targets:    list,
		AuditStart: now().UTC().Truncate(time.Hour).Add(-time.Duration(days) * 24 * time.Hour),
		EnvFile:    filepath.Join(s.Dir, "env.json"),
	}
	if err := writeEnvFile(seeded.EnvFile, s.functionEnv(seeded)); err != nil {
		return err
	}
	s.Seeded = seeded
	return s.Save()
}

// refresherConfig is the refresher's document: both targets find the token
// endpoint by discovery of the local AvePoint's issuer.
func (s *Stack) refresherConfig(targets []Target) []byte {
	var ts []map[string]string
	for _, t := range targets {
		ts = append(ts, map[string]string{
			"name": t.Name, "secret_id": t.SecretID, "issuer": s.AvePointURL,
			"auth_method": t.AuthMethod, "scope": t.Scope, "parameter_name": t.Parameter,
		})
	}
	return []byte(mustJSON(map[string]any{
		"defaults": map[string]string{"refresh_before": "30m"},
		"targets":  ts,
	}))
}

// S3 returns an S3 client for the stack (path-style: the endpoint is an IP).
func (s *Stack) S3() *s3.Client {
	return s3.NewFromConfig(s.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
}

func putSecret(ctx context.Context, sm *secretsmanager.Client, id, value string) error {
	_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(id), SecretString: aws.String(value)})
	var exists *smtypes.ResourceExistsException
	if errors.As(err, &exists) {
		_, err = sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(value)})
	}
	if err != nil {
		return fmt.Errorf("localstack: store secret %s: %w", id, err)
	}
	return nil
}

func createBucket(ctx context.Context, c *s3.Client) error {
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(Bucket)})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("localstack: create bucket %s: %w", Bucket, err)
	}
	return nil
}
