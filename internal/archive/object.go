package archive

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"
)

// defaultLevel is the gzip level when Archive.Level is zero. The compressor is
// github.com/klauspost/compress/gzip, the standard library's API with a faster deflate: on the
// 699-byte records of BenchmarkPipeline its level 6 writes 116.5 bytes a record where
// compress/gzip level 6 wrote 111.8 (+4.2%), in 0.55x the CPU time. Its level 5 is 0.84x the
// time of level 6 but +6.7% bytes; level 8 is the standard size (+0.4%) at 1.5x the time. The
// objects are kept for years and uploaded once, so the size stays within 5% of the standard
// library's.
const defaultLevel = 6

// bufSize batches the compressor's small writes into few pipe hand-offs, each of which is a
// goroutine switch to the uploader.
const bufSize = 64 << 10

var newline = []byte{'\n'}

// Object is one S3 object being written line by line. It is not safe for concurrent use: one
// goroutine writes its lines, then calls Commit or Abort exactly once.
type Object struct {
	archive *Archive
	// ctx governs the upload. It is kept because the upload starts lazily, on the first line.
	ctx context.Context
	key string

	lines     int
	keepEmpty bool  // Commit stores an empty gzip stream when no line was written
	closed    bool  // Commit or Abort has been called
	err       error // the first failure; every later call returns it

	// Set by start, on the first line.
	pw   *io.PipeWriter
	buf  *bufio.Writer
	gz   *gzip.Writer
	sum  *summer       // hashes and counts the compressed bytes on their way to the upload
	stop func() bool   // unregisters the context watcher
	done chan struct{} // closed once Upload has returned
	// Written by the upload goroutine, read only after done is closed.
	uploadErr error
	abortErr  error
	versionID string
}

// Stored describes a committed object: what a manifest records of it.
type Stored struct {
	// Key is the object's key; "" when no line was written and nothing was stored.
	Key string
	// Size is the number of bytes stored (the gzip stream).
	Size int64
	// SHA256 is the SHA-256 of the stored bytes, computed while they were streamed.
	SHA256 [32]byte
	// VersionID is the S3 version id of the object, "" when the bucket is not versioned (S3's
	// "null" version).
	VersionID string
}

// summer passes the compressed stream through, counting and hashing it, so that the object's
// size and SHA-256 are known at commit without reading it back.
type summer struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (s *summer) Write(p []byte) (int, error) {
	s.h.Write(p)
	s.n += int64(len(p))
	return s.w.Write(p)
}

// WriteLine appends line and a newline to the object. line must be one JSON value: it may not be
// empty or contain a newline. Once a write has failed (the upload failed or the context ended),
// every later call returns the same error and the object must be aborted or committed, which
// then reports that error.
func (o *Object) WriteLine(line []byte) error {
	if o.closed {
		return fmt.Errorf("archive: write to %s after commit or abort", o.where())
	}
	if o.err != nil {
		return o.err
	}
	if len(line) == 0 {
		return fmt.Errorf("archive: line %d for %s is empty", o.lines+1, o.where())
	}
	if bytes.IndexByte(line, '\n') >= 0 {
		return fmt.Errorf("archive: line %d for %s contains a newline", o.lines+1, o.where())
	}
	if o.gz == nil {
		if err := o.start(); err != nil {
			o.err = err
			return err
		}
	}
	if _, err := o.gz.Write(line); err != nil {
		return o.fail(err)
	}
	if _, err := o.gz.Write(newline); err != nil {
		return o.fail(err)
	}
	o.lines++
	return nil
}

// KeepEmpty makes Commit store the object even when no line was written: a valid gzip stream
// of no lines, with the same content type, which replaces whatever the key held (in a versioned
// bucket the earlier object stays as a noncurrent version). Call it before Commit; an object
// with lines is stored either way.
func (o *Object) KeepEmpty() { o.keepEmpty = true }

// Lines returns the number of lines written so far.
func (o *Object) Lines() int { return o.lines }

// Commit ends the gzip stream and waits until S3 has stored the object, returning its key. An
// object with no lines is not stored, unless KeepEmpty was called: Commit returns "" and no
// error. On error nothing new is stored under the key.
func (o *Object) Commit() (key string, err error) {
	if o.closed {
		return "", fmt.Errorf("archive: commit %s after commit or abort", o.where())
	}
	o.closed = true
	if o.err != nil {
		return "", o.err
	}
	if o.gz == nil {
		if !o.keepEmpty {
			return "", nil
		}
		if err := o.start(); err != nil {
			o.err = err
			return "", err
		}
	}
	// The context watcher ends the stream asynchronously; a context that ended before Commit
	// must fail the object even when the watcher has not run yet, or the upload could complete.
	if cerr := context.Cause(o.ctx); cerr != nil {
		return "", o.fail(cerr)
	}
	if err := o.gz.Close(); err != nil {
		return "", o.fail(err)
	}
	if err := o.buf.Flush(); err != nil {
		return "", o.fail(err)
	}
	o.pw.Close()
	<-o.done
	o.stop()
	if o.uploadErr != nil {
		o.err = o.wrap(o.uploadErr)
		return "", o.err
	}
	return o.key, nil
}

// Stored returns what a successful Commit stored: the key, size and SHA-256 of the bytes sent
// (hashed on the way, never read back) and the version id S3 gave. Before a successful Commit,
// or for an object with no lines that was not kept (KeepEmpty), it is the zero Stored.
func (o *Object) Stored() Stored {
	if !o.closed || o.err != nil || o.gz == nil || o.uploadErr != nil {
		return Stored{}
	}
	st := Stored{Key: o.key, Size: o.sum.n, VersionID: o.versionID}
	o.sum.h.Sum(st.SHA256[:0])
	return st
}

// Abort ends the stream with cause (a generic error when nil) and waits until the upload has
// stopped: a single-part upload never reaches S3 and a multipart upload is aborted, so nothing is
// stored under the key (an earlier object there stays as it was). Abort after Commit or Abort does
// nothing.
func (o *Object) Abort(cause error) {
	if o.closed {
		return
	}
	o.closed = true
	if o.gz == nil || o.err != nil {
		return // never started, or fail already ended the upload
	}
	if cause == nil {
		cause = errAborted
	}
	o.pw.CloseWithError(cause)
	<-o.done
	o.stop()
}

// start begins the upload: the gzip stream is piped into Upload, which runs in a goroutine.
func (o *Object) start() error {
	a := o.archive
	switch {
	case a.Bucket == "":
		return fmt.Errorf("archive: object %q: no bucket", o.key)
	case o.key == "":
		return fmt.Errorf("archive: object in bucket %s: empty key", a.Bucket)
	case a.Uploader == nil:
		return fmt.Errorf("archive: object %s: no uploader", o.where())
	}
	if o.ctx.Err() != nil {
		return fmt.Errorf("archive: upload %s: %w", o.where(), context.Cause(o.ctx))
	}
	level := a.Level
	if level == 0 {
		level = defaultLevel
	}
	gz, err := gzip.NewWriterLevel(nil, level)
	if err != nil {
		return fmt.Errorf("archive: object %s: %w", o.where(), err)
	}
	pr, pw := io.Pipe()
	o.pw = pw
	o.buf = bufio.NewWriterSize(pw, bufSize)
	o.sum = &summer{w: o.buf, h: sha256.New()}
	gz.Reset(o.sum)
	o.gz = gz
	o.done = make(chan struct{})
	in := &s3.PutObjectInput{
		Bucket:      aws.String(a.Bucket),
		Key:         aws.String(o.key),
		Body:        pr,
		ContentType: aws.String(ContentType),
		// No ContentEncoding: see the package documentation.
	}
	go func() {
		defer close(o.done)
		out, err := a.Uploader.Upload(o.ctx, in, detachAbort(&o.abortErr))
		o.uploadErr = err
		// "null" is the version of an object written while versioning was never enabled.
		if err == nil && out != nil && out.VersionID != nil && *out.VersionID != "null" {
			o.versionID = *out.VersionID
		}
		if err == nil {
			err = errors.New("archive: upload ended before the stream")
		}
		// Unblocks a writer if Upload stopped reading early (a failed part, a bad bucket).
		pr.CloseWithError(err)
	}()
	// A cancelled context ends the stream at once, even while the caller is busy elsewhere (for
	// example waiting for the next page), so the upload stops and aborts without waiting for the
	// next write.
	o.stop = context.AfterFunc(o.ctx, func() { pw.CloseWithError(context.Cause(o.ctx)) })
	return nil
}

// fail ends the upload after a failed write and returns the error every later call reports.
func (o *Object) fail(writeErr error) error {
	o.pw.CloseWithError(writeErr)
	<-o.done
	o.stop()
	cause := writeErr
	if o.uploadErr != nil {
		cause = o.uploadErr // the root cause; the write only saw the closed pipe
	}
	o.err = o.wrap(cause)
	return o.err
}

// wrap names the object and adds the context's cause and a failed abort to err.
func (o *Object) wrap(err error) error {
	if cerr := context.Cause(o.ctx); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	if o.abortErr != nil {
		err = fmt.Errorf("%w (and aborting the multipart upload failed, its parts stay until the bucket's lifecycle rule removes them: %w)", err, o.abortErr)
	}
	return fmt.Errorf("archive: upload %s: %w", o.where(), err)
}

func (o *Object) where() string {
	return "s3://" + o.archive.Bucket + "/" + o.key
}
