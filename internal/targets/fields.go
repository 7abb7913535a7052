package targets

import "strings"

// JSON field names of a target.
const (
	fieldName              = "name"
	fieldSecretID          = "secret_id"
	fieldParameterName     = "parameter_name"
	fieldTokenURL          = "token_url"
	fieldIssuer            = "issuer"
	fieldAuthMethod        = "auth_method"
	fieldBasicAuthEncoding = "basic_auth_encoding"
	fieldScope             = "scope"
	fieldParams            = "params"
	fieldRefreshBefore     = "refresh_before"
	fieldDefaultLifetime   = "default_lifetime"
	fieldValueFormat       = "value_format"
	fieldKMSKeyID          = "kms_key_id"
	fieldWarnBefore        = "warn_before"
	fieldInstances         = "instances"
)

// kind is the JSON shape a field takes.
type kind int

const (
	kindString    kind = iota // a JSON string
	kindParams                // an object of strings
	kindInstances             // an array of strings
)

// targetFields maps every field a target may hold to its shape.
var targetFields = map[string]kind{
	fieldName:              kindString,
	fieldSecretID:          kindString,
	fieldParameterName:     kindString,
	fieldTokenURL:          kindString,
	fieldIssuer:            kindString,
	fieldAuthMethod:        kindString,
	fieldBasicAuthEncoding: kindString,
	fieldScope:             kindString,
	fieldParams:            kindParams,
	fieldRefreshBefore:     kindString,
	fieldDefaultLifetime:   kindString,
	fieldValueFormat:       kindString,
	fieldKMSKeyID:          kindString,
	fieldWarnBefore:        kindString,
	fieldInstances:         kindInstances,
}

// documentFields are the fields of the document itself.
var documentFields = map[string]kind{"defaults": kindParams, "targets": kindInstances}

// substituted reports whether {instance} is replaced in the field (params
// values are too).
func substituted(field string) bool {
	switch field {
	case fieldTokenURL, fieldIssuer, fieldParameterName, fieldSecretID, fieldScope:
		return true
	}
	return false
}

// reservedParams are the token request parameters the refresher sets itself,
// which params and a token_url query may not override.
var reservedParams = map[string]string{
	"grant_type":            "the refresher sends client_credentials",
	"client_id":             "the client_id comes from the secret",
	"client_secret":         "credentials belong in the secret",
	"client_assertion":      "the refresher signs the assertion",
	"client_assertion_type": "the refresher sets it with private_key_jwt",
	"scope":                 "use the scope field",
}

// unknownMessage is the problem message for an unknown field, with the
// closest known field name when one is a likely typo.
func unknownMessage(key string, known map[string]kind) string {
	lower := strings.ToLower(key)
	best, bestDist := "", 3
	for name := range known {
		d := distance(lower, name)
		if len(lower) >= 4 && (strings.HasPrefix(name, lower) || strings.HasPrefix(lower, name)) {
			d = min(d, 2) // "refresh" for "refresh_before", "token_url_v2" for "token_url"
		}
		if d < bestDist || (d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return "unknown field"
	}
	return `unknown field (did you mean "` + best + `"?)`
}

// distance is the Levenshtein distance between a and b, capped so that long
// keys cost little.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
