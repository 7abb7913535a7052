// Package canonjson computes the canonical form of JSON values and the `_id`
// fingerprint that the audit pull adds to every AvePoint record.
//
// The canonical form follows the JSON Canonicalization Scheme (RFC 8785,
// https://www.rfc-editor.org/rfc/rfc8785): no insignificant whitespace, object
// members sorted by the UTF-16 code units of their (unescaped) names, strings
// escaped as RFC 8785 §3.2.2.2 says (only `"`, `\` and control characters;
// \b \f \n \r \t in short form, the others as lowercase \u00xx; every other
// character as UTF-8, so "\u00e9" and "é" are the same), and literals as is.
//
// Numbers depart from RFC 8785 in one documented way: an integer literal
// (no '.', 'e' or 'E') is kept verbatim, whatever its size, except that -0
// becomes 0; this keeps identifiers larger than 2^53 exact. Every other
// number is parsed as an IEEE 754 double and rendered the ECMAScript way
// (RFC 8785 §3.2.2.3): 1.0 → 1, 1e3 → 1000, 1e21 → 1e+21, 0.0000001 → 1e-7.
//
// The package is forgiving where RFC 8785 would reject a record that the
// AvePoint API may still send, so that one odd record never blocks a window:
// a number too large for a double is kept verbatim, a lone UTF-16 surrogate
// escape (a string cut inside a surrogate pair) is kept as a lowercase
// \udxxx escape, and bytes that are not valid UTF-8 are kept as they are.
// Distinct inputs therefore never share a fingerprint because of such
// repairs, so deduplicating by `_id` never drops a distinct record.
//
// Input must be valid JSON (RFC 8259); an object with two members of the same
// name is an error, as RFC 8785 §3.1 requires. Nesting deeper than 10000
// levels is an error, as in encoding/json.
//
// # Why hand-written
//
// encoding/json has no canonical form, and encoding/json/jsontext's
// Value.Canonicalize (Go 1.26 with GOEXPERIMENT=jsonv2) differs where the
// audit pull needs to be forgiving: it renders every number as a double
// (identifiers above 2^53 would lose digits) and rejects invalid UTF-8. On
// an AvePoint record, where both give the same bytes, it also costs 4.9
// times the CPU: 11.1 µs against 2.3 µs for Append (BenchmarkAppend and
// BenchmarkJSONTextCanonicalize, medians of 5 runs in CPU time on a loaded
// shared 2-core EPYC; see jsontext_bench_test.go). Canonicalisation (WithID
// without its SHA-256) is 27% of the audit pipeline's CPU (a profile of
// BenchmarkPipeline in internal/auditpull), and it is the only reading of a
// record there: WithIDPrefix reads the record in place in its page and
// reports where it ends, which is how the page reader delimits it.
//
// The scanner makes one pass over a record and reuses its buffers, so
// fingerprinting a record allocates nothing in the steady state. Strings are
// tested eight bytes at a time; a top-level member that is already canonical
// (a name and string without escapes, no whitespace) is copied once, from
// the input straight to its place in the output; and since AvePoint sends
// every record with the same members in the same order, the sorted order of
// the last record's names is remembered and reused when the next record's
// names match it, instead of sorting again. FuzzCanonical and TestOrderCache
// compare that path with the generic one on every input.
//
// [Kind] and [String] are the two questions the project's other hand-written
// JSON readers (configuration, credential secrets, token responses, audit
// pages) ask of a raw value.
package canonjson
