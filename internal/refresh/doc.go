// Package refresh is the refresher's orchestration (README: "Refresher"):
// at every invocation it loads the configuration, picks the targets the
// event asks for, and for each target, concurrently, keeps one SSM Parameter
// Store SecureString holding a fresh OAuth 2.0 client-credentials access token
// (RFC 6749 §4.4, https://www.rfc-editor.org/rfc/rfc6749#section-4.4).
//
// # Per target
//
// A target's stored value is read first. It is left alone (skipped) when it is
// fresh: a JSON value whose expires_at is more than refresh_before away, whose
// scope holds every configured scope and which is stored in the configured
// value_format; a raw value judged the same way by its JWT exp. A raw value
// without exp, a missing value and an unreadable one are refreshed. With
// force, every selected target is refreshed.
//
// Refreshing reads the credentials from Secrets Manager, finds the token
// endpoint (token_url, or the issuer's discovery document), asks it for a
// token and writes the encoded value. Nothing is written for a target that
// fails, so its previous value stays as it was.
//
// # Scope comparison
//
// Scopes are compared as sets of space-separated names, so a server that
// reorders them does not cause a refresh at every run. The stored scope is the
// granted one; it is fresh when it holds every configured scope, so a server
// that grants more than asked (Keycloak adds "profile email") does not cause
// one either. A target configured without scope accepts whatever scope the
// server granted by default.
//
// # Deadline
//
// A run keeps back, before the invocation's deadline, the time to write the
// tokens obtained and answer: two seconds, or a quarter of the time left when
// the run starts if that is less. At that cut-off the work of every target
// but its write ends: a target still waiting for a slot fails "deadline near:
// not started", one still reading or asking for a token fails "deadline near:
// timed out", so that the result and the error name them rather than the
// invocation ending in a Lambda timeout.
//
// # Isolation and results
//
// Targets run at most Refresher.Concurrency at a time; one target's failure
// never stops another. The Result lists refreshed, skipped and failed targets
// in configuration order. When a target failed, Run returns, after every
// target was tried, both the Result and an error naming the failed targets.
//
// No client secret, private key, password or access token appears in a
// result, an error or a log record: the packages this one calls keep them out
// of their errors, and the messages this package reports are scrubbed of the
// secret and token it handled besides.
package refresh
