package targets

import (
	"errors"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
)

// FuzzParse checks that Parse never panics, that an error is always a
// non-empty *ValidationError, and that a nil error implies every target obeys
// every rule, checked here independently of the parser.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/contract_example.json", "testdata/providers.json"} {
		doc, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Add([]byte(doc(map[string]any{"params": map[string]any{"audience": "{instance}"}},
		tgt("instances", []string{"eu8", "us5"}, "parameter_name", "/t/{instance}"))))
	f.Add([]byte(`{"targets": [{"name": "a", "name": "b"}], "defaults": null}`))
	f.Add([]byte(`{"targets": [{}, [], null, 1]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		cfg, err := Parse(doc)
		if err != nil {
			var invalid *ValidationError
			if !errors.As(err, &invalid) || len(invalid.Problems) == 0 || cfg != nil {
				t.Fatalf("Parse = %v, %v; want nil and a *ValidationError with problems", cfg, err)
			}
			_ = err.Error()
			return
		}
		if cfg == nil || len(cfg.Targets) == 0 {
			t.Fatalf("Parse = %+v, nil; want targets", cfg)
		}
		names, params := map[string]bool{}, map[string]bool{}
		for _, tg := range cfg.Targets {
			if msg := invalidTarget(tg); msg != "" {
				t.Fatalf("Parse accepted target %+v: %s", tg, msg)
			}
			if names[tg.Name] || params[tg.ParameterName] {
				t.Fatalf("Parse accepted a duplicate name or parameter: %+v", tg)
			}
			names[tg.Name], params[tg.ParameterName] = true, true
		}
	})
}

var (
	fuzzNameRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	fuzzParamRE = regexp.MustCompile(`^/[a-zA-Z0-9_.\-/]*$`)
)

// invalidTarget restates the rules a parsed target must obey; it returns the
// broken one, or "".
func invalidTarget(tg Target) string {
	lowerParam := strings.ToLower(tg.ParameterName)
	switch {
	case !fuzzNameRE.MatchString(tg.Name):
		return "name"
	case tg.SecretID == "" || strings.ContainsAny(tg.SecretID, " \t\r\n"):
		return "secret_id"
	case !fuzzParamRE.MatchString(tg.ParameterName) || len(tg.ParameterName) > 1011 || strings.Contains(tg.ParameterName, "//") ||
		strings.HasSuffix(tg.ParameterName, "/") || strings.Count(tg.ParameterName, "/") > 15 ||
		strings.HasPrefix(lowerParam, "/aws") || strings.HasPrefix(lowerParam, "/ssm"):
		return "parameter_name"
	case (tg.TokenURL == "") == (tg.Issuer == ""):
		return "token_url/issuer"
	case !okURL(tg.TokenURL) || !okURL(tg.Issuer) || strings.Contains(tg.Issuer, "?"):
		return "url"
	case tg.AuthMethod != "" && tg.AuthMethod != oauth.ClientSecretPost && tg.AuthMethod != oauth.ClientSecretBasic &&
		tg.AuthMethod != oauth.PrivateKeyJWT && tg.AuthMethod != oauth.ClientSecretQuery:
		return "auth_method"
	case tg.BasicAuthEncoding != oauth.BasicForm && tg.BasicAuthEncoding != oauth.BasicRaw:
		return "basic_auth_encoding"
	case tg.ValueFormat != paramstore.FormatJSON && tg.ValueFormat != paramstore.FormatRaw:
		return "value_format"
	case tg.RefreshBefore <= 0 || tg.RefreshBefore >= 24*time.Hour:
		return "refresh_before"
	case tg.DefaultLifetime <= 0 || tg.DefaultLifetime > 366*24*time.Hour:
		return "default_lifetime"
	case strings.ContainsAny(tg.Scope, "\"\\\x00\n") || strings.Contains(tg.Scope, Placeholder) ||
		strings.Contains(tg.SecretID, Placeholder) || strings.Contains(tg.KMSKeyID, Placeholder):
		return "scope, secret_id or kms_key_id"
	}
	for k, v := range tg.Params {
		switch k {
		case "", "grant_type", "client_id", "client_secret", "client_assertion", "client_assertion_type", "scope":
			return "params"
		}
		if strings.Contains(v, Placeholder) {
			return "params value"
		}
	}
	return ""
}

func okURL(raw string) bool {
	if raw == "" {
		return true
	}
	u, err := httpclient.CheckURL(raw)
	return err == nil && u.User == nil && !strings.Contains(raw, "#") && u.Query().Get("client_secret") == "" &&
		!strings.Contains(raw, Placeholder) && okParsed(raw)
}

func okParsed(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme != "" && u.Host != ""
}
