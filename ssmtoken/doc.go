// Package ssmtoken gives a Lambda (or any Go program) the OAuth 2.0 access
// token that the tokenrelay refresher keeps in an SSM Parameter Store
// SecureString (README: "Reading a token from another Lambda").
//
// A [Source] reads the parameter with decryption and keeps the token until
// its expiry minus a margin, so that a warm Lambda reads SSM once per token
// rather than once per request; concurrent callers share one read. It is a
// [golang.org/x/oauth2.TokenSource], so oauth2.NewClient(ctx, src) works, and
// [Source.Transport] adds the bearer header itself and, on a 401, reads the
// parameter again once and retries the request once: the refresher may have
// rotated the token since it was read.
//
// The parameter holds one of the two formats of the README's "The stored
// token":
//
//	{"access_token":"…","token_type":"Bearer","expires_at":"2026-11-22T08:00:00Z","issued_at":"…","scope":"…"}
//
// or the access token alone (raw), whose expiry is its JWT exp claim when it
// has one. A raw token without exp has no known expiry: a Source keeps it for
// RawTTL (default 5 minutes) and re-reads it sooner after a 401.
//
// A token whose expiry has passed is [ErrExpired]: sending it would only
// earn a 401, and the refresher has not replaced it. Errors name the
// parameter, never its value.
//
// The function reading the parameter needs ssm:GetParameter on it and, for
// a SecureString under a customer-managed key, kms:Decrypt on that key.
package ssmtoken
