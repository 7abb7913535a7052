package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Problem is what a check found wrong; the zero Problem means the objects match the manifest.
type Problem struct {
	// Missing is true when an object the manifest names is gone.
	Missing bool
	// Reason says what differs; "" when nothing does.
	Reason string
}

// Check reads the objects m names (the window's and its quarantine's) and compares each with
// the size and SHA-256 recorded, hashing the bytes as they arrive. err is a failure to read,
// which proves nothing either way.
func (s *Store) Check(ctx context.Context, m Manifest) (Problem, error) {
	for _, o := range []Object{m.Object, m.Quarantine} {
		if o.Key == "" {
			continue
		}
		if p, err := s.checkObject(ctx, o); p.Reason != "" || err != nil {
			return p, err
		}
	}
	return Problem{}, nil
}

func (s *Store) checkObject(ctx context.Context, o Object) (Problem, error) {
	out, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(o.Key)})
	if err != nil {
		if isNoSuchKey(err) {
			return Problem{Missing: true, Reason: fmt.Sprintf("object %s is missing", o.Key)}, nil
		}
		return Problem{}, fmt.Errorf("manifest: check %s: %w", s.where(o.Key), err)
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		return Problem{}, fmt.Errorf("manifest: check %s: %w", s.where(o.Key), err)
	}
	if n != o.Size {
		return Problem{Reason: fmt.Sprintf("object %s has %d bytes, the manifest says %d", o.Key, n, o.Size)}, nil
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != o.SHA256 {
		return Problem{Reason: fmt.Sprintf("object %s has SHA-256 %s, the manifest says %s", o.Key, got, o.SHA256)}, nil
	}
	return Problem{}, nil
}
