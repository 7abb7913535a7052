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
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/lambdainit"
	"github.com/tokenrelay/tokenrelay/internal/logging"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/throttle"
)

func main() {
	log := logging.New(os.Stdout, os.Getenv("AWS_LAMBDA_LOG_LEVEL"))
	// Lambda kills a process above its memory size; a soft limit below it makes the GC collect
	// sooner instead of letting the heap reach twice the live data (GOMEMLIMIT still wins).
	if mb, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(mb) << 20 * 7 / 10)
	}
	cfg, err := auditpull.FromEnv(os.Getenv)
	awsCfg, awsErr := config.LoadDefaultConfig(context.Background())
	if err = errors.Join(err, awsErr); err != nil {
		lambdainit.Fail(log, err)
	}
	s3Client := s3.NewFromConfig(awsCfg)
	// One gate for every window in flight: a 429 on any of them holds them all.
	hc := httpclient.New(time.Minute)
	hc.Transport = &throttle.Gate{Base: hc.Transport}
	tokens := &auditpull.TokenSource{Params: paramstore.Store{SSM: ssm.NewFromConfig(awsCfg)}, Name: cfg.TokenParameter}
	h := &auditpull.Handler{Log: log, Puller: &auditpull.Puller{
		Config:      cfg,
		API:         &auditapi.Client{HTTP: hc, BaseURL: cfg.BaseURL, Tokens: tokens, Lenient: true},
		Archive:     &archive.Archive{Bucket: cfg.Bucket, Uploader: archive.NewUploaderFor(s3Client, cfg.Concurrency)},
		Checkpoints: &checkpoint.Store{S3: s3Client, Bucket: cfg.Bucket, Key: cfg.CheckpointKey()},
		S3:          s3Client,
		Log:         log,
		Metrics:     os.Stdout,
	}}
	lambda.Start(h.Handle)
}
