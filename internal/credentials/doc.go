// Package credentials reads OAuth 2.0 client credentials from an AWS Secrets
// Manager secret (README: "Refresher", "Credentials"). The secret's
// SecretString is a JSON object in one of three formats:
//
//	{"client_id": "…", "client_secret": "…"}
//	{"client_id": "…", "private_key": "<PEM, PKCS#8 or PKCS#1 RSA>", "certificate": "<PEM X.509, optional>"}
//	{"client_id": "…", "pfx": "<base64 of a .pfx/.p12>", "pfx_password": "…"}
//
// A client secret is used with client_secret_post, client_secret_basic or
// client_secret_query (RFC 6749 §2.3.1); a key with private_key_jwt, the
// client assertion of RFC 7523 (https://www.rfc-editor.org/rfc/rfc7523)
// signed RS256 (RFC 7518 §3.3), which needs an RSA key of at least 2048 bits.
// A PKCS#12 file (RFC 7292) is decoded with software.sslmate.com/src/go-pkcs12.
//
// Fields other than these are ignored; a JSON null or an empty string counts
// as an absent field.
//
// # Nothing secret is printed
//
// Errors ([FieldError]) name the secret and the field, never a value, and
// never repeat what the JSON or crypto parsers say about the input.
// [Credentials] prints, logs (slog) and marshals to JSON with the client
// secret and the key redacted. Only the client ID and the certificate's
// subject and SHA-1 thumbprint, which are public, are shown.
package credentials
