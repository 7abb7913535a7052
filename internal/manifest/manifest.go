package manifest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tokenrelay/tokenrelay/internal/window"
)

// maxSize caps what Get reads: a manifest is well under 2 KiB.
const maxSize = 64 << 10

// Manifest is one window's record of what was pulled and stored. Every field is always present
// in the JSON, so that the Athena table over the manifests has a fixed schema.
type Manifest struct {
	// WindowStart and WindowEnd are the window [start, end), RFC 3339 UTC.
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	// Query is what was asked of the audit API, without the token.
	Query Query `json:"query"`
	// Pages is the number of pages fetched.
	Pages int `json:"pages"`
	// Records is the number of lines in the window's object.
	Records int `json:"records"`
	// Duplicates counts the records the API repeated within the window, stored once.
	Duplicates int `json:"duplicates"`
	// RawIDRecords counts the records stored with "_id_basis": "raw" (README: "S3 layout").
	RawIDRecords int `json:"raw_id_records"`
	// Quarantined counts the page items that were not JSON objects, stored in QuarantineKey.
	Quarantined int `json:"quarantined"`
	// Object is the window's object; its Key is "" when the window had no records and no earlier
	// pull stored an object (README: "S3 layout").
	Object Object `json:"object"`
	// Quarantine is the window's quarantine object; its Key is "" when nothing was quarantined
	// by this pull or an earlier one.
	Quarantine Object `json:"quarantine"`
	// PreviousRecords is Records of the manifest this one replaced; nil on a first pull.
	PreviousRecords *int `json:"previous_records"`
	// RecordsDelta is Records − PreviousRecords (0 on a first pull): late records show here.
	RecordsDelta int `json:"records_delta"`
	// RequestID is the Lambda request id of the run that pulled the window.
	RequestID string `json:"request_id"`
	// PulledAt is when the manifest was written.
	PulledAt time.Time `json:"pulled_at"`
}

// Query is the audit API query of a window, in the API's parameter names.
type Query struct {
	StartTime    string   `json:"startTime"`
	EndTime      string   `json:"endTime"`
	ProductTypes []string `json:"productTypes"`
	GeoLocations []string `json:"geoLocations"`
}

// Object describes a stored object.
type Object struct {
	// Key is the object's key; "" for none.
	Key string `json:"key"`
	// Size is the number of bytes stored.
	Size int64 `json:"size"`
	// SHA256 is the lowercase hex SHA-256 of the stored bytes; "" for none.
	SHA256 string `json:"sha256"`
	// VersionID is the S3 version id; "" when the bucket is not versioned.
	VersionID string `json:"version_id"`
}

// S3API is the part of the S3 client a Store uses. *s3.Client satisfies it.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Store reads and writes the manifests under one prefix. It is safe for concurrent use.
type Store struct {
	// S3 is the client.
	S3 S3API
	// Bucket and Prefix locate the manifests: {Prefix}_manifests/….
	Bucket, Prefix string
}

// Get reads the manifest of w; found is false when there is none.
func (s *Store) Get(ctx context.Context, w window.Window) (m Manifest, found bool, err error) {
	key := w.ManifestKey(s.Prefix)
	out, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	if err != nil {
		if isNoSuchKey(err) {
			return Manifest{}, false, nil
		}
		return Manifest{}, false, fmt.Errorf("manifest: get %s: %w", s.where(key), err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxSize+1))
	if err != nil {
		return Manifest{}, false, fmt.Errorf("manifest: read %s: %w", s.where(key), err)
	}
	if len(body) > maxSize {
		return Manifest{}, false, fmt.Errorf("manifest: %s is larger than %d bytes", s.where(key), maxSize)
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return Manifest{}, false, fmt.Errorf("manifest: malformed %s: %w", s.where(key), err)
	}
	return m, true, nil
}

// Put writes m as the manifest of its window, replacing any earlier one.
func (s *Store) Put(ctx context.Context, m Manifest) error {
	w := window.Window{Start: m.WindowStart, End: m.WindowEnd}
	key := w.ManifestKey(s.Prefix)
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("manifest: encode %s: %w", s.where(key), err)
	}
	_, err = s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(append(body, '\n')), ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("manifest: put %s: %w", s.where(key), err)
	}
	return nil
}

func (s *Store) where(key string) string { return "s3://" + s.Bucket + "/" + key }

// isNoSuchKey reports whether err says the object does not exist.
func isNoSuchKey(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var ae interface{ ErrorCode() string }
	return errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound")
}
