// Package oauth obtains OAuth 2.0 access tokens with the client credentials
// grant (RFC 6749 §4.4, https://www.rfc-editor.org/rfc/rfc6749#section-4.4)
// and finds token endpoints by OpenID Connect Discovery
// (https://openid.net/specs/openid-connect-discovery-1_0.html).
//
// A client authenticates in one of four ways:
//
//   - client_secret_post and client_secret_basic (RFC 6749 §2.3.1,
//     https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1). For Basic, the
//     client_id and client_secret are form-url-encoded before base64 as §2.3.1
//     requires (BasicForm, the default), or sent as they are (BasicRaw) for
//     providers documenting a plain base64 of "id:secret".
//   - private_key_jwt: a JWT client assertion signed RS256 (RFC 7523 §2.2 and
//     §3, https://www.rfc-editor.org/rfc/rfc7523, on the framework of RFC 7521
//     §4.2, https://www.rfc-editor.org/rfc/rfc7521#section-4.2), optionally
//     carrying x5t and kid headers derived from the certificate's SHA-1
//     thumbprint, as .NET's X509SigningCredentials does.
//   - client_secret_query: a GET with the credentials in the query string,
//     for providers that document only that.
//
// Token endpoints must be https except on loopback hosts, redirects are never
// followed, response bodies are read through a 1 MiB limit, and 429, 5xx and
// network failures are retried (internal/retry) with a fresh request, and so
// a fresh assertion, per attempt.
//
// No error returned by this package contains a client secret, a client
// assertion, a private key, an access token or a URL's query string.
package oauth
