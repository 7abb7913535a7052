// Package mems3 is an S3 bucket in memory for unit tests that write
// thousands of small objects (checkpoints, manifests) faster than
// moto_server would; what S3 itself does (conditions, versions, multipart)
// is tested against moto_server.
package mems3

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Bucket answers GetObject and PutObject from a map of keys to bodies. It
// ignores write conditions (one writer) and gives every write a new ETag.
// The zero value is an empty bucket.
type Bucket struct {
	// GetErr, when set, fails every GetObject.
	GetErr error

	mu      sync.Mutex
	objects map[string][]byte
	etag    int
}

// GetObject returns the body at the key, or NoSuchKey.
func (b *Bucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.GetErr != nil {
		return nil, b.GetErr
	}
	body, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body)), ETag: aws.String(strconv.Itoa(b.etag))}, nil
}

// PutObject stores the body at the key.
func (b *Bucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	b.Put(aws.ToString(in.Key), body)
	return &s3.PutObjectOutput{ETag: aws.String(strconv.Itoa(b.etag))}, nil
}

// Put stores body at key, as a test sets a bucket up.
func (b *Bucket) Put(key string, body []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.objects == nil {
		b.objects = map[string][]byte{}
	}
	b.objects[key], b.etag = body, b.etag+1
}

// Object returns the body at key and whether there is one.
func (b *Bucket) Object(key string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[key]
	return body, ok
}

// Delete removes the object at key.
func (b *Bucket) Delete(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.objects, key)
}
