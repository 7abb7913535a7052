// Command refresher is the Lambda function that keeps OAuth 2.0 client-credentials tokens fresh in SSM (internal/refresh).
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/eventbus"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/lambdainit"
	"github.com/tokenrelay/tokenrelay/internal/metrics"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/refresh"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

func main() {
	logger := lambdacontext.NewLogger() // JSON lines with the template's LogFormat: JSON
	concurrency, err := refresh.ParseConcurrency(os.Getenv(refresh.EnvConcurrency))
	cfg, cfgErr := config.LoadDefaultConfig(context.Background())
	lambdainit.Check(logger, err, cfgErr)
	ssmClient := ssm.NewFromConfig(cfg)
	httpClient := httpclient.New(15 * time.Second)
	h := &refresh.Refresher{
		Config:       targets.Loader{SSM: ssmClient},
		Credentials:  credentials.Source{API: secretsmanager.NewFromConfig(cfg)},
		Discovery:    &oauth.Discovery{HTTP: httpClient},
		Tokens:       &oauth.Client{HTTP: httpClient},
		Store:        paramstore.Store{SSM: ssmClient},
		Concurrency:  concurrency,
		Logger:       logger,
		Metrics:      &metrics.Writer{W: os.Stdout},
		FunctionName: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
	}
	if bus := os.Getenv(eventbus.EnvBusName); bus != "" {
		h.Events = &eventbus.Publisher{API: eventbridge.NewFromConfig(cfg), Bus: bus}
	}
	lambda.Start(h.Handle)
}
