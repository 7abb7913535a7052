package archive_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// motoS3 starts one moto_server for a test and returns a client for it.
func motoS3(t *testing.T) *s3.Client {
	t.Helper()
	cfg := testenv.AWSConfig(t, testenv.Moto(t))
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.DisableLogOutputChecksumValidationSkipped = true // moto returns no checksums
	})
}

// newBucket creates a bucket named after the subtest and returns an Archive writing into it. Its
// gzip level is Huffman-only: the large objects here are noise, whose compression at the default
// level takes most of a minute under the race detector and tests nothing about the upload.
func newBucket(t *testing.T, client *s3.Client) *archive.Archive {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 63 {
		name = name[len(name)-63:]
	}
	name = strings.Trim(name, "-")
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return &archive.Archive{Bucket: name, Uploader: archive.NewUploader(client), Level: gzip.HuffmanOnly}
}

// download returns the object's lines after gunzip, and its head.
func download(t *testing.T, client *s3.Client, bucket, key string) ([]string, *s3.GetObjectOutput) {
	t.Helper()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		t.Fatalf("gunzip s3://%s/%s: %v", bucket, key, err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read s3://%s/%s: %v", bucket, key, err)
	}
	return lines, out
}

// assertNothingStored checks that the bucket holds no object and no pending multipart upload.
func assertNothingStored(t *testing.T, client *s3.Client, bucket string) {
	t.Helper()
	ctx := context.Background()
	objs, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list objects: %v", err)
	}
	for _, o := range objs.Contents {
		t.Errorf("got object %q in s3://%s; want none", aws.ToString(o.Key), bucket)
	}
	assertMultipartUploads(t, client, bucket, 0)
}

func assertMultipartUploads(t *testing.T, client *s3.Client, bucket string, want int) {
	t.Helper()
	mpu, err := client.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	if got := len(mpu.Uploads); got != want {
		t.Errorf("got %d pending multipart uploads in s3://%s; want %d", got, bucket, want)
	}
}

// noiseLines returns lines of base64 noise, which gzip cannot shrink below 3/4 of their size,
// totalling at least size bytes.
func noiseLines(seed uint64, size int) [][]byte {
	var s [32]byte
	s[0] = byte(seed)
	rng := rand.NewChaCha8(s)
	var lines [][]byte
	raw := make([]byte, 3000)
	for n := 0; n < size; {
		_, _ = rng.Read(raw)
		line := fmt.Appendf(nil, `{"n":%d,"noise":"%s"}`, len(lines), base64.StdEncoding.EncodeToString(raw))
		lines = append(lines, line)
		n += len(line) + 1
	}
	return lines
}

func writeAll(t *testing.T, obj *archive.Object, lines [][]byte) {
	t.Helper()
	for i, l := range lines {
		if err := obj.WriteLine(l); err != nil {
			t.Fatalf("WriteLine(%d): %v", i, err)
		}
	}
}

func assertLines(t *testing.T, got []string, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d lines; want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != string(want[i]) {
			t.Fatalf("line %d: got %q; want %q", i, got[i], want[i])
		}
	}
}

func TestObjectS3(t *testing.T) {
	client := motoS3(t)
	ctx := context.Background()

	t.Run("lines round-trip", func(t *testing.T) {
		a := newBucket(t, client)
		a.Level = 0 // the default, as in production
		lines := [][]byte{
			[]byte(`{"actionName":"Login","_id":"ab"}`),
			[]byte(`{"comment":"caf\u00e9 ☕ 日本語","n":1}`),
			[]byte(`{"nested":{"a":[1,2,{"b":null}]},"s":"tab\tquote\"backslash\\"}`),
			[]byte(`"a JSON string is a line too"`),
		}
		obj := a.Create(ctx, "year=2024/month=10/day=10/20241010T080000Z_20241010T090000Z.jsonl.gz")
		writeAll(t, obj, lines)
		if got := obj.Lines(); got != len(lines) {
			t.Errorf("got Lines() = %d; want %d", got, len(lines))
		}
		key, err := obj.Commit()
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if want := "year=2024/month=10/day=10/20241010T080000Z_20241010T090000Z.jsonl.gz"; key != want {
			t.Errorf("got key %q; want %q", key, want)
		}
		got, out := download(t, client, a.Bucket, key)
		assertLines(t, got, lines)
		if ct := aws.ToString(out.ContentType); ct != archive.ContentType {
			t.Errorf("got ContentType %q; want %q", ct, archive.ContentType)
		}
		if ce := aws.ToString(out.ContentEncoding); ce != "" {
			t.Errorf("got ContentEncoding %q; want none (the object is a .gz file)", ce)
		}
		assertMultipartUploads(t, client, a.Bucket, 0)
	})

	t.Run("large object uses multipart and round-trips", func(t *testing.T) {
		a := newBucket(t, client)
		lines := noiseLines(1, 24<<20) // about 18 MiB compressed: 3 parts
		obj := a.Create(ctx, "big.jsonl.gz")
		writeAll(t, obj, lines)
		key, err := obj.Commit()
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		got, out := download(t, client, a.Bucket, key)
		assertLines(t, got, lines)
		// A multipart object's ETag ends in -<number of parts>.
		if etag := strings.Trim(aws.ToString(out.ETag), `"`); !strings.HasSuffix(etag, "-3") {
			t.Errorf("got ETag %q; want a 3-part multipart ETag (…-3)", etag)
		}
		assertMultipartUploads(t, client, a.Bucket, 0)
	})

	t.Run("zero lines store nothing", func(t *testing.T) {
		a := newBucket(t, client)
		obj := a.Create(ctx, "empty.jsonl.gz")
		key, err := obj.Commit()
		if key != "" || err != nil {
			t.Errorf("got Commit() = %q, %v; want \"\", nil", key, err)
		}
		assertNothingStored(t, client, a.Bucket)
	})

	t.Run("rewrite replaces the object", func(t *testing.T) {
		a := newBucket(t, client)
		for _, lines := range [][][]byte{
			{[]byte(`{"v":1}`), []byte(`{"v":2}`), []byte(`{"v":3}`)},
			{[]byte(`{"v":"again"}`)},
		} {
			obj := a.Create(ctx, "w.jsonl.gz")
			writeAll(t, obj, lines)
			if _, err := obj.Commit(); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			got, _ := download(t, client, a.Bucket, "w.jsonl.gz")
			assertLines(t, got, lines)
		}
	})

	t.Run("abort", func(t *testing.T) {
		tests := []struct {
			name  string
			size  int
			parts int // multipart uploads pending just before Abort
		}{
			{"single part", 1 << 20, 0},
			{"multipart mid-stream", 16 << 20, 1}, // about 12 MiB compressed: part 2 is being read
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := newBucket(t, client)
				obj := a.Create(ctx, "aborted.jsonl.gz")
				writeAll(t, obj, noiseLines(2, tt.size))
				assertMultipartUploads(t, client, a.Bucket, tt.parts)
				obj.Abort(errors.New("page 7 was not JSON"))
				assertNothingStored(t, client, a.Bucket)
				if _, err := obj.Commit(); err == nil {
					t.Errorf("got Commit after Abort = nil error; want an error")
				}
			})
		}
	})

	t.Run("aborted rewrite keeps the previous object", func(t *testing.T) {
		a := newBucket(t, client)
		first := [][]byte{[]byte(`{"v":"first"}`)}
		obj := a.Create(ctx, "k.jsonl.gz")
		writeAll(t, obj, first)
		if _, err := obj.Commit(); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		for _, size := range []int{1 << 10, 16 << 20} {
			obj = a.Create(ctx, "k.jsonl.gz")
			writeAll(t, obj, noiseLines(3, size))
			obj.Abort(nil)
			got, _ := download(t, client, a.Bucket, "k.jsonl.gz")
			assertLines(t, got, first)
		}
		assertMultipartUploads(t, client, a.Bucket, 0)
	})

	t.Run("missing bucket fails and stores nothing", func(t *testing.T) {
		for _, size := range []int{1 << 10, 16 << 20} {
			t.Run(fmt.Sprint(size), func(t *testing.T) {
				a := &archive.Archive{Bucket: "no-such-bucket", Uploader: archive.NewUploader(client), Level: gzip.HuffmanOnly}
				obj := a.Create(ctx, "x.jsonl.gz")
				var werr error
				for _, l := range noiseLines(4, size) {
					if werr = obj.WriteLine(l); werr != nil {
						break
					}
				}
				_, err := obj.Commit()
				if err == nil {
					t.Fatalf("got Commit() error nil; want NoSuchBucket")
				}
				if werr != nil && werr.Error() != err.Error() {
					t.Errorf("got Commit error %q; want the write error %q", err, werr)
				}
				if !strings.Contains(err.Error(), "s3://no-such-bucket/x.jsonl.gz") {
					t.Errorf("got error %q; want it to name s3://no-such-bucket/x.jsonl.gz", err)
				}
				var nsb *types.NoSuchBucket
				if !errors.As(err, &nsb) && !strings.Contains(err.Error(), "NoSuchBucket") {
					t.Errorf("got error %q; want NoSuchBucket", err)
				}
			})
		}
	})

	t.Run("context cancelled mid-stream fails and stores nothing", func(t *testing.T) {
		a := newBucket(t, client)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		obj := a.Create(cctx, "cancelled.jsonl.gz")
		lines := noiseLines(5, 24<<20)
		writeAll(t, obj, lines[:len(lines)/2]) // past the first part: the multipart upload runs
		assertMultipartUploads(t, client, a.Bucket, 1)
		cancel()
		var werr error
		for _, l := range lines[len(lines)/2:] {
			if werr = obj.WriteLine(l); werr != nil {
				break
			}
		}
		if !errors.Is(werr, context.Canceled) {
			t.Errorf("got WriteLine error %v after cancel; want context.Canceled", werr)
		}
		_, err := obj.Commit()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got Commit error %v; want context.Canceled", err)
		}
		// The manager aborts on a detached context, so the cancelled one still cleans up.
		assertNothingStored(t, client, a.Bucket)
	})

	t.Run("context cancelled before commit of a small object", func(t *testing.T) {
		a := newBucket(t, client)
		cctx, cancel := context.WithCancel(ctx)
		obj := a.Create(cctx, "small.jsonl.gz")
		writeAll(t, obj, [][]byte{[]byte(`{"a":1}`)})
		cancel()
		if _, err := obj.Commit(); !errors.Is(err, context.Canceled) {
			t.Errorf("got Commit error %v; want context.Canceled", err)
		}
		assertNothingStored(t, client, a.Bucket)
	})
}
