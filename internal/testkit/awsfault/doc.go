// Package awsfault is a loopback HTTP reverse proxy in front of moto_server that answers chosen
// AWS operations with real AWS error responses, so that tests exercise the SDK's own error
// parsing and retry path (aws-sdk-go-v2's standard retryer) rather than a mocked client.
//
// Requests are identified by operation: the X-Amz-Target header for the JSON protocols
// ("secretsmanager.GetSecretValue", "AmazonSSM.GetParameter", "AmazonSSM.PutParameter"), and the
// method, path and query for the S3 REST protocol ("s3.PutObject", "s3.UploadPart",
// "s3.CompleteMultipartUpload", ...; see [Operation]). A [Rule] fails the first N matching
// requests, every Nth, or all of them, with a [Fault] written in the exact wire format the SDK
// parses:
//
//   - awsJson1.1 (Secrets Manager, SSM): HTTP 400 (or the fault's status), Content-Type
//     application/x-amz-json-1.1, an x-amzn-ErrorType header and {"__type": ..., "message": ...};
//   - S3 REST-XML: <Error><Code>SlowDown</Code><Message>...</Message>...</Error> with the
//     fault's status (503 for SlowDown, 500 for InternalError, 403 for AccessDenied).
//
// A rule may also delay a request (a slow service) or forward it and then answer the fault
// (Lost: the operation took effect but its answer never arrived, so the SDK retries something
// that already succeeded).
//
// Every request is counted per operation, faulted or not, so a test can assert how many
// attempts the SDK made. Requests that no rule fails are forwarded to moto_server unchanged.
// The proxy reads a faulted request's body to its end before answering, as AWS does, so the
// client sees the error response rather than a reset connection.
package awsfault
