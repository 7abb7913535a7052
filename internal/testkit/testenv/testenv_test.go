package testenv_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

func TestMotoAnswersTheSDK(t *testing.T) {
	endpoint := testenv.Moto(t)
	client := s3.NewFromConfig(testenv.AWSConfig(t, endpoint), func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("testenv-bucket")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	out, err := client.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	if len(out.Buckets) != 1 || aws.ToString(out.Buckets[0].Name) != "testenv-bucket" {
		t.Fatalf("got buckets %v; want [testenv-bucket]", out.Buckets)
	}
}
