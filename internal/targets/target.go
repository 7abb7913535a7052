package targets

import (
	"time"

	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
)

// Default and limit of refresh_before; default_lifetime's are
// oauth.DefaultLifetime and oauth.MaxLifetime.
const (
	// DefaultRefreshBefore is refresh_before when the document sets none.
	DefaultRefreshBefore = 30 * time.Minute
	// MaxRefreshBefore bounds refresh_before (exclusive): a longer margin would
	// refresh a day-long token at every run.
	MaxRefreshBefore = 24 * time.Hour
	// DefaultWarnBefore is warn_before when the document sets none: a
	// certificate credential within 30 days of its expiry is reported.
	DefaultWarnBefore = 30 * 24 * time.Hour
	// MaxWarnBefore bounds warn_before (inclusive).
	MaxWarnBefore = 366 * 24 * time.Hour
)

// Placeholder is the text replaced by the instance name when a target lists
// instances.
const Placeholder = "{instance}"

// Document is a validated configuration document.
type Document struct {
	// Targets are the configured targets in document order, with defaults
	// applied and instances expanded.
	Targets []Target
}

// Target is one token to keep fresh: where its credentials are, how to obtain
// the token and where to store it. Every field is valid when it comes from
// [Parse]; a zero optional field means the default documented on it.
type Target struct {
	// Name identifies the target in events, results and logs (JSON "name"):
	// unique, ^[A-Za-z0-9._-]{1,64}$. An expanded instance is "{name}.{instance}".
	Name string
	// Group is the name before expansion of a target that lists instances, so
	// that an event naming it selects every instance: Name is then
	// "{Group}.{instance}". It is empty for a target without instances, whose
	// dotted Name is no group.
	Group string
	// SecretID is the Secrets Manager secret name or ARN holding the client
	// credentials (JSON "secret_id").
	SecretID string
	// ParameterName is the SSM parameter receiving the token (JSON
	// "parameter_name"): starts with "/", unique across targets.
	ParameterName string
	// TokenURL is the token endpoint (JSON "token_url"); exactly one of
	// TokenURL and Issuer is set.
	TokenURL string
	// Issuer is the OpenID Connect issuer whose discovery document names the
	// token endpoint (JSON "issuer").
	Issuer string
	// AuthMethod is the client authentication method (JSON "auth_method");
	// empty means decided from the secret at run time: private_key_jwt when
	// it holds a key, else client_secret_post.
	AuthMethod oauth.AuthMethod
	// BasicAuthEncoding is how client_secret_basic encodes the credentials
	// (JSON "basic_auth_encoding"; default form).
	BasicAuthEncoding oauth.BasicEncoding
	// Scope is the space-separated scope sent with the request (JSON "scope");
	// empty sends none.
	Scope string
	// Params are extra string parameters sent with the token request (JSON
	// "params"), such as audience or resource; nil when none.
	Params map[string]string
	// RefreshBefore is the margin before expiry under which a stored token is
	// refreshed (JSON "refresh_before", a Go duration; default 30m).
	RefreshBefore time.Duration
	// DefaultLifetime is the lifetime assumed when the token response states
	// none (JSON "default_lifetime", a Go duration; default
	// oauth.DefaultLifetime, 1h).
	DefaultLifetime time.Duration
	// ValueFormat is how the token is stored (JSON "value_format"; default
	// json).
	ValueFormat paramstore.Format
	// KMSKeyID is the KMS key encrypting the SecureString (JSON "kms_key_id");
	// empty means the account's alias/aws/ssm.
	KMSKeyID string
	// WarnBefore is how long before its certificate's NotAfter a certificate
	// credential is logged as a warning at each refresh (JSON "warn_before",
	// a Go duration); DefaultWarnBefore (720h, 30 days) when unset.
	WarnBefore time.Duration
}
