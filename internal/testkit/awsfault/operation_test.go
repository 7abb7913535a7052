package awsfault_test

import (
	"net/http/httptest"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
)

func TestOperation(t *testing.T) {
	tests := []struct {
		name, method, target, header, want string
	}{
		{"secrets manager", "POST", "/", "secretsmanager.GetSecretValue", "secretsmanager.GetSecretValue"},
		{"ssm get", "POST", "/", "AmazonSSM.GetParameter", "AmazonSSM.GetParameter"},
		{"ssm put", "POST", "/", "AmazonSSM.PutParameter", "AmazonSSM.PutParameter"},
		{"put object", "PUT", "/b/a/b.jsonl.gz?x-id=PutObject", "", "s3.PutObject"},
		{"get object", "GET", "/b/_checkpoint.json?x-id=GetObject", "", "s3.GetObject"},
		{"head object", "HEAD", "/b/k", "", "s3.HeadObject"},
		{"delete object", "DELETE", "/b/k", "", "s3.DeleteObject"},
		{"create multipart", "POST", "/b/k?uploads=", "", "s3.CreateMultipartUpload"},
		{"upload part", "PUT", "/b/k?partNumber=2&uploadId=u1", "", "s3.UploadPart"},
		{"complete multipart", "POST", "/b/k?uploadId=u1", "", "s3.CompleteMultipartUpload"},
		{"abort multipart", "DELETE", "/b/k?uploadId=u1", "", "s3.AbortMultipartUpload"},
		{"list parts", "GET", "/b/k?uploadId=u1", "", "s3.ListParts"},
		{"list multipart", "GET", "/b?uploads=", "", "s3.ListMultipartUploads"},
		{"list objects v2", "GET", "/b?list-type=2&prefix=p", "", "s3.ListObjectsV2"},
		{"create bucket", "PUT", "/b", "", "s3.CreateBucket"},
		{"list buckets", "GET", "/", "", "s3.ListBuckets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.header != "" {
				r.Header.Set("X-Amz-Target", tt.header)
			}
			if got := awsfault.Operation(r); got != tt.want {
				t.Errorf("got Operation(%s %s) = %q; want %q", tt.method, tt.target, got, tt.want)
			}
		})
	}
}
