package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// maxSize caps what Load reads: a checkpoint is under 100 bytes, anything much larger is not one.
const maxSize = 64 << 10

// Checkpoint is the stored position of the audit pull. Both times are RFC 3339 in UTC.
type Checkpoint struct {
	// NextStartTime is the start of the first window not yet durably stored.
	NextStartTime time.Time `json:"next_start_time"`
	// UpdatedAt is when the checkpoint was written; informational only.
	UpdatedAt time.Time `json:"updated_at"`
}

// S3API is the part of the S3 client a Store uses. *s3.Client satisfies it.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Store reads and advances one checkpoint object. It remembers the ETag it last read or wrote, on
// which its next write is conditional, so it is not safe for concurrent use: each run (goroutine,
// process) uses its own Store.
type Store struct {
	// S3 is the client.
	S3 S3API
	// Bucket and Key locate the object, e.g. "{PREFIX}_checkpoint.json".
	Bucket, Key string
	// Now is the clock for updated_at; nil means time.Now.
	Now func() time.Time

	etag   string    // ETag last read or written; "" when no object was seen
	stored time.Time // next_start_time last read or written; zero when none
}

// Load reads the checkpoint. found is false when there is no object (a first run). A stored
// object that is not a valid checkpoint is an error naming the bucket and key.
func (s *Store) Load(ctx context.Context) (cp Checkpoint, found bool, err error) {
	out, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(s.Key)})
	if err != nil {
		if isNoSuchKey(err) {
			s.etag, s.stored = "", time.Time{}
			return Checkpoint{}, false, nil
		}
		return Checkpoint{}, false, fmt.Errorf("checkpoint: get %s: %w", s.where(), err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxSize+1))
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("checkpoint: read %s: %w", s.where(), err)
	}
	if len(body) > maxSize {
		return Checkpoint{}, false, fmt.Errorf("checkpoint: malformed checkpoint %s: larger than %d bytes", s.where(), maxSize)
	}
	cp, err = parse(body)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("checkpoint: malformed checkpoint %s: %w", s.where(), err)
	}
	s.etag, s.stored = aws.ToString(out.ETag), cp.NextStartTime
	return cp, true, nil
}

// parse decodes a stored checkpoint: next_start_time is required, updated_at optional, both RFC
// 3339; unknown fields are allowed.
func parse(body []byte) (Checkpoint, error) {
	var raw struct {
		Next    *string `json:"next_start_time"`
		Updated *string `json:"updated_at"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Checkpoint{}, err
	}
	if raw.Next == nil {
		return Checkpoint{}, errors.New("no next_start_time")
	}
	var cp Checkpoint
	var err error
	if cp.NextStartTime, err = time.Parse(time.RFC3339, *raw.Next); err != nil {
		return Checkpoint{}, fmt.Errorf("next_start_time: %w", err)
	}
	if raw.Updated != nil {
		if cp.UpdatedAt, err = time.Parse(time.RFC3339, *raw.Updated); err != nil {
			return Checkpoint{}, fmt.Errorf("updated_at: %w", err)
		}
	}
	cp.NextStartTime, cp.UpdatedAt = cp.NextStartTime.UTC(), cp.UpdatedAt.UTC()
	return cp, nil
}

func (s *Store) where() string { return "s3://" + s.Bucket + "/" + s.Key }

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// isNoSuchKey reports whether err says the object does not exist (a missing bucket is not that).
func isNoSuchKey(err error) bool {
	var nsk *types.NoSuchKey
	return errors.As(err, &nsk) || errorCode(err) == "NoSuchKey"
}

// errorCode returns the AWS error code carried by err, or "".
func errorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of the response behind err, or 0.
func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
