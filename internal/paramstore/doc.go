// Package paramstore reads and writes the SSM Parameter Store SecureString
// that holds one client's access token, in the format other Lambdas read
// (README: "The stored token"):
//
//	{"access_token":"…","token_type":"Bearer","expires_at":"2026-11-22T08:00:00Z","issued_at":"2026-11-22T07:00:00Z","scope":"audit.read.all"}
//
// or, with the raw format, the access token alone. Values up to 4096 bytes are
// written in the Standard tier, larger ones in the Advanced tier, and values
// over 8192 bytes are refused (the Advanced tier's limit).
package paramstore
