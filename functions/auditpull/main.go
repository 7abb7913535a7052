// Command auditpull is the audit pull Lambda (README: "Audit pull"): it lands
// AvePoint audit records in S3 by time window; see internal/auditpull.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/lambdainit"
	"github.com/tokenrelay/tokenrelay/internal/throttle"
)

func main() {
	log := lambdacontext.NewLogger() // JSON lines with the template's LogFormat: JSON
	cfg, err := auditpull.FromEnv(os.Getenv)
	awsCfg, awsErr := config.LoadDefaultConfig(context.Background())
	lambdainit.Check(log, err, awsErr)
	auditpull.SoftLimit(cfg, os.Getenv)
	s3Client := s3.NewFromConfig(awsCfg)
	// One gate for every window in flight: a 429 on any of them holds them all.
	hc := httpclient.New(time.Minute)
	hc.Transport = &throttle.Gate{Base: hc.Transport}
	tokens := &auditpull.TokenSource{SSM: ssm.NewFromConfig(awsCfg), Name: cfg.TokenParameter}
	h := &auditpull.Handler{Logger: log, Puller: &auditpull.Puller{
		Config:      cfg,
		API:         &auditapi.Client{HTTP: hc, BaseURL: cfg.BaseURL, Tokens: tokens, Lenient: true, Stream: true},
		Archive:     &archive.Archive{Bucket: cfg.Bucket, Uploader: archive.NewUploaderFor(s3Client, cfg.Concurrency)},
		Checkpoints: &checkpoint.Store{S3: s3Client, Bucket: cfg.Bucket, Key: cfg.CheckpointKey()},
		S3:          s3Client,
		Logger:      log,
		Metrics:     os.Stdout,
	}}
	lambda.Start(h.Handle)
}
