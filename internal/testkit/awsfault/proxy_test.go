package awsfault_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
)

// env is one moto_server and one proxy in front of it, shared by the subtests of a test.
type env struct {
	moto  aws.Config // straight to moto, for setup and checks
	proxy *awsfault.Proxy
	cfg   aws.Config // through the proxy, with the SDK's standard retryer
}

// setup starts moto_server and the proxy (awsfault.StartEnv).
func setup(t *testing.T) *env {
	t.Helper()
	e := awsfault.StartEnv(t)
	return &env{moto: e.Direct, proxy: e.Proxy, cfg: e.Faulty}
}

// fresh removes the rules and zeroes the counters between subtests.
func (e *env) fresh() {
	e.proxy.Clear()
	e.proxy.Reset()
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestAgainstMoto(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(e.moto)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("aos/audit-app"), SecretString: aws.String(`{"client_id":"c","client_secret":"s"}`),
	}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	smp := secretsmanager.NewFromConfig(e.cfg)
	ssmp := ssm.NewFromConfig(e.cfg)
	s3p := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3.NewFromConfig(e.moto, func(o *s3.Options) { o.UsePathStyle = true }).
		CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("faults")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	const getSecret = "secretsmanager.GetSecretValue"

	t.Run("secrets manager throttle is retried", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: getSecret, First: 2, Fault: awsfault.Throttling})
		out, err := smp.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("aos/audit-app")})
		if err != nil {
			t.Fatalf("GetSecretValue: %v", err)
		}
		if got := aws.ToString(out.SecretString); got != `{"client_id":"c","client_secret":"s"}` {
			t.Errorf("got secret %q", got)
		}
		if got, inj := e.proxy.Requests(getSecret), e.proxy.Injected(getSecret); got != 3 || inj != 2 {
			t.Errorf("got %d attempts, %d throttled; want 3, 2", got, inj)
		}
	})

	t.Run("throttling past the attempts is the throttle error", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: getSecret, Fault: awsfault.Throttling})
		_, err := smp.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("aos/audit-app")})
		if code := apiCode(err); code != "ThrottlingException" {
			t.Fatalf("got error %v (code %q); want ThrottlingException", err, code)
		}
		var maxErr *retry.MaxAttemptsError
		if !errors.As(err, &maxErr) {
			t.Errorf("got %v; want the retryer's MaxAttemptsError", err)
		}
		if got := e.proxy.Requests(getSecret); got != retry.DefaultMaxAttempts {
			t.Errorf("got %d attempts; want %d", got, retry.DefaultMaxAttempts)
		}
	})

	t.Run("access denied is not retried", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: getSecret, Fault: awsfault.AccessDenied})
		_, err := smp.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("aos/audit-app")})
		if code := apiCode(err); code != "AccessDeniedException" {
			t.Fatalf("got error %v (code %q); want AccessDeniedException", err, code)
		}
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
			t.Errorf("got %v; want an HTTP 400 response error", err)
		}
		if got := e.proxy.Requests(getSecret); got != 1 {
			t.Errorf("got %d attempts; want 1", got)
		}
	})

	t.Run("missing secret is the modelled ResourceNotFoundException", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: getSecret, Fault: awsfault.SecretNotFound})
		_, err := smp.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("aos/audit-app")})
		var nf *smtypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("got %v; want *types.ResourceNotFoundException", err)
		}
		if got := aws.ToString(nf.Message); got != awsfault.SecretNotFound.Message {
			t.Errorf("got message %q; want %q", got, awsfault.SecretNotFound.Message)
		}
		if got := e.proxy.Requests(getSecret); got != 1 {
			t.Errorf("got %d attempts; want 1", got)
		}
	})

	t.Run("ssm throttle on write is retried and the value lands", func(t *testing.T) {
		e.fresh()
		const put = "AmazonSSM.PutParameter"
		e.proxy.Add(awsfault.Rule{Op: put, First: 1, Fault: awsfault.Throttling})
		if _, err := ssmp.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String("/tokens/t"), Value: aws.String("v1"), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
		}); err != nil {
			t.Fatalf("PutParameter: %v", err)
		}
		if got := e.proxy.Requests(put); got != 2 {
			t.Errorf("got %d attempts; want 2", got)
		}
		out, err := ssm.NewFromConfig(e.moto).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/tokens/t"), WithDecryption: aws.Bool(true)})
		if err != nil || aws.ToString(out.Parameter.Value) != "v1" {
			t.Fatalf("got %v, %v; want v1 stored", out, err)
		}
	})

	t.Run("every nth read is throttled and each is retried", func(t *testing.T) {
		e.fresh()
		const get = "AmazonSSM.GetParameter"
		e.proxy.Add(awsfault.Rule{Op: get, Every: 2, Fault: awsfault.Throttling})
		for i := range 3 {
			if _, err := ssmp.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/tokens/t"), WithDecryption: aws.Bool(true)}); err != nil {
				t.Fatalf("GetParameter %d: %v", i, err)
			}
		}
		// Requests 2 and 4 are throttled: 1 ok, 2 throttled, 3 ok, 4 throttled, 5 ok.
		if got, inj := e.proxy.Requests(get), e.proxy.Injected(get); got != 5 || inj != 2 {
			t.Errorf("got %d attempts, %d throttled; want 5, 2", got, inj)
		}
	})

	t.Run("s3 SlowDown on PutObject is retried", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: "s3.PutObject", First: 1, Fault: awsfault.SlowDown})
		if _, err := s3p.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("faults"), Key: aws.String("k"), Body: bytes.NewReader([]byte("hello"))}); err != nil {
			t.Fatalf("PutObject: %v", err)
		}
		if got := e.proxy.Requests("s3.PutObject"); got != 2 {
			t.Errorf("got %d attempts; want 2", got)
		}
	})

	t.Run("s3 InternalError on one part is retried", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: "s3.UploadPart", First: 1, Fault: awsfault.S3InternalError,
			When: func(r *http.Request) bool { return r.URL.Query().Get("partNumber") == "1" }})
		mpu, err := s3p.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("faults"), Key: aws.String("mp")})
		if err != nil {
			t.Fatalf("CreateMultipartUpload: %v", err)
		}
		if _, err := s3p.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("faults"), Key: aws.String("mp"),
			UploadId: mpu.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))}); err != nil {
			t.Fatalf("UploadPart: %v", err)
		}
		if got := e.proxy.Requests("s3.UploadPart"); got != 2 {
			t.Errorf("got %d attempts; want 2", got)
		}
		if _, err := s3p.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("faults"), Key: aws.String("mp"), UploadId: mpu.UploadId}); err != nil {
			t.Fatalf("AbortMultipartUpload: %v", err)
		}
	})

	t.Run("s3 AccessDenied is not retried", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: "s3.GetObject", Fault: awsfault.S3AccessDenied})
		_, err := s3p.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("faults"), Key: aws.String("k")})
		if code := apiCode(err); code != "AccessDenied" {
			t.Fatalf("got %v (code %q); want AccessDenied", err, code)
		}
		if got := e.proxy.Requests("s3.GetObject"); got != 1 {
			t.Errorf("got %d attempts; want 1", got)
		}
	})

	t.Run("the default retryer retries a throttle too", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: getSecret, First: 1, Fault: awsfault.Throttling})
		def := e.cfg.Copy()
		def.Retryer = nil
		start := time.Now()
		if _, err := secretsmanager.NewFromConfig(def).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("aos/audit-app")}); err != nil {
			t.Fatalf("GetSecretValue: %v", err)
		}
		if got := e.proxy.Requests(getSecret); got != 2 {
			t.Errorf("got %d attempts; want 2", got)
		}
		// The standard backoff before the second attempt is at most 2s.
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v; want the first backoff, at most 2s", d)
		}
	})

	t.Run("a lost answer: the write happened, the SDK retries it", func(t *testing.T) {
		e.fresh()
		const put = "AmazonSSM.PutParameter"
		e.proxy.Add(awsfault.Rule{Op: put, First: 1, Lost: true, Fault: awsfault.InternalServerError})
		if _, err := ssmp.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String("/tokens/lost"), Value: aws.String("v1"), Type: ssmtypes.ParameterTypeSecureString,
		}); err == nil || apiCode(err) != "ParameterAlreadyExists" {
			// Without Overwrite, the retry finds the parameter the lost attempt created.
			t.Fatalf("got %v; want ParameterAlreadyExists from the retry of a write that happened", err)
		}
		if got := e.proxy.Requests(put); got != 2 {
			t.Errorf("got %d attempts; want 2", got)
		}
	})

	t.Run("a delay rule forwards after the delay", func(t *testing.T) {
		e.fresh()
		e.proxy.Add(awsfault.Rule{Op: getSecret, First: 1, Delay: 200 * time.Millisecond})
		start := time.Now()
		if _, err := smp.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("aos/audit-app")}); err != nil {
			t.Fatalf("GetSecretValue: %v", err)
		}
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("took %v; want at least the 200ms delay", d)
		}
		if got := e.proxy.Injected(getSecret); got != 0 {
			t.Errorf("got %d faults; want 0", got)
		}
	})
}
