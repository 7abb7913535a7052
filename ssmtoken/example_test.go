package ssmtoken_test

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// A Lambda builds the Source once per cold start and calls the API through
// its Transport: SSM is read once per token, and again once after a 401.
func ExampleSource_Transport() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	src := ssmtoken.New(ssm.NewFromConfig(cfg), "/tokens/aos-audit")
	api := &http.Client{Transport: src.Transport(http.DefaultTransport), Timeout: 30 * time.Second}
	resp, err := api.Get("https://graph-us.avepointonlineservices.com/aos/audit")
	if err != nil {
		return
	}
	defer resp.Body.Close()
}
