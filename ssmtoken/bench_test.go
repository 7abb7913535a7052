package ssmtoken_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// BenchmarkTokenCacheHit measures Source.Token on a cache hit (ns/op,
// allocs/op) and, beside it, the GetParameter round trip to moto_server it
// saves (getparameter-ns), reported as their ratio (x-cheaper).
func BenchmarkTokenCacheHit(b *testing.B) {
	client := ssm.NewFromConfig(testenv.AWSConfig(b, testenv.Moto(b)))
	ctx := context.Background()
	name := "/tokens/bench"
	_, err := client.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Type: "SecureString", Overwrite: aws.Bool(true),
		Value: aws.String(jsonValue("bench-token", time.Now().Add(time.Hour))),
	})
	if err != nil {
		b.Fatal(err)
	}
	const trips = 50
	in := &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)}
	_, _ = client.GetParameter(ctx, in) // warm the connection
	start := time.Now()
	for range trips {
		if _, err := client.GetParameter(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	roundTrip := float64(time.Since(start).Nanoseconds()) / trips

	src := ssmtoken.New(client, name)
	if _, err := src.Token(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := src.Token(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	hit := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(roundTrip, "getparameter-ns")
	b.ReportMetric(roundTrip/hit, "x-cheaper")
}
