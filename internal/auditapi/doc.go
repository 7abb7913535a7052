// Package auditapi is a client for the AvePoint Online Services audit API,
// GET {base}/aos/audit (https://learn.avepoint.com/docs/AvePoint-Graph-API.html):
// audit records between startTime and endTime (at most 7 days apart), in
// pages of {"nextLink": url|null, "data": [record, …]}.
//
// Client.Pages follows nextLink (absolute, or relative to the base URL)
// until it is null or empty, and hands each page's records to a callback in
// order, so memory is bounded by one page. It never sends the bearer token
// to another scheme or host than the base URL's, detects a nextLink loop,
// retries 429, 5xx and network errors with backoff honouring Retry-After
// (internal/retry), and on a 401 asks its token source to re-read the token
// once per query. It guards against the failures seen in Filebeat's clients
// of similar APIs: a page 2 requested after a missing nextLink
// (elastic/beats#30693) and records skipped on multi-page results
// (elastic/beats#31372).
//
// The page reader (ParsePage, in page.go and scan.go) is hand-written
// rather than encoding/json: on a page of 1,000 records it takes 1.5 ms of
// CPU and 14 allocations, where encoding/json decoding the same page into
// {nextLink, data []json.RawMessage} takes 10.5 ms (7 times as much) and
// 1,020 allocations (BenchmarkParsePage and BenchmarkParsePageEncodingJSON,
// medians of 5 runs on a loaded shared 2-core EPYC). It validates the whole
// body as encoding/json does (FuzzParsePage compares them) and hands out
// each record as a slice of the body, so a page's records are the only
// record bytes held.
//
// A Client that Streams hands the callback each page's "data" array before
// it is read (Records), for a caller that scans every record anyway
// (auditpull canonicalises each with canonjson, which reports where the
// record ends: canonjson.WithIDPrefix), so that a record is read once, not
// delimited by one scan and canonicalised by another. A Stream client reads
// pages as a Lenient one does: Records checks the array around the records,
// Pages the page around the array, and Item the records the caller's scan
// refused, so that a page fails as the Lenient whole reading fails it, even
// when the failure comes after some records were handed out; FuzzParsePage
// compares the two readings on every body.
package auditapi
