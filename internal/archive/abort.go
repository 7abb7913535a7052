package archive

//lint:file-ignore SA1019 the brief pins feature/s3/manager (in go.mod); its successor transfermanager is not a dependency.

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// abortTimeout bounds the clean-up of a failed multipart upload once the caller's context has
// ended.
const abortTimeout = 10 * time.Second

// detachAbort returns an upload option that makes the manager's AbortMultipartUpload run on a
// context detached from the caller's cancellation: the manager aborts with the upload's own
// context, which is exactly the one that is cancelled or past its deadline when the upload fails
// for that reason, and it ignores the abort's error. The wrapper records that error in *abortErr.
func detachAbort(abortErr *error) func(*manager.Uploader) {
	return func(u *manager.Uploader) {
		if u.S3 != nil {
			u.S3 = abortDetached{UploadAPIClient: u.S3, err: abortErr}
		}
	}
}

// abortDetached is the manager's S3 client with AbortMultipartUpload detached from cancellation.
type abortDetached struct {
	manager.UploadAPIClient
	err *error
}

// AbortMultipartUpload aborts on a context that keeps ctx's values but not its cancellation.
func (c abortDetached) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	out, err := c.UploadAPIClient.AbortMultipartUpload(ctx, in, opts...)
	if err != nil {
		*c.err = err
	}
	return out, err
}
