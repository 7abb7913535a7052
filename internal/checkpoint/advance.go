package checkpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// maxAttempts bounds the conditional writes of one Advance. Each lost race means another writer
// stored a checkpoint in between, so repeated losses mean a busy competitor, not a stuck store.
const maxAttempts = 5

// Advance stores next as the checkpoint, conditionally on the object being the one this Store
// last read or wrote (or on there being none, when it saw none). When another writer got there
// first, Advance re-reads the object: if the stored next_start_time is at or past next it
// returns an *AheadError and writes nothing; otherwise it tries again on the new ETag. It also
// returns an *AheadError, without writing, when the checkpoint it last saw is already past next:
// the checkpoint never moves backwards. A re-read that finds exactly the checkpoint this call
// wrote (an SDK retry refused because its first try had succeeded) is a success.
func (s *Store) Advance(ctx context.Context, next time.Time) error {
	if next.IsZero() {
		return fmt.Errorf("checkpoint: advance %s to the zero time", s.where())
	}
	next = next.UTC()
	if s.stored.After(next) {
		return &AheadError{Stored: s.stored, Wanted: next}
	}
	var lastErr error
	for range maxAttempts {
		ifMatch := s.etag != ""
		want := Checkpoint{NextStartTime: next, UpdatedAt: s.now().UTC().Truncate(time.Second)}
		err := s.put(ctx, want)
		if err == nil {
			return nil
		}
		if !isConflict(err, ifMatch) {
			return fmt.Errorf("checkpoint: put %s: %w", s.where(), err)
		}
		lastErr = err
		cp, found, err := s.Load(ctx)
		if err != nil {
			return err
		}
		if found && cp.NextStartTime.Equal(want.NextStartTime) && cp.UpdatedAt.Equal(want.UpdatedAt) {
			// Our own write landed: an SDK retry of a request whose response was lost, refused
			// because the first try had already changed the ETag.
			return nil
		}
		if found && !cp.NextStartTime.Before(next) {
			return &AheadError{Stored: cp.NextStartTime, Wanted: next}
		}
	}
	return fmt.Errorf("checkpoint: put %s: other writers kept winning, gave up after %d attempts: %w", s.where(), maxAttempts, lastErr)
}

// put writes cp on the condition this Store last saw.
func (s *Store) put(ctx context.Context, cp Checkpoint) error {
	body, err := json.Marshal(cp)
	if err != nil {
		return err // only for a year outside [0,9999]
	}
	in := &s3.PutObjectInput{
		Bucket:      aws.String(s.Bucket),
		Key:         aws.String(s.Key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	}
	if s.etag != "" {
		in.IfMatch = aws.String(s.etag)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := s.S3.PutObject(ctx, in)
	if err != nil {
		return err
	}
	// An empty ETag (not seen from S3) only costs a 412 and a re-read on the next write.
	s.etag, s.stored = aws.ToString(out.ETag), cp.NextStartTime
	return nil
}

// isConflict reports whether a conditional write failed because someone else wrote first: 412
// Precondition Failed, 409 ConditionalRequestConflict, or, for If-Match, NoSuchKey (the object
// was deleted in between).
func isConflict(err error, ifMatch bool) bool {
	switch errorCode(err) {
	case "PreconditionFailed", "ConditionalRequestConflict":
		return true
	case "NoSuchKey":
		return ifMatch
	}
	return httpStatus(err) == http.StatusPreconditionFailed
}

// AheadError reports that the stored checkpoint is already at or past the one a writer wanted to
// store: another run got further, and the checkpoint was left as it was.
type AheadError struct {
	// Stored is the next_start_time found in S3.
	Stored time.Time
	// Wanted is the next_start_time the caller asked for.
	Wanted time.Time
}

// Error names both times.
func (e *AheadError) Error() string {
	return fmt.Sprintf("checkpoint: stored next_start_time %s is at or past %s: another writer is ahead",
		e.Stored.Format(time.RFC3339Nano), e.Wanted.Format(time.RFC3339Nano))
}
