package targets

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseRules has one case per validation rule, each asserting the exact
// list of problems.
func TestParseRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 60)
	type P = Problem
	tests := []struct {
		name string
		doc  string
		want []Problem
	}{
		// The document.
		{"malformed JSON", `{"targets": [`, []P{{"", "", "malformed JSON at offset 13: unexpected end of JSON input"}}},
		{"malformed JSON mid-document", `{"targets": [}]}`, []P{{"", "", "malformed JSON at offset 14: invalid character '}' looking for beginning of value"}}},
		{"trailing data", `{"targets": []} x`, []P{{"", "", "malformed JSON at offset 17: invalid character 'x' after top-level value"}}},
		{"empty document", ``, []P{{"", "", "malformed JSON at offset 0: unexpected end of JSON input"}}},
		{"document not an object", `["a"]`, []P{{"", "", "the document must be a JSON object, not an array"}}},
		{"unknown document field", `{"target": [], "targets": [{"name": "a", "secret_id": "s", "parameter_name": "/p", "issuer": "https://i.example.com"}]}`,
			[]P{{"", "target", `unknown field (did you mean "targets"?)`}}},
		{"duplicate document field", `{"targets": [], "targets": []}`, []P{{"", "targets", "duplicate field"}, {"", "targets", "must list at least one target"}}},
		{"targets missing", `{}`, []P{{"", "targets", "required: list at least one target"}}},
		{"targets empty", `{"targets": []}`, []P{{"", "targets", "must list at least one target"}}},
		{"targets not an array", `{"targets": {"name": "a"}}`, []P{{"", "targets", "must be an array of targets, not an object"}}},
		{"target not an object", `{"targets": ["a"]}`, []P{{"targets[0]", "", "must be an object, not a string"}}},

		// Fields in general.
		{"unknown target field", doc(nil, tgt("scopes", "x")), []P{{"a", "scopes", `unknown field (did you mean "scope"?)`}}},
		{"unknown field with a long name", doc(nil, tgt(strings.Repeat("k", 100), "x")), []P{{"a", strings.Repeat("k", 64) + "…", "unknown field"}}},
		{"unknown target field, no suggestion", doc(nil, tgt("colour", "x")), []P{{"a", "colour", "unknown field"}}},
		{"unknown field differs in case", doc(nil, tgt("Scope", "x")), []P{{"a", "Scope", `unknown field (did you mean "scope"?)`}}},
		{"duplicate target field", `{"targets": [{"name": "a", "secret_id": "s", "secret_id": "t", "parameter_name": "/p", "issuer": "https://i.example.com"}]}`,
			[]P{{"a", "secret_id", "duplicate field"}}},
		{"string field of another type", doc(nil, tgt("secret_id", 5)), []P{{"a", "secret_id", "must be a string, not a number"}}},
		{"string field null", doc(nil, tgt("scope", nil)), []P{{"a", "scope", "must be a string, not null"}}},

		// name
		{"name missing", doc(nil, tgt("name", del)), []P{{"targets[0]", "name", "required"}}},
		{"name empty", doc(nil, tgt("name", "")), []P{{"targets[0]", "name", "required"}}},
		{"name invalid characters", doc(nil, tgt("name", "a b")), []P{{"targets[0]", "name", "must match ^[A-Za-z0-9._-]{1,64}$"}}},
		{"name too long", doc(nil, tgt("name", strings.Repeat("n", 65))), []P{{"targets[0]", "name", "must match ^[A-Za-z0-9._-]{1,64}$"}}},
		{"name not a string", doc(nil, tgt("name", true)), []P{{"targets[0]", "name", "must be a string, not a boolean"}}},
		{"name duplicate", doc(nil, tgt(), tgt("parameter_name", "/tokens/b")), []P{{"a", "name", "duplicate: targets[0] has the same name"}}},

		// secret_id
		{"secret_id missing", doc(nil, tgt("secret_id", del)), []P{{"a", "secret_id", "required"}}},
		{"secret_id whitespace", doc(nil, tgt("secret_id", "aos audit")), []P{{"a", "secret_id", "must not contain whitespace or control characters"}}},
		{"secret_id too long", doc(nil, tgt("secret_id", strings.Repeat("s", 2049))), []P{{"a", "secret_id", "longer than 2048 characters"}}},

		// parameter_name
		{"parameter_name missing", doc(nil, tgt("parameter_name", del)), []P{{"a", "parameter_name", "required"}}},
		{"parameter_name relative", doc(nil, tgt("parameter_name", "tokens/a")), []P{{"a", "parameter_name", "must start with /"}}},
		{"parameter_name characters", doc(nil, tgt("parameter_name", "/tokens/a b")), []P{{"a", "parameter_name", "may contain only letters, digits and _ . - /"}}},
		{"parameter_name too long", doc(nil, tgt("parameter_name", "/"+strings.Repeat("p", 1011))), []P{{"a", "parameter_name", "longer than 1011 characters"}}},
		{"parameter_name empty segment", doc(nil, tgt("parameter_name", "/tokens//a")), []P{{"a", "parameter_name", "must not contain an empty path segment (// or a trailing /)"}}},
		{"parameter_name trailing slash", doc(nil, tgt("parameter_name", "/tokens/")), []P{{"a", "parameter_name", "must not contain an empty path segment (// or a trailing /)"}}},
		{"parameter_name too deep", doc(nil, tgt("parameter_name", strings.Repeat("/l", 16))), []P{{"a", "parameter_name", "more than 15 levels"}}},
		{"parameter_name under /aws", doc(nil, tgt("parameter_name", "/aws/tokens/a")), []P{{"a", "parameter_name", "must not begin with aws or ssm (reserved by AWS, in any case)"}}},
		{"parameter_name under /SSM", doc(nil, tgt("parameter_name", "/SSM/a")), []P{{"a", "parameter_name", "must not begin with aws or ssm (reserved by AWS, in any case)"}}},
		{"parameter_name prefixed Aws", doc(nil, tgt("parameter_name", "/AwsTokens/a")), []P{{"a", "parameter_name", "must not begin with aws or ssm (reserved by AWS, in any case)"}}},
		{"parameter_name duplicate", doc(nil, tgt(), tgt("name", "b")), []P{{"b", "parameter_name", `same parameter as target "a"`}}},

		// token_url and issuer
		{"neither token_url nor issuer", doc(nil, tgt("token_url", del)), []P{{"a", "token_url", "required: set token_url or issuer"}}},
		{"both token_url and issuer", doc(nil, tgt("issuer", "https://idp.example.com")), []P{{"a", "token_url", "set only one of token_url and issuer"}}},
		{"token_url http", doc(nil, tgt("token_url", "http://idp.example.com/token")), []P{{"a", "token_url", "must be https (or a loopback host)"}}},
		{"token_url other scheme", doc(nil, tgt("token_url", "ftp://idp.example.com/token")), []P{{"a", "token_url", "must be https (or a loopback host)"}}},
		{"token_url relative", doc(nil, tgt("token_url", "/connect/token")), []P{{"a", "token_url", "must be an absolute URL (https://host/path)"}}},
		{"token_url not a URL", doc(nil, tgt("token_url", "https://idp.example.com:port/")), []P{{"a", "token_url", "not a valid URL"}}},
		{"token_url user information", doc(nil, tgt("token_url", "https://id:secret@idp.example.com/token")), []P{{"a", "token_url", "must not contain user information: credentials belong in the secret"}}},
		{"token_url fragment", doc(nil, tgt("token_url", "https://idp.example.com/token#x")), []P{{"a", "token_url", "must not have a fragment"}}},
		{"token_url query with client_secret", doc(nil, tgt("token_url", "https://idp.example.com/token?grant_type=client_credentials&client_secret=x")),
			[]P{{"a", "token_url", "query must not set client_secret: credentials belong in the secret"}}},
		{"issuer http", doc(nil, tgt("token_url", del, "issuer", "http://idp.example.com")), []P{{"a", "issuer", "must be https (or a loopback host)"}}},
		{"issuer query", doc(nil, tgt("token_url", del, "issuer", "https://idp.example.com/?tenant=x")), []P{{"a", "issuer", "must not have a query (OpenID Connect Discovery §3)"}}},
		{"issuer fragment", doc(nil, tgt("token_url", del, "issuer", "https://idp.example.com/#x")), []P{{"a", "issuer", "must not have a fragment"}}},

		// Enumerations.
		{"auth_method", doc(nil, tgt("auth_method", "client_secret_jwt")), []P{{"a", "auth_method", "must be one of client_secret_post, client_secret_basic, private_key_jwt, client_secret_query"}}},
		{"basic_auth_encoding", doc(nil, tgt("basic_auth_encoding", "base64")), []P{{"a", "basic_auth_encoding", "must be form or raw"}}},
		{"value_format", doc(nil, tgt("value_format", "JSON")), []P{{"a", "value_format", "must be json or raw"}}},

		// scope and params
		{"scope characters", doc(nil, tgt("scope", `audit.read "all"`)), []P{{"a", "scope", `must be space-separated scope tokens (RFC 6749 §3.3): printable ASCII without " or \`}}},
		{"params not an object", doc(nil, tgt("params", []string{"audience"})), []P{{"a", "params", "must be an object of strings, not an array"}}},
		{"params value not a string", doc(nil, tgt("params", map[string]any{"audience": 1})), []P{{"a", "params.audience", "must be a string, not a number"}}},
		{"params empty name", doc(nil, tgt("params", map[string]any{"": "x"})), []P{{"a", "params", "a parameter name must not be empty"}}},
		{"params grant_type", doc(nil, tgt("params", map[string]any{"grant_type": "password"})), []P{{"a", "params.grant_type", "reserved: the refresher sends client_credentials"}}},
		{"params client_id", doc(nil, tgt("params", map[string]any{"client_id": "x"})), []P{{"a", "params.client_id", "reserved: the client_id comes from the secret"}}},
		{"params client_secret", doc(nil, tgt("params", map[string]any{"client_secret": "x"})), []P{{"a", "params.client_secret", "reserved: credentials belong in the secret"}}},
		{"params client_assertion", doc(nil, tgt("params", map[string]any{"client_assertion": "x"})), []P{{"a", "params.client_assertion", "reserved: the refresher signs the assertion"}}},
		{"params client_assertion_type", doc(nil, tgt("params", map[string]any{"client_assertion_type": "x"})), []P{{"a", "params.client_assertion_type", "reserved: the refresher sets it with private_key_jwt"}}},
		{"params scope", doc(nil, tgt("params", map[string]any{"scope": "x"})), []P{{"a", "params.scope", "reserved: use the scope field"}}},
		{"params duplicate", `{"targets": [{"name": "a", "secret_id": "s", "parameter_name": "/p", "issuer": "https://i.example.com", "params": {"x": "1", "x": "2"}}]}`,
			[]P{{"a", "params.x", "duplicate field"}}},

		// Durations.
		{"refresh_before not a duration", doc(nil, tgt("refresh_before", "30")), []P{{"a", "refresh_before", "not a Go duration (like 30m or 1h30m)"}}},
		{"refresh_before zero", doc(nil, tgt("refresh_before", "0s")), []P{{"a", "refresh_before", "must be more than 0 and less than 24h"}}},
		{"refresh_before negative", doc(nil, tgt("refresh_before", "-5m")), []P{{"a", "refresh_before", "must be more than 0 and less than 24h"}}},
		{"refresh_before 24h", doc(nil, tgt("refresh_before", "24h")), []P{{"a", "refresh_before", "must be more than 0 and less than 24h"}}},
		{"warn_before not a duration", doc(nil, tgt("warn_before", "30d")), []P{{"a", "warn_before", "not a Go duration (like 720h for 30 days)"}}},
		{"warn_before zero", doc(nil, tgt("warn_before", "0s")), []P{{"a", "warn_before", "must be more than 0 and at most 8784h (366 days)"}}},
		{"default_lifetime not a duration", doc(nil, tgt("default_lifetime", "1 hour")), []P{{"a", "default_lifetime", "not a Go duration (like 1h or 90m)"}}},
		{"default_lifetime zero", doc(nil, tgt("default_lifetime", "0")), []P{{"a", "default_lifetime", "must be more than 0 and at most 8784h (366 days)"}}},
		{"default_lifetime over 366 days", doc(nil, tgt("default_lifetime", "8785h")), []P{{"a", "default_lifetime", "must be more than 0 and at most 8784h (366 days)"}}},

		// kms_key_id
		{"kms_key_id whitespace", doc(nil, tgt("kms_key_id", "alias/my key")), []P{{"a", "kms_key_id", "must not contain whitespace or control characters"}}},
		{"kms_key_id placeholder", doc(nil, tgt("kms_key_id", "alias/{instance}")), []P{{"a", "kms_key_id", "{instance} is not replaced in kms_key_id"}}},

		// defaults
		{"valid base target", doc(nil, tgt()), nil},
		{"defaults an array", `{"defaults": [], "targets": [{"name": "a", "secret_id": "s", "parameter_name": "/p", "issuer": "https://i.example.com"}]}`,
			[]P{{"", "defaults", "must be an object, not an array"}}},
		{"defaults name", doc(map[string]any{"name": "x"}, tgt()), []P{{"", "defaults.name", "not allowed in defaults: every target names itself"}}},
		{"defaults instances", doc(map[string]any{"instances": []string{"eu"}}, tgt()), []P{{"", "defaults.instances", "not allowed in defaults: list instances in the target"}}},
		{"defaults unknown field", doc(map[string]any{"refresh": "1h"}, tgt()), []P{{"", "defaults.refresh", `unknown field (did you mean "refresh_before"?)`}}},
		{"defaults wrong type", doc(map[string]any{"refresh_before": 30}, tgt()), []P{{"", "defaults.refresh_before", "must be a string, not a number"}}},
		{"defaults value invalid for each target", doc(map[string]any{"auth_method": "basic"}, tgt(), tgt("name", "b", "parameter_name", "/tokens/b")),
			[]P{{"a", "auth_method", "must be one of client_secret_post, client_secret_basic, private_key_jwt, client_secret_query (from defaults)"},
				{"b", "auth_method", "must be one of client_secret_post, client_secret_basic, private_key_jwt, client_secret_query (from defaults)"}}},
		{"defaults issuer with target token_url", doc(map[string]any{"issuer": "https://idp.example.com"}, tgt()),
			[]P{{"a", "token_url", `set only one of token_url and issuer (issuer comes from defaults; clear it with "issuer": "")`}}},
		{"defaults parameter_name shared", doc(map[string]any{"parameter_name": "/tokens/all"}, tgt("parameter_name", del), tgt("name", "b", "parameter_name", del)),
			[]P{{"b", "parameter_name", `same parameter as target "a" (from defaults)`}}},

		// instances
		{"placeholder without instances", doc(nil, tgt("parameter_name", "/tokens/{instance}")), []P{{"a", "parameter_name", "contains {instance} but the target lists no instances"}}},
		{"placeholder in params without instances", doc(nil, tgt("params", map[string]any{"resource": "{instance}"})), []P{{"a", "params.resource", "contains {instance} but the target lists no instances"}}},
		{"instances not an array", doc(nil, tgt("instances", "eu8", "parameter_name", "/t/{instance}")), []P{{"a", "instances", "must be an array of instance names, not a string"}}},
		{"instances empty", doc(nil, tgt("instances", []string{}, "parameter_name", "/t/{instance}")), []P{{"a", "instances", "must list at least one instance"}}},
		{"instance not a string", doc(nil, tgt("instances", []any{"eu8", 5}, "parameter_name", "/t/{instance}")), []P{{"a", "instances[1]", "must be a string, not a number"}}},
		{"instance invalid", doc(nil, tgt("instances", []string{"eu8", "us 5"}, "parameter_name", "/t/{instance}")), []P{{"a", "instances[1]", "must match ^[A-Za-z0-9._-]{1,32}$"}}},
		{"instance too long", doc(nil, tgt("instances", []string{strings.Repeat("i", 33)}, "parameter_name", "/t/{instance}")), []P{{"a", "instances[0]", "must match ^[A-Za-z0-9._-]{1,32}$"}}},
		{"instance duplicate", doc(nil, tgt("instances", []string{"eu8", "eu8"}, "parameter_name", "/t/{instance}")), []P{{"a", "instances[1]", "duplicate instance"}}},
		{"instances without placeholder in parameter_name", doc(nil, tgt("instances", []string{"eu8", "us5"})),
			[]P{{"a", "parameter_name", "must contain {instance} when the target lists instances, or they overwrite each other's token"}}},
		{"expanded name too long", doc(nil, tgt("name", long, "instances", []string{"eu8", "us5x"}, "parameter_name", "/t/{instance}")),
			[]P{{long, "instances", `instance "us5x" makes the name longer than 64 characters`}}},
		{"expanded name taken", doc(nil, tgt("name", "a.eu8", "parameter_name", "/t/x"), tgt("instances", []string{"eu8"}, "parameter_name", "/t/{instance}")),
			[]P{{"a", "instances", `expanded name "a.eu8" is already the name of targets[0]`}}},
		{"expanded parameter taken", doc(nil, tgt("name", "x", "parameter_name", "/t/us5"), tgt("instances", []string{"eu8", "us5"}, "parameter_name", "/t/{instance}")),
			[]P{{"a", "parameter_name", `same parameter as target "x" (instance "us5")`}}},
		{"instance makes a URL invalid", doc(nil, tgt("instances", []string{"eu8", "a_b"}, "parameter_name", "/t/{instance}", "token_url", "https://{instance}.example.com:{instance}/token")),
			[]P{{"a", "token_url", `not a valid URL (instance "eu8")`}, {"a", "token_url", `not a valid URL (instance "a_b")`}}},

		// Several problems in several targets, all listed in document order.
		{"every problem listed", doc(nil,
			tgt("name", "", "secret_id", "", "token_url", "http://idp.example.com/t"),
			tgt("name", "b", "parameter_name", "tokens/b", "value_format", "xml", "refresh_before", "1d")),
			[]P{
				{"targets[0]", "name", "required"},
				{"targets[0]", "secret_id", "required"},
				{"targets[0]", "token_url", "must be https (or a loopback host)"},
				{"b", "parameter_name", "must start with /"},
				{"b", "refresh_before", "not a Go duration (like 30m or 1h30m)"},
				{"b", "value_format", "must be json or raw"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse([]byte(tt.doc))
			got := problems(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%.200s) problems:\n got %q\nwant %q", tt.doc, got, tt.want)
			}
			if err != nil && cfg != nil {
				t.Errorf("Parse returned a config with an error")
			}
		})
	}
}
