package auditpull_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// memS3 holds the checkpoint and the manifests in memory, for runs of
// thousands of windows; it ignores the write conditions (one writer).
type memS3 struct {
	mu     sync.Mutex
	bodies map[string][]byte
	etag   int
}

func (m *memS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	body, ok := m.bodies[aws.ToString(in.Key)]
	if !ok {
		return nil, &s3types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body)), ETag: aws.String(strconv.Itoa(m.etag))}, nil
}

func (m *memS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bodies == nil {
		m.bodies = map[string][]byte{}
	}
	m.bodies[aws.ToString(in.Key)], m.etag = b, m.etag+1
	return &s3.PutObjectOutput{ETag: aws.String(strconv.Itoa(m.etag))}, nil
}

// emptyPages is an audit API whose windows have no records; it fails past
// limit queries.
type emptyPages struct {
	calls atomic.Int64
	limit int
}

func (e *emptyPages) Pages(_ context.Context, q auditapi.Query, fn func([]json.RawMessage) error) error {
	if calls := e.calls.Add(1); calls > int64(e.limit) {
		return fmt.Errorf("query %d for %s: more than the %d windows a run plans", calls, q, e.limit)
	}
	return fn(nil)
}

// TestFarBehindCheckpointPlansMaxDue: a checkpoint ten years behind with
// 1m windows (5.7 million due) makes a run of window.MaxDue windows that
// reports complete:false, not one that plans them all.
func TestFarBehindCheckpointPlansMaxDue(t *testing.T) {
	t.Parallel()
	from := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := auditpull.Config{Bucket: "b", Prefix: "p/", Window: time.Minute, Lag: 5 * time.Minute}
	s3c := &memS3{}
	if err := (&checkpoint.Store{S3: s3c, Bucket: cfg.Bucket, Key: cfg.CheckpointKey()}).Advance(context.Background(), from); err != nil {
		t.Fatal(err)
	}
	api := &emptyPages{limit: window.MaxDue}
	p := &auditpull.Puller{
		Config:      cfg,
		API:         api,
		Archive:     &archive.Archive{Bucket: cfg.Bucket}, // windows without records store nothing
		Checkpoints: &checkpoint.Store{S3: s3c, Bucket: cfg.Bucket, Key: cfg.CheckpointKey()},
		S3:          s3c,
		Now:         func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) },
	}
	res, err := p.Run(context.Background(), auditpull.Event{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	end := from.Add(window.MaxDue * time.Minute)
	if res.Complete || res.Windows != window.MaxDue || res.Checkpoint != stamp(end) {
		t.Errorf("result = %+v; want %d windows, incomplete, checkpoint %s", res, window.MaxDue, stamp(end))
	}
}
