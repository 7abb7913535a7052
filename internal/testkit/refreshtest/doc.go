// Package refreshtest holds what the refresher's tests share: client keys
// and certificates in every secret format, local stand-ins for the token
// endpoints of Acronis and Virtana that check each request as the real
// provider would (a generic IdentityServer is localavepoint's), AWS fixtures
// for moto_server, and a check that no secret leaked into a text.
package refreshtest
