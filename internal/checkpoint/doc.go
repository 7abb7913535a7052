// Package checkpoint keeps the audit pull's position, {PREFIX}_checkpoint.json, in S3:
//
//	{"next_start_time": "2024-10-10T08:00:00Z", "updated_at": "2024-10-10T08:07:12Z"}
//
// next_start_time is the start of the first window not yet durably stored. The audit pull
// advances it after each stored window, so it is never ahead of the data, and it never moves
// backwards. Two writers that each blindly wrote their own value could move it back (the slower
// one overwriting the faster one's later checkpoint): nothing would be lost, since windows are
// pulled again into the same keys, but runs would redo work and the checkpoint would no longer be
// a monotonic record of progress. Conditional writes rule that out.
//
// # Conditional writes
//
// The SAM template gives the audit pull reserved concurrency 1, the first line of defence against
// two runs at once. It is not enough on its own: a second stack or a locally run copy pointed at
// the same bucket and prefix, or an operator lifting the reservation, puts a second writer beside
// the scheduled one. So every write is conditional (S3 conditional writes,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): If-Match the
// ETag this Store last read or wrote, or If-None-Match: * when it saw no object. S3 rejects the
// write with 412 Precondition Failed (or 409 ConditionalRequestConflict when it races another
// write) if someone else wrote in between; the Store then re-reads the object and either reports
// an [AheadError] (the stored checkpoint is already at or past ours: never move backwards) or
// retries its write on the new ETag, a bounded number of times.
//
// A stored checkpoint that cannot be parsed is an error naming the bucket and key; it is never
// silently reset, since a reset would re-pull everything from START_TIME.
package checkpoint
