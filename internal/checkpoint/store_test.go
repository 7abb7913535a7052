package checkpoint_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
)

// fakeS3 is a hand-written S3API.
type fakeS3 struct {
	GetObjectFn func(*s3.GetObjectInput) (*s3.GetObjectOutput, error)
	PutObjectFn func(*s3.PutObjectInput) (*s3.PutObjectOutput, error)
	puts        []*s3.PutObjectInput
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return f.GetObjectFn(in)
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	f.puts = append(f.puts, in)
	return f.PutObjectFn(in)
}

// apiError carries an AWS error code and HTTP status, like the SDK's errors.
type apiError struct {
	code   string
	status int
}

func (e *apiError) Error() string       { return "api error " + e.code }
func (e *apiError) ErrorCode() string   { return e.code }
func (e *apiError) HTTPStatusCode() int { return e.status }

func object(body, etag string) (*s3.GetObjectOutput, error) {
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(body)), ETag: aws.String(etag)}, nil
}

func TestAdvanceConditions(t *testing.T) {
	f := &fakeS3{
		GetObjectFn: func(*s3.GetObjectInput) (*s3.GetObjectOutput, error) {
			return object(`{"next_start_time":"2024-10-10T08:00:00Z"}`, `"e1"`)
		},
		PutObjectFn: func(*s3.PutObjectInput) (*s3.PutObjectOutput, error) {
			return &s3.PutObjectOutput{ETag: aws.String(`"e2"`)}, nil
		},
	}
	s := &checkpoint.Store{S3: f, Bucket: "b", Key: "k"}
	if err := s.Advance(context.Background(), t0); err != nil {
		t.Fatalf("Advance: %v", err)
	}
	if _, _, err := s.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := s.Advance(context.Background(), t0.Add(time.Hour)); err != nil {
		t.Fatalf("Advance: %v", err)
	}
	if len(f.puts) != 2 {
		t.Fatalf("got %d puts; want 2", len(f.puts))
	}
	for i, c := range []struct{ ifMatch, ifNoneMatch string }{{"", "*"}, {`"e1"`, ""}} {
		p := f.puts[i]
		if got := aws.ToString(p.IfMatch); got != c.ifMatch {
			t.Errorf("put %d: got If-Match %q; want %q", i, got, c.ifMatch)
		}
		if got := aws.ToString(p.IfNoneMatch); got != c.ifNoneMatch {
			t.Errorf("put %d: got If-None-Match %q; want %q", i, got, c.ifNoneMatch)
		}
		if got := aws.ToString(p.ContentType); got != "application/json" {
			t.Errorf("put %d: got ContentType %q; want application/json", i, got)
		}
	}
}

func TestAdvanceConflicts(t *testing.T) {
	tests := []struct {
		name     string
		conflict error
		stored   string // what the re-read finds
		want     string // error, "" for success
		puts     int
	}{
		{"412 then behind", &apiError{"PreconditionFailed", 412}, "2024-10-10T07:00:00Z", "", 2},
		{"409 then behind", &apiError{"ConditionalRequestConflict", 409}, "2024-10-10T07:00:00Z", "", 2},
		{"bare 412 then behind", &apiError{"", 412}, "2024-10-10T07:00:00Z", "", 2},
		{"412 then ahead", &apiError{"PreconditionFailed", 412}, "2024-10-10T09:00:00Z",
			"checkpoint: stored next_start_time 2024-10-10T09:00:00Z is at or past 2024-10-10T08:00:00Z: another writer is ahead", 1},
		{"409 then equal", &apiError{"ConditionalRequestConflict", 409}, "2024-10-10T08:00:00Z",
			"checkpoint: stored next_start_time 2024-10-10T08:00:00Z is at or past 2024-10-10T08:00:00Z: another writer is ahead", 1},
		{"not a conflict", &apiError{"AccessDenied", 403}, "",
			"checkpoint: put s3://b/k: api error AccessDenied", 1},
		{"409 of another kind", &apiError{"OperationAborted", 409}, "",
			"checkpoint: put s3://b/k: api error OperationAborted", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeS3{
				GetObjectFn: func(*s3.GetObjectInput) (*s3.GetObjectOutput, error) {
					return object(`{"next_start_time":"`+tt.stored+`"}`, `"other"`)
				},
			}
			f.PutObjectFn = func(*s3.PutObjectInput) (*s3.PutObjectOutput, error) {
				if len(f.puts) == 1 {
					return nil, tt.conflict
				}
				return &s3.PutObjectOutput{ETag: aws.String(`"mine"`)}, nil
			}
			s := &checkpoint.Store{S3: f, Bucket: "b", Key: "k"}
			err := s.Advance(context.Background(), t0)
			if got := errString(err); got != tt.want {
				t.Errorf("got Advance error %q; want %q", got, tt.want)
			}
			if len(f.puts) != tt.puts {
				t.Errorf("got %d puts; want %d", len(f.puts), tt.puts)
			}
			if tt.puts == 2 {
				if got := aws.ToString(f.puts[1].IfMatch); got != `"other"` {
					t.Errorf("got retry If-Match %q; want the re-read ETag %q", got, `"other"`)
				}
			}
		})
	}
}

func TestAdvanceFindsItsOwnWrite(t *testing.T) {
	// The first try of a PutObject succeeded but its response was lost; the SDK's retry is refused
	// because the ETag changed. The re-read finds exactly what this Advance wrote.
	now := time.Date(2024, 10, 10, 8, 5, 0, 0, time.UTC)
	f := &fakeS3{
		GetObjectFn: func(*s3.GetObjectInput) (*s3.GetObjectOutput, error) {
			return object(`{"next_start_time":"2024-10-10T08:00:00Z","updated_at":"2024-10-10T08:05:00Z"}`, `"mine"`)
		},
		PutObjectFn: func(*s3.PutObjectInput) (*s3.PutObjectOutput, error) {
			return nil, &apiError{"PreconditionFailed", 412}
		},
	}
	s := &checkpoint.Store{S3: f, Bucket: "b", Key: "k", Now: func() time.Time { return now }}
	if err := s.Advance(context.Background(), t0); err != nil {
		t.Fatalf("got Advance error %v; want nil", err)
	}
	if len(f.puts) != 1 {
		t.Errorf("got %d puts; want 1", len(f.puts))
	}
	// Another writer's checkpoint at the same time is not ours.
	s = &checkpoint.Store{S3: f, Bucket: "b", Key: "k", Now: func() time.Time { return now.Add(time.Second) }}
	var ahead *checkpoint.AheadError
	if err := s.Advance(context.Background(), t0); !errors.As(err, &ahead) {
		t.Errorf("got Advance error %v; want *AheadError", err)
	}
}

func TestAdvanceAfterTheObjectWasDeleted(t *testing.T) {
	f := &fakeS3{}
	f.GetObjectFn = func(*s3.GetObjectInput) (*s3.GetObjectOutput, error) {
		if len(f.puts) == 0 {
			return object(`{"next_start_time":"2024-10-10T07:00:00Z"}`, `"e1"`)
		}
		return nil, &apiError{"NoSuchKey", 404}
	}
	f.PutObjectFn = func(in *s3.PutObjectInput) (*s3.PutObjectOutput, error) {
		if in.IfMatch != nil {
			return nil, &apiError{"NoSuchKey", 404} // S3's answer to If-Match on a missing key
		}
		return &s3.PutObjectOutput{ETag: aws.String(`"e2"`)}, nil
	}
	s := &checkpoint.Store{S3: f, Bucket: "b", Key: "k"}
	if _, _, err := s.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := s.Advance(context.Background(), t0); err != nil {
		t.Fatalf("Advance: %v", err)
	}
	if len(f.puts) != 2 || aws.ToString(f.puts[1].IfNoneMatch) != "*" {
		t.Errorf("got %d puts; want 2, the second with If-None-Match: *", len(f.puts))
	}
}

func TestAdvanceGivesUp(t *testing.T) {
	f := &fakeS3{
		GetObjectFn: func(*s3.GetObjectInput) (*s3.GetObjectOutput, error) {
			return object(`{"next_start_time":"2024-10-10T07:00:00Z"}`, `"other"`)
		},
		PutObjectFn: func(*s3.PutObjectInput) (*s3.PutObjectOutput, error) {
			return nil, &apiError{"PreconditionFailed", 412}
		},
	}
	s := &checkpoint.Store{S3: f, Bucket: "b", Key: "k"}
	err := s.Advance(context.Background(), t0)
	want := "checkpoint: put s3://b/k: other writers kept winning, gave up after 5 attempts: api error PreconditionFailed"
	if got := errString(err); got != want {
		t.Errorf("got Advance error %q; want %q", got, want)
	}
	if len(f.puts) != 5 {
		t.Errorf("got %d puts; want 5", len(f.puts))
	}
}

func TestLoadErrors(t *testing.T) {
	denied := &apiError{"AccessDenied", 403}
	f := &fakeS3{GetObjectFn: func(*s3.GetObjectInput) (*s3.GetObjectOutput, error) { return nil, denied }}
	s := &checkpoint.Store{S3: f, Bucket: "b", Key: "p/_checkpoint.json"}
	_, _, err := s.Load(context.Background())
	if want := "checkpoint: get s3://b/p/_checkpoint.json: api error AccessDenied"; errString(err) != want {
		t.Errorf("got Load error %q; want %q", errString(err), want)
	}
	if !errors.Is(err, denied) {
		t.Errorf("got errors.Is(err, denied) = false; want true")
	}
}

func TestAdvanceRejectsTheZeroTime(t *testing.T) {
	s := &checkpoint.Store{S3: &fakeS3{}, Bucket: "b", Key: "k"}
	if err := s.Advance(context.Background(), time.Time{}); errString(err) != "checkpoint: advance s3://b/k to the zero time" {
		t.Errorf("got Advance error %q; want the zero time error", errString(err))
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
