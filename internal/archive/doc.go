// Package archive streams newline-delimited JSON (NDJSON, https://github.com/ndjson/ndjson-spec)
// into one gzip-compressed (RFC 1952) S3 object, without holding the object in memory.
//
// An [Object] is created per audit window. Each [Object.WriteLine] appends one line to a gzip
// stream that is piped into the S3 upload manager, which runs in its own goroutine from the
// first line on. [Object.Commit] ends the stream and waits until the object is stored;
// [Object.Abort] ends it with an error instead, so that nothing is stored under the key.
//
// # Memory
//
// The upload manager cuts the stream into parts of [PartSize] bytes and sends at most
// [Concurrency] of them at a time, so memory is bounded by roughly (Concurrency+2) × PartSize
// (the parts in flight, one being filled, and the first part, which the manager reads before it
// knows whether the object needs a multipart upload) plus the gzip compressor (about 1.1 MB),
// whatever the size of the object. With the defaults that is about 32 MiB. [NewUploaderFor]
// for several objects at a time sends 5 MiB parts one at a time instead: about 15 MiB an object.
//
// # What was stored
//
// The compressed stream is counted and hashed (SHA-256) on its way to the upload, so after a
// successful [Object.Commit], [Object.Stored] gives the size and hash of exactly the bytes S3
// holds, and the version id S3 returned, without reading the object back: what the audit pull's
// manifest records.
//
// # Nothing partial under a key
//
// S3 makes an object visible only when a PutObject or a CompleteMultipartUpload succeeds. An
// object smaller than one part is sent with a single PutObject after the stream has ended, so an
// aborted stream never reaches S3. A larger object is a multipart upload; when the stream ends with
// an error, or a part fails, the manager calls AbortMultipartUpload, which this package runs on a
// context detached from the caller's cancellation so that a cancelled or expired context still
// cleans up. Rewriting a key (pulling a window again) replaces the object only on success; an
// aborted rewrite leaves the previous object as it was.
//
// A process killed mid-upload (for example a Lambda timeout) cannot abort its multipart upload;
// the bucket's lifecycle rule AbortIncompleteMultipartUpload removes such parts.
//
// # No Content-Encoding
//
// The object is a .gz file of NDJSON: ContentType is application/x-ndjson and Content-Encoding
// is deliberately not set. With Content-Encoding: gzip, the stored bytes would be declared a
// gzip-encoded transfer of plain NDJSON, and what a consumer receives would depend on its client:
// browsers, curl --compressed, Python requests and CDNs transparently decompress, handing plain
// NDJSON to a tool that expects the .gz its key promises, while the SDKs hand over the gzip
// bytes. Without it, every client downloads exactly the gzip bytes that were stored.
package archive
