package targets

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
)

// Each check returns the problem with a non-empty value, or "" when it is
// valid. None repeats the value.

var (
	instanceRE      = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)
	parameterCharRE = regexp.MustCompile(`^[a-zA-Z0-9_.\-/]+$`)
)

// SSM limits on a parameter name (PutParameter API reference).
const (
	maxParameterName   = 1011
	maxParameterLevels = 15
	maxIDLength        = 2048
)

func checkSecretID(v string) string {
	switch {
	case len(v) > maxIDLength:
		return "longer than 2048 characters"
	case hasSpaceOrControl(v):
		return "must not contain whitespace or control characters"
	}
	return ""
}

func checkParameterName(v string) string {
	switch {
	case !strings.HasPrefix(v, "/"):
		return "must start with /"
	case len(v) > maxParameterName:
		return "longer than 1011 characters"
	case !parameterCharRE.MatchString(v):
		return "may contain only letters, digits and _ . - /"
	case strings.Contains(v, "//") || strings.HasSuffix(v, "/"):
		return "must not contain an empty path segment (// or a trailing /)"
	case strings.Count(v, "/") > maxParameterLevels:
		return "more than 15 levels"
	}
	// SSM refuses names prefixed with aws or ssm in any case, with or
	// without the leading slash.
	first := strings.ToLower(strings.TrimPrefix(v, "/"))
	if strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return "must not begin with aws or ssm (reserved by AWS, in any case)"
	}
	return ""
}

func checkTokenURL(v string) string {
	if m := checkEndpointURL(v); m != "" {
		return m
	}
	u, _ := url.Parse(v)
	query := u.Query()
	for _, k := range slices.Sorted(maps.Keys(query)) {
		if why, reserved := reservedParams[k]; reserved {
			return "query must not set " + k + ": " + why
		}
	}
	return ""
}

func checkIssuer(v string) string {
	if m := checkEndpointURL(v); m != "" {
		return m
	}
	if strings.Contains(v, "?") {
		return "must not have a query (OpenID Connect Discovery §3)"
	}
	return ""
}

// checkEndpointURL applies the rule every token endpoint is held to at run
// time (httpclient.CheckURL) and refuses credentials and fragments.
func checkEndpointURL(v string) string {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return "not a valid URL"
	case u.User != nil:
		return "must not contain user information: credentials belong in the secret"
	case u.Scheme == "" || u.Host == "":
		return "must be an absolute URL (https://host/path)"
	case strings.Contains(v, "#"):
		return "must not have a fragment"
	}
	if _, err := httpclient.CheckURL(v); err != nil {
		return "must be https (or a loopback host)"
	}
	return ""
}

func checkAuthMethod(v string) string {
	switch oauth.AuthMethod(v) {
	case oauth.ClientSecretPost, oauth.ClientSecretBasic, oauth.PrivateKeyJWT, oauth.ClientSecretQuery:
		return ""
	}
	return "must be one of client_secret_post, client_secret_basic, private_key_jwt, client_secret_query"
}

func checkBasicAuthEncoding(v string) string {
	if e := oauth.BasicEncoding(v); e == oauth.BasicForm || e == oauth.BasicRaw {
		return ""
	}
	return "must be form or raw"
}

func checkValueFormat(v string) string {
	if f := paramstore.Format(v); f == paramstore.FormatJSON || f == paramstore.FormatRaw {
		return ""
	}
	return "must be json or raw"
}

// checkScope allows the scope-token characters of RFC 6749 §3.3 and spaces.
func checkScope(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) {
			continue
		}
		return `must be space-separated scope tokens (RFC 6749 §3.3): printable ASCII without " or \`
	}
	return ""
}

func checkRefreshBefore(v string) string {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return "not a Go duration (like 30m or 1h30m)"
	case d <= 0 || d >= MaxRefreshBefore:
		return "must be more than 0 and less than 24h"
	}
	return ""
}

func checkDefaultLifetime(v string) string {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return "not a Go duration (like 1h or 90m)"
	case d <= 0 || d > oauth.MaxLifetime:
		return "must be more than 0 and at most 8784h (366 days)"
	}
	return ""
}

func checkWarnBefore(v string) string {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return "not a Go duration (like 720h for 30 days)"
	case d <= 0 || d > MaxWarnBefore:
		return "must be more than 0 and at most 8784h (366 days)"
	}
	return ""
}

func checkKMSKeyID(v string) string {
	switch {
	case len(v) > maxIDLength:
		return "longer than 2048 characters"
	case hasSpaceOrControl(v):
		return "must not contain whitespace or control characters"
	case strings.Contains(v, Placeholder):
		return "{instance} is not replaced in kms_key_id"
	}
	return ""
}

func hasSpaceOrControl(v string) bool {
	return strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}) >= 0
}
