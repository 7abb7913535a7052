package archive_test

//lint:file-ignore SA1019 the Uploader interface names feature/s3/manager types, which the brief pins.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tokenrelay/tokenrelay/internal/archive"
)

// uploadFunc is a hand-written fake Uploader.
type uploadFunc func(ctx context.Context, in *s3.PutObjectInput, opts ...func(*manager.Uploader)) (*manager.UploadOutput, error)

func (f uploadFunc) Upload(ctx context.Context, in *s3.PutObjectInput, opts ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
	return f(ctx, in, opts...)
}

// gunzipLines reads a whole gzip NDJSON stream.
func gunzipLines(r io.Reader) ([]string, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

func TestCreateStartsNothingUntilTheFirstLine(t *testing.T) {
	never := uploadFunc(func(context.Context, *s3.PutObjectInput, ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
		t.Errorf("Upload called for an object without lines")
		return nil, nil
	})
	a := &archive.Archive{Bucket: "b", Uploader: never}
	if key, err := a.Create(context.Background(), "k").Commit(); key != "" || err != nil {
		t.Errorf("got Commit() = %q, %v; want \"\", nil", key, err)
	}
	a.Create(context.Background(), "k").Abort(errors.New("nothing to do"))
}

// TestKeepEmptyStoresAnEmptyStream: a kept object without lines is uploaded as a valid gzip
// stream of no lines, with the content type, and Stored describes the bytes sent.
func TestKeepEmptyStoresAnEmptyStream(t *testing.T) {
	var got *s3.PutObjectInput
	var body []byte
	a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
		func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			got = in
			var err error
			body, err = io.ReadAll(in.Body)
			return &manager.UploadOutput{VersionID: aws.String("v2")}, err
		})}
	obj := a.Create(context.Background(), "k.jsonl.gz")
	obj.KeepEmpty()
	if key, err := obj.Commit(); key != "k.jsonl.gz" || err != nil {
		t.Fatalf("got Commit() = %q, %v; want \"k.jsonl.gz\", nil", key, err)
	}
	if got == nil || aws.ToString(got.ContentType) != archive.ContentType {
		t.Fatalf("got upload %+v; want one with content type %s", got, archive.ContentType)
	}
	lines, err := gunzipLines(bytes.NewReader(body))
	if err != nil || len(lines) != 0 || len(body) == 0 {
		t.Errorf("got %d bytes holding lines %q, %v; want a valid gzip stream of no lines", len(body), lines, err)
	}
	if st := obj.Stored(); st.Key != "k.jsonl.gz" || st.Size != int64(len(body)) || st.SHA256 != sha256.Sum256(body) || st.VersionID != "v2" || obj.Lines() != 0 {
		t.Errorf("got Stored = %+v, %d lines; want the %d bytes sent, version v2, no lines", st, obj.Lines(), len(body))
	}
}

func TestUploadInput(t *testing.T) {
	var got *s3.PutObjectInput
	var lines []string
	a := &archive.Archive{Bucket: "audit-bucket", Uploader: uploadFunc(
		func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			got = in
			var err error
			lines, err = gunzipLines(in.Body)
			return &manager.UploadOutput{}, err
		})}
	obj := a.Create(context.Background(), "p/x.jsonl.gz")
	for _, l := range []string{`{"a":1}`, `{"b":"two"}`} {
		if err := obj.WriteLine([]byte(l)); err != nil {
			t.Fatalf("WriteLine: %v", err)
		}
	}
	if key, err := obj.Commit(); key != "p/x.jsonl.gz" || err != nil {
		t.Fatalf("got Commit() = %q, %v; want \"p/x.jsonl.gz\", nil", key, err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"Bucket", aws.ToString(got.Bucket), "audit-bucket"},
		{"Key", aws.ToString(got.Key), "p/x.jsonl.gz"},
		{"ContentType", aws.ToString(got.ContentType), "application/x-ndjson"},
		{"ContentEncoding", aws.ToString(got.ContentEncoding), ""},
		{"lines", strings.Join(lines, "|"), `{"a":1}|{"b":"two"}`},
	} {
		if c.got != c.want {
			t.Errorf("got %s %q; want %q", c.name, c.got, c.want)
		}
	}
}

func TestWriteLineRejectsWhatIsNotOneLine(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"empty", "", "archive: line 1 for s3://b/k is empty"},
		{"newline", "{\"a\":\n1}", "archive: line 1 for s3://b/k contains a newline"},
		{"trailing newline", "{}\n", "archive: line 1 for s3://b/k contains a newline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
				func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
					var err error
					lines, err = gunzipLines(in.Body)
					return &manager.UploadOutput{}, err
				})}
			obj := a.Create(context.Background(), "k")
			err := obj.WriteLine([]byte(tt.line))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got WriteLine error %v; want %q", err, tt.want)
			}
			// The object stays usable: the bad line was not written.
			if err := obj.WriteLine([]byte(`{"ok":true}`)); err != nil {
				t.Fatalf("WriteLine after a rejected line: %v", err)
			}
			if _, err := obj.Commit(); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if got := strings.Join(lines, "|"); got != `{"ok":true}` {
				t.Errorf("got stored lines %q; want %q", got, `{"ok":true}`)
			}
		})
	}
}

func TestMisconfiguredArchive(t *testing.T) {
	discard := uploadFunc(func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
		_, err := io.Copy(io.Discard, in.Body)
		return &manager.UploadOutput{}, err
	})
	tests := []struct {
		name string
		a    *archive.Archive
		key  string
		want string
	}{
		{"no bucket", &archive.Archive{Uploader: discard}, "k", `archive: object "k": no bucket`},
		{"empty key", &archive.Archive{Bucket: "b", Uploader: discard}, "", "archive: object in bucket b: empty key"},
		{"no uploader", &archive.Archive{Bucket: "b"}, "k", "archive: object s3://b/k: no uploader"},
		{"bad level", &archive.Archive{Bucket: "b", Uploader: discard, Level: 12}, "k", "archive: object s3://b/k: gzip: invalid compression level: 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.a.Create(context.Background(), tt.key)
			if err := obj.WriteLine([]byte(`{}`)); err == nil || err.Error() != tt.want {
				t.Errorf("got WriteLine error %v; want %q", err, tt.want)
			}
			if _, err := obj.Commit(); err == nil || err.Error() != tt.want {
				t.Errorf("got Commit error %v; want %q", err, tt.want)
			}
		})
	}
}

func TestCallsAfterCommit(t *testing.T) {
	a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
		func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			_, err := io.Copy(io.Discard, in.Body)
			return &manager.UploadOutput{}, err
		})}
	obj := a.Create(context.Background(), "k")
	if err := obj.WriteLine([]byte(`{}`)); err != nil {
		t.Fatalf("WriteLine: %v", err)
	}
	if _, err := obj.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	obj.Abort(errors.New("too late")) // no effect
	if err := obj.WriteLine([]byte(`{}`)); err == nil {
		t.Errorf("got WriteLine after Commit = nil; want an error")
	}
	if _, err := obj.Commit(); err == nil {
		t.Errorf("got second Commit = nil; want an error")
	}
}

func TestAbortEndsTheStreamWithTheCause(t *testing.T) {
	cause := errors.New("page 3: data is not an array")
	tests := []struct {
		name  string
		cause error
		want  string
	}{
		{"with cause", cause, cause.Error()},
		{"nil cause", nil, "archive: upload aborted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var returned atomic.Bool
			var readErr error
			a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
				func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
					defer returned.Store(true)
					_, readErr = io.Copy(io.Discard, in.Body)
					time.Sleep(20 * time.Millisecond) // an abort request in flight
					return nil, readErr
				})}
			obj := a.Create(context.Background(), "k")
			if err := obj.WriteLine([]byte(`{}`)); err != nil {
				t.Fatalf("WriteLine: %v", err)
			}
			obj.Abort(tt.cause)
			if !returned.Load() {
				t.Errorf("Abort returned before the upload stopped")
			}
			if readErr == nil || readErr.Error() != tt.want {
				t.Errorf("got the upload's read error %v; want %q", readErr, tt.want)
			}
		})
	}
}

func TestUploadFailingEarlyUnblocksTheWriter(t *testing.T) {
	boom := errors.New("NoSuchBucket: the bucket does not exist")
	a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
		func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			_, _ = in.Body.Read(make([]byte, 10)) // starts reading, then gives up
			return nil, boom
		})}
	obj := a.Create(context.Background(), "k")
	var werr error
	for _, l := range noiseLines(6, 4<<20) {
		if werr = obj.WriteLine(l); werr != nil {
			break
		}
	}
	if !errors.Is(werr, boom) {
		t.Fatalf("got WriteLine error %v; want %v", werr, boom)
	}
	if err := obj.WriteLine([]byte(`{}`)); err != werr {
		t.Errorf("got later WriteLine error %v; want the same %v", err, werr)
	}
	if _, err := obj.Commit(); err != werr {
		t.Errorf("got Commit error %v; want the same %v", err, werr)
	}
}

func TestCommitReportsTheUploadError(t *testing.T) {
	boom := errors.New("InternalError: we encountered an internal error")
	a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
		func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			_, _ = io.Copy(io.Discard, in.Body)
			return nil, boom
		})}
	obj := a.Create(context.Background(), "k")
	if err := obj.WriteLine([]byte(`{}`)); err != nil {
		t.Fatalf("WriteLine: %v", err)
	}
	_, err := obj.Commit()
	if want := "archive: upload s3://b/k: " + boom.Error(); err == nil || err.Error() != want {
		t.Errorf("got Commit error %v; want %q", err, want)
	}
	if !errors.Is(err, boom) {
		t.Errorf("got errors.Is(Commit error, boom) = false; want true")
	}
}

// fakeAbortClient is an UploadAPIClient that only implements AbortMultipartUpload.
type fakeAbortClient struct {
	manager.UploadAPIClient
	ctxErr error
}

func (c *fakeAbortClient) AbortMultipartUpload(ctx context.Context, _ *s3.AbortMultipartUploadInput, _ ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	c.ctxErr = ctx.Err()
	return nil, errors.New("AccessDenied: not allowed to abort")
}

func TestMultipartAbortSurvivesACancelledContext(t *testing.T) {
	client := &fakeAbortClient{ctxErr: errors.New("not called")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
		func(ctx context.Context, in *s3.PutObjectInput, opts ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			// What manager.Uploader does: apply the options to its copy, then, on failure, abort with
			// the upload's (here cancelled) context.
			u := manager.Uploader{S3: client}
			for _, o := range opts {
				o(&u)
			}
			_, err := io.Copy(io.Discard, in.Body)
			_, _ = u.S3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{})
			return nil, err
		})}
	obj := a.Create(ctx, "k")
	if err := obj.WriteLine([]byte(`{}`)); err != nil {
		t.Fatalf("WriteLine: %v", err)
	}
	cancel()
	_, err := obj.Commit()
	if client.ctxErr != nil {
		t.Errorf("got AbortMultipartUpload context error %v; want a live context", client.ctxErr)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got Commit error %v; want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "AccessDenied: not allowed to abort") {
		t.Errorf("got Commit error %q; want it to report the failed abort", err)
	}
}

// TestWriterIsBoundByTheUpload shows that an Object buffers a bounded amount: when the uploader
// stops reading, WriteLine blocks instead of holding the object in memory.
func TestWriterIsBoundByTheUpload(t *testing.T) {
	release := make(chan struct{})
	a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
		func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			<-release
			_, err := io.Copy(io.Discard, in.Body)
			return &manager.UploadOutput{}, err
		}), Level: gzip.HuffmanOnly}
	obj := a.Create(context.Background(), "k")
	lines := noiseLines(7, 8<<20)
	var written atomic.Int64
	done := make(chan error, 1)
	go func() {
		for _, l := range lines {
			if err := obj.WriteLine(l); err != nil {
				done <- err
				return
			}
			written.Add(int64(len(l) + 1))
		}
		done <- nil
	}()
	time.Sleep(200 * time.Millisecond)
	// bufio (64 KiB) plus what the compressor holds back (its 32 KiB window and block buffer).
	const bound = 512 << 10
	if got := written.Load(); got > bound {
		t.Errorf("got %d bytes accepted while the upload was not reading; want at most %d", got, bound)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("WriteLine: %v", err)
	}
	if _, err := obj.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}
