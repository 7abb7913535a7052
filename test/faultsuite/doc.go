// Package faultsuite is the project's fault-injection suite (issue 5): its tests break one thing
// at a time, the token endpoint, Secrets Manager, SSM, S3, the audit API, the process and the
// clock, and assert what the user is promised: the stored token stays intact until a good one
// replaces it, retries stay within the invocation's deadline, errors name the target, every
// audit record lands exactly once per window, the checkpoint is never ahead of the data nor
// moves backwards, and no secret, key, password or token appears in a log, an error or a result.
//
// AWS runs on moto_server, with AWS errors injected by internal/testkit/awsfault so that the SDK's own
// retry path runs; AvePoint is internal/testkit/localavepoint; the built bootstrap binaries run under
// AWS's Lambda Runtime Interface Emulator (internal/testkit/rie). The package holds only tests.
package faultsuite
