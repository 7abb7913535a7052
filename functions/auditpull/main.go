// Command auditpull is the audit pull Lambda (README: "Audit pull"): it lands
// AvePoint audit records in S3 by time window; see internal/auditpull.
package main

import (
	"context"
	"errors"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/lambdainit"
)

func main() {
	log := lambdacontext.NewLogger() // JSON lines with the template's LogFormat: JSON
	// A soft limit under Lambda's memory size makes the GC collect before Lambda kills the process.
	if mb, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(mb) << 20 * 7 / 10)
	}
	cfg, err := auditpull.FromEnv(os.Getenv)
	awsCfg, awsErr := config.LoadDefaultConfig(context.Background())
	if err = errors.Join(err, awsErr); err != nil {
		lambdainit.Fail(log, err)
	}
	s3Client := s3.NewFromConfig(awsCfg)
	tokens := &auditpull.TokenSource{SSM: ssm.NewFromConfig(awsCfg), Name: cfg.TokenParameter}
	h := &auditpull.Handler{Logger: log, Puller: &auditpull.Puller{
		Config:  cfg,
		API:     &auditapi.Client{HTTP: httpclient.New(time.Minute), BaseURL: cfg.BaseURL, Tokens: tokens},
		Archive: &archive.Archive{Bucket: cfg.Bucket, Uploader: archive.NewUploader(s3Client)},
		S3:      s3Client,
		Log:     log,
		Metrics: os.Stdout,
	}}
	lambda.Start(h.Handle)
}
