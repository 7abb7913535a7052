// Command consumer is an example Lambda that calls an API with the token the
// tokenrelay refresher keeps in SSM, through ssmtoken (README: "Reading a
// token from another Lambda"). TOKEN_PARAMETER names the parameter, API_URL
// the endpoint it calls.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	// Built once per cold start: warm invocations reuse the cached token.
	src := ssmtoken.New(ssm.NewFromConfig(cfg), os.Getenv("TOKEN_PARAMETER"))
	h := &Handler{URL: os.Getenv("API_URL"), HTTP: NewClient(src, 30*time.Second), Logger: log}
	lambda.Start(h.Handle)
}
