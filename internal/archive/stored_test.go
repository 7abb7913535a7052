package archive_test

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tokenrelay/tokenrelay/internal/archive"
)

// TestStoredDescribesTheBytes: the size and SHA-256 Stored reports, computed while streaming,
// are those of the bytes S3 holds, for a single PutObject and a multipart upload, and a
// versioned bucket's version id is reported.
func TestStoredDescribesTheBytes(t *testing.T) {
	client := motoS3(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		size      int
		versioned bool
	}{
		{"single part", 1 << 10, false},
		{"multipart", 16 << 20, false},
		{"versioned", 1 << 10, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newBucket(t, client)
			a.Level = gzip.HuffmanOnly
			if tt.versioned {
				if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(a.Bucket),
					VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
					t.Fatal(err)
				}
			}
			obj := a.Create(ctx, "w.jsonl.gz")
			if got := obj.Stored(); got != (archive.Stored{}) {
				t.Errorf("Stored before Commit = %+v; want zero", got)
			}
			writeAll(t, obj, noiseLines(9, tt.size))
			if _, err := obj.Commit(); err != nil {
				t.Fatal(err)
			}
			st := obj.Stored()
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(a.Bucket), Key: aws.String("w.jsonl.gz")})
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if st.Key != "w.jsonl.gz" || st.Size != int64(len(body)) || st.SHA256 != sha256.Sum256(body) {
				t.Errorf("got Stored = {%s %d %x}; want {w.jsonl.gz %d %x}", st.Key, st.Size, st.SHA256, len(body), sha256.Sum256(body))
			}
			if want := aws.ToString(out.VersionId); tt.versioned && (st.VersionID == "" || st.VersionID != want) {
				t.Errorf("got VersionID = %q; want %q", st.VersionID, want)
			}
			if !tt.versioned && st.VersionID != "" {
				t.Errorf("got VersionID = %q in an unversioned bucket; want none", st.VersionID)
			}
		})
	}
}
