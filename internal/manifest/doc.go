// Package manifest keeps the audit pull's per-window manifests in S3 (README: "S3 layout"):
// {PREFIX}_manifests/year=YYYY/month=MM/day=DD/{start}_{end}.json, one JSON object per window
// pulled, also for a window without records, so that "pulled, empty" differs from "never pulled".
//
// A manifest records what the pull stored: the window, the query (never the token), pages
// fetched, records stored, the object's key, size, SHA-256 and S3 version id, and the run's
// request id and time. It is written after the window's object and before the checkpoint moves,
// so a manifest never names an object that was not stored; a window pulled again rewrites it,
// with the change in its record count against the previous pull (late records).
//
// [Store.Check] compares a manifest with the object it names, reading the object's bytes and
// hashing them: this is the verify run's proof, made without calling the audit API.
package manifest
