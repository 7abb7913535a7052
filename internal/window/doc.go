// Package window does the time arithmetic of the audit pull (README: "Audit pull", "Windows"):
// windows of a fixed size aligned to the Unix epoch in UTC,
// [k·size, (k+1)·size), which windows are due given a lag, which windows a
// backfill covers, which ones a rescan pulls again, and the S3 key of a
// window's object.
//
// Alignment is to the epoch, not to calendar days, so a 24h window starts at
// 00:00 UTC and a 168h (7-day) window starts on a Thursday, as 1970-01-01
// was. All arithmetic is in UTC and ignores time zones and daylight saving.
package window
