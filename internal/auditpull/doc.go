// Package auditpull lands AvePoint Online Services audit records in S3 by
// time window (README: "Audit pull"): it reads its settings from the
// environment, the bearer token from SSM Parameter Store, and pulls each
// window's records through the audit API (internal/auditapi) into one gzip
// NDJSON object (internal/archive), advancing the checkpoint
// (internal/checkpoint) after each window of a scheduled run. Each window
// pulled gets a manifest (internal/manifest), which a verify event checks
// against the stored objects without calling the API.
//
// # A run
//
// A scheduled run pulls every due window from the checkpoint whose end is
// at least LAG in the past, advancing the checkpoint after each; then, with
// the time left, it pulls again the windows that ended within RESCAN before
// the checkpoint it started from (to catch late records; the checkpoint
// does not move for them), so that a long RESCAN never holds the
// checkpoint back. Without a checkpoint, a run starts at START_TIME, or at
// the window holding the time 24 hours before it, which it stores as the
// checkpoint before pulling, so that a first run that fails or is cut
// short does not move the start. A run plans at most window.MaxDue
// (10,000) due windows, more than it gets through: with more due, it
// reports "complete": false and the next run goes on. A backfill event
// {"start_time": "…", "end_time": "…"} pulls the windows covering that
// range, at most MAX_BACKFILL long, and leaves the checkpoint alone.
//
// # One record once per window
//
// Every record gets its "_id" (canonjson.WithID), and a record whose _id
// was already written to the window's object is dropped: APIs of this kind
// have been seen to repeat records across pages (elastic/beats#34304).
// The set of ids seen holds the first 16 bytes of each SHA-256 in a Go map
// (idset.go), the one part of a window's memory that grows with the window;
// README "Performance" has the measured figures (BenchmarkIDSet,
// BenchmarkPeakRSS), the one place they are kept. Two distinct records
// share a 128-bit prefix with a probability near n²/2¹²⁹, about 10⁻²⁷ for
// a million records, so no distinct record is dropped in practice.
//
// # Windows in flight
//
// AUDIT_CONCURRENCY windows are pulled at a time, started in order; the
// checkpoint advances over the contiguous prefix of stored windows only, so
// it is never ahead of a stored window, and a window stored after a gap is
// pulled again by the next run. The requests of all windows go through one
// throttle.Gate (wired in functions/auditpull), so that a 429 slows them
// all. A concurrency the function's memory cannot hold (concurrency.go) is
// lowered with a WARN.
//
// # Poison records
//
// A record canonjson cannot canonicalise is stored as returned with
// "_id_basis": "raw" (poison.go); a page item that is not an object, which
// auditapi.Client.Lenient lets through, goes to the window's quarantine
// object. Both are counted in the manifest, logged at WARN and published as
// PoisonRecords, and never fail the window. A record that is not JSON at
// all fails its page. The function's client
// streams (auditapi.Client.Stream): canonjson's scan of a record is also
// what delimits it in the page, so each record is read once; a page found
// bad after some of its records were written fails the window, whose
// object is then aborted.
//
// # Nothing partial, nothing lost
//
// A window's object is committed only once every page was read and
// written; any failure aborts it, so nothing partial is stored under its
// key (an earlier object there stays), and the checkpoint stays at the end
// of the last window stored. The invocation then fails with an error naming
// the window and the cause.
//
// # The lag metric
//
// Every scheduled run that knows its checkpoint, failed or not, writes
// CheckpointLagSeconds (now − checkpoint; namespace TokenRelay, dimension
// FunctionName) as a CloudWatch embedded-metric-format line to
// Puller.Metrics, which the template's CheckpointLagAlarm watches. The
// line is an INFO log record to Lambda: with an application log level of
// WARN or above Lambda drops it, and the alarm fires for want of data.
//
// # The deadline
//
// A run stops starting windows when the time left before its deadline is
// below a margin: the larger of Puller.MinMargin (10 s by default) and the
// duration of the slowest window of the run so far, since the next window
// is likely to take as long. It keeps Puller.Cleanup (2 s by default) back
// at the end to abort a window the deadline cut, and return. Both shrink
// to a quarter and a tenth of the time the run had when it began, so that
// a short function timeout still makes progress. A retry that gives up
// because its next wait (a Retry-After or a backoff) would reach into the
// cleanup time counts as a window the deadline cut. Either way the result
// says "complete": false and the invocation succeeds; the next run resumes
// from the checkpoint.
package auditpull
