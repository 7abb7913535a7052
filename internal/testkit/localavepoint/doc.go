// Package localavepoint is a faithful local stand-in for AvePoint Online
// Services: its identity service (an IdentityServer issuing client-credentials
// tokens) and the Graph audit API (GET /aos/audit), on one loopback base URL.
// Tests and `make demo` run against it instead of the real service; it is
// also the tests' one local IdentityServer, for any provider built on it.
//
// Identity, as IdentityServer implements it:
//   - OpenID Connect Discovery 1.0 at /.well-known/openid-configuration
//     (https://openid.net/specs/openid-connect-discovery-1_0.html) and the
//     signing keys at /.well-known/openid-configuration/jwks;
//   - POST /connect/token with grant_type=client_credentials (RFC 6749 §4.4),
//     client authentication by client_secret_post or client_secret_basic
//     (RFC 6749 §2.3.1, form-encoded id and secret inside Basic) or
//     private_key_jwt (RFC 7523 §2.2 and §3, RS256 signed by the registered
//     certificate's key, with IdentityServer's five-minute clock skew and a
//     replay cache of jti values); errors are RFC 6749 §5.2 JSON.
//
// Audit API, as AvePoint documents it
// (https://learn.avepoint.com/docs/services-and-features/aos/aos.html):
// startTime and endTime in ISO 8601 at most seven days apart, repeated
// productTypes and geoLocations filters, skipToken paging announced by an
// absolute (or, when configured, relative) nextLink, and JSON error bodies
// {"requestId","date","statusCode"} and {"traceId","error","statusCode"}.
// Strings are written the way .NET's System.Text.Json writes them by default
// (non-ASCII and HTML-sensitive characters as uppercase \uXXXX escapes), so
// clients must decode JSON rather than match bytes.
//
// Records are generated deterministically from Config.Seed: every hour holds
// exactly Config.RecordsPerHour records, ordered by actionTime within the
// hour, so any page is computed directly from its skipToken without
// materialising the range. Server.Records returns the exact record bytes the
// API serves for a range, for tests to compare against.
//
// Faults (429 with Retry-After, 5xx bursts, slow pages, late-arriving
// records, foreign or repeating nextLinks, a page that is not JSON, tokens
// that expire mid-pagination, a failing token endpoint) are switched on at run
// time with Server.SetFaults.
package localavepoint
