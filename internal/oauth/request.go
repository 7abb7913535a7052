package oauth

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// AuthMethod is how the client authenticates to the token endpoint.
type AuthMethod string

// The client authentication methods.
const (
	// ClientSecretPost sends client_id and client_secret in the form body
	// (RFC 6749 §2.3.1).
	ClientSecretPost AuthMethod = "client_secret_post"
	// ClientSecretBasic sends them in an HTTP Basic Authorization header
	// (RFC 6749 §2.3.1), encoded as BasicEncoding says.
	ClientSecretBasic AuthMethod = "client_secret_basic"
	// PrivateKeyJWT sends a client assertion signed with the private key
	// (RFC 7523 §2.2).
	PrivateKeyJWT AuthMethod = "private_key_jwt"
	// ClientSecretQuery sends a GET with grant_type, client_id and
	// client_secret in the query string and no body.
	ClientSecretQuery AuthMethod = "client_secret_query"
)

// BasicEncoding is how ClientSecretBasic encodes the credentials before
// base64.
type BasicEncoding string

// The Basic credential encodings.
const (
	// BasicForm form-url-encodes client_id and client_secret before joining
	// them with ":" and base64-encoding (RFC 6749 §2.3.1). The default.
	BasicForm BasicEncoding = "form"
	// BasicRaw base64-encodes "client_id:client_secret" as it is (RFC 7617),
	// as the Acronis documentation does.
	BasicRaw BasicEncoding = "raw"
)

// assertionType is the client_assertion_type of a JWT client assertion
// (RFC 7523 §2.2).
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Token lifetimes, stated by the server or assumed.
const (
	// DefaultLifetime is assumed when neither the response nor the request
	// states one.
	DefaultLifetime = time.Hour
	// MaxLifetime bounds any lifetime, stated or assumed (366 days).
	MaxLifetime = 366 * 24 * time.Hour
)

// reserved are the parameters this package sets itself; Params may not
// carry them.
var reserved = map[string]bool{
	"grant_type":            true,
	"scope":                 true,
	"client_id":             true,
	"client_secret":         true,
	"client_assertion":      true,
	"client_assertion_type": true,
}

// Request describes one client credentials token request.
type Request struct {
	// TokenURL is the token endpoint: https, or http on a loopback host.
	TokenURL string
	// Method is the client authentication method. Empty means PrivateKeyJWT
	// when PrivateKey is set, else ClientSecretPost.
	Method AuthMethod
	// BasicEncoding applies to ClientSecretBasic. Empty means BasicForm.
	BasicEncoding BasicEncoding
	// ClientID is the client identifier. Required.
	ClientID string
	// ClientSecret is required by the three client_secret methods.
	ClientSecret string
	// PrivateKey signs the client assertion of PrivateKeyJWT.
	PrivateKey *rsa.PrivateKey
	// Certificate, optional with PrivateKeyJWT, adds the x5t and kid headers
	// to the assertion.
	Certificate *x509.Certificate
	// Scope is the space-separated scope; omitted from the request when
	// empty.
	Scope string
	// Params are extra parameters (audience, resource, ...). They may not
	// name a parameter this package sets itself.
	Params map[string]string
	// DefaultLifetime is assumed when the response states no expiry. 0
	// means the package's DefaultLifetime.
	DefaultLifetime time.Duration
}

// method returns r.Method with its default applied.
func (r *Request) method() AuthMethod {
	if r.Method != "" {
		return r.Method
	}
	if r.PrivateKey != nil {
		return PrivateKeyJWT
	}
	return ClientSecretPost
}

// lifetimeOr returns d, or DefaultLifetime when d is 0.
func lifetimeOr(d time.Duration) time.Duration {
	if d == 0 {
		return DefaultLifetime
	}
	return d
}

// validate checks everything about r that does not need the network. Its
// errors name fields, never values.
func (r *Request) validate() error {
	var errs []error
	if r.ClientID == "" {
		errs = append(errs, errors.New("client_id is empty"))
	}
	switch m := r.method(); m {
	case ClientSecretPost, ClientSecretQuery:
		if r.ClientSecret == "" {
			errs = append(errs, fmt.Errorf("%s needs a client_secret", m))
		}
	case ClientSecretBasic:
		if r.ClientSecret == "" {
			errs = append(errs, fmt.Errorf("%s needs a client_secret", m))
		}
		switch r.BasicEncoding {
		case "", BasicForm:
		case BasicRaw:
			// RFC 7617 §2: the user-id of Basic cannot contain a colon.
			if strings.Contains(r.ClientID, ":") {
				errs = append(errs, errors.New("client_id contains \":\", which basic encoding raw cannot carry"))
			}
		default:
			errs = append(errs, fmt.Errorf("unknown basic encoding %q (want form or raw)", truncate(sanitize(string(r.BasicEncoding)), 32)))
		}
	case PrivateKeyJWT:
		if r.PrivateKey == nil {
			errs = append(errs, fmt.Errorf("%s needs a private key", m))
		} else if r.Certificate != nil {
			// A mismatch would only show as the server's bare invalid_client.
			if pub, ok := r.Certificate.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&r.PrivateKey.PublicKey) {
				errs = append(errs, errors.New("certificate does not match the private key"))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("unknown auth method %q", truncate(sanitize(string(m)), 32)))
	}
	if d := r.DefaultLifetime; d < 0 || d > MaxLifetime {
		errs = append(errs, fmt.Errorf("default lifetime %s is outside (0, 366 days]", d))
	}
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case k == "":
			errs = append(errs, errors.New("params holds an empty name"))
		case reserved[k]:
			errs = append(errs, fmt.Errorf("params may not set %q", k))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// One line, every problem named: errors.Join would break lines in a
	// Lambda result or a JSON log.
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

// form returns the parameters of the request, authentication included;
// assertion is the client assertion for PrivateKeyJWT.
func (r *Request) form(assertion string) url.Values {
	v := make(url.Values, len(r.Params)+5)
	for k, p := range r.Params {
		v.Set(k, p)
	}
	v.Set("grant_type", "client_credentials")
	if r.Scope != "" {
		v.Set("scope", r.Scope)
	}
	switch r.method() {
	case ClientSecretPost, ClientSecretQuery:
		v.Set("client_id", r.ClientID)
		v.Set("client_secret", r.ClientSecret)
	case PrivateKeyJWT:
		// client_id is optional with an assertion (RFC 7521 §4.2), and some
		// servers (Microsoft Entra ID) want it.
		v.Set("client_id", r.ClientID)
		v.Set("client_assertion_type", assertionType)
		v.Set("client_assertion", assertion)
	}
	return v
}

// newHTTPRequest builds one attempt's request to the checked token URL u.
// The URL it parses has no query, so an error cannot carry a credential.
func (r *Request) newHTTPRequest(ctx context.Context, u *url.URL, assertion string) (*http.Request, error) {
	form := r.form(assertion)
	base := *u
	base.RawQuery, base.ForceQuery, base.Fragment, base.RawFragment = "", false, "", ""
	method, query := http.MethodPost, u.RawQuery
	var body io.Reader
	if r.method() == ClientSecretQuery {
		q := u.Query()
		for k := range q {
			if form.Has(k) {
				return nil, fmt.Errorf("token URL query already sets %q", k)
			}
		}
		for k, vs := range form {
			q[k] = vs
		}
		method, query = http.MethodGet, q.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, base.String(), body)
	if err != nil {
		return nil, err
	}
	req.URL.RawQuery = query
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if r.method() == ClientSecretBasic {
		id, secret := r.ClientID, r.ClientSecret
		if r.BasicEncoding != BasicRaw {
			id, secret = url.QueryEscape(id), url.QueryEscape(secret)
		}
		req.SetBasicAuth(id, secret)
	}
	return req, nil
}
