package archive

//lint:file-ignore SA1019 the brief pins feature/s3/manager (in go.mod); its successor transfermanager is not a dependency.

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ContentType is the media type stored with every object: newline-delimited JSON. The gzip
// compression is part of the file (the .gz in the key), not a Content-Encoding; see the package
// documentation.
const ContentType = "application/x-ndjson"

// PartSize is the part size of the uploader built by [NewUploader]: 8 MiB, above the S3 minimum of
// 5 MiB, so that an object of up to 80 GiB fits in the 10,000 parts S3 allows.
const PartSize = 8 << 20

// Concurrency is the number of parts the uploader built by [NewUploader] sends at a time. Two
// keeps the network busy while the next part is being compressed, and bounds memory.
const Concurrency = 2

// Uploader uploads one object from a stream. *manager.Uploader satisfies it.
type Uploader interface {
	Upload(ctx context.Context, in *s3.PutObjectInput, opts ...func(*manager.Uploader)) (*manager.UploadOutput, error)
}

// Archive writes objects into one bucket.
type Archive struct {
	// Bucket is the destination bucket.
	Bucket string
	// Uploader streams each object; use [NewUploader] for a bounded-memory one.
	Uploader Uploader
	// Level is the gzip compression level (1 to 9, as in compress/gzip); zero means 6,
	// which suits audit records (see defaultLevel).
	Level int
}

// NewUploader returns an upload manager with parts of [PartSize] bytes sent [Concurrency] at a
// time, which bounds the memory an upload uses (see the package documentation).
func NewUploader(client *s3.Client) *manager.Uploader {
	return manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = PartSize
		u.Concurrency = Concurrency
		// Parts of a failed upload are aborted, never left behind for "manual recovery".
		u.LeavePartsOnError = false
	})
}

// NewUploaderFor returns the uploader for objects written objects at a time: [NewUploader] for
// one; for more, parts of the S3 minimum of 5 MiB sent one at a time, so that each object in
// flight holds about 15 MiB of part buffers instead of 32 MiB, at the cost of a slower upload of
// a large object (which the other objects in flight make up for). Objects of up to 50 GiB fit.
func NewUploaderFor(client *s3.Client, objects int) *manager.Uploader {
	if objects <= 1 {
		return NewUploader(client)
	}
	return manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = manager.MinUploadPartSize
		u.Concurrency = 1
		u.LeavePartsOnError = false
	})
}

// Create returns an object that will be stored under key. Nothing is sent to S3 until the first
// line is written; an object with no lines is not stored unless [Object.KeepEmpty] is called.
func (a *Archive) Create(ctx context.Context, key string) *Object {
	return &Object{archive: a, ctx: ctx, key: key}
}

// errAborted is what the upload sees when Abort is called without a cause.
var errAborted = errors.New("archive: upload aborted")
