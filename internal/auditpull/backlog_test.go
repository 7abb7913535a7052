package auditpull_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/mems3"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// emptyPages is an audit API whose windows have no records; it fails past
// limit queries.
type emptyPages struct {
	calls atomic.Int64
	limit int
}

func (e *emptyPages) Pages(_ context.Context, q auditapi.Query, fn func(*auditapi.Records) error) error {
	if calls := e.calls.Add(1); calls > int64(e.limit) {
		return fmt.Errorf("query %d for %s: more than the %d windows a run plans", calls, q, e.limit)
	}
	return fn(auditapi.RecordsOf(nil))
}

// TestFarBehindCheckpointPlansMaxDue: a checkpoint ten years behind with
// 1m windows (5.7 million due) makes a run of window.MaxDue windows that
// reports complete:false, not one that plans them all.
func TestFarBehindCheckpointPlansMaxDue(t *testing.T) {
	t.Parallel()
	from := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := auditpull.Config{Bucket: "b", Prefix: "p/", Window: time.Minute, Lag: 5 * time.Minute}
	s3c := &mems3.Bucket{} // the checkpoint and thousands of manifests
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
