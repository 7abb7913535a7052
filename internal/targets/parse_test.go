package targets

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/oauth"
)

func TestParseContractExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("testdata/contract_example.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse(contract example) = %v", err)
	}
	want := []Target{{
		Name:              "aos-audit",
		SecretID:          "aos/audit-app",
		ParameterName:     "/tokens/aos-audit",
		Issuer:            "https://identity.avepointonlineservices.com",
		BasicAuthEncoding: "form",
		Scope:             "audit.read.all",
		RefreshBefore:     30 * time.Minute,
		DefaultLifetime:   time.Hour,
		WarnBefore:        DefaultWarnBefore,
		ValueFormat:       "json",
	}}
	if !reflect.DeepEqual(cfg.Targets, want) {
		t.Errorf("Targets:\n got %+v\nwant %+v", cfg.Targets, want)
	}
}

func TestParseProviders(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("testdata/providers.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse(providers) = %v", err)
	}
	var names []string
	for _, tg := range cfg.Targets {
		names = append(names, tg.Name)
	}
	want := []string{"aos-audit", "aos-gov-backup", "acronis.eu8", "acronis.us5", "virtana"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("target names = %q; want %q", names, want)
	}
}

// TestParseValid checks documents at the edges of the rules are accepted, and
// how their values come out.
func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, tg Target)
	}{
		{"loopback http token_url", doc(nil, tgt("token_url", "http://127.0.0.1:8080/token")), func(t *testing.T, tg Target) {
			if tg.TokenURL != "http://127.0.0.1:8080/token" {
				t.Errorf("TokenURL = %q", tg.TokenURL)
			}
		}},
		{"localhost http issuer", doc(nil, tgt("token_url", del, "issuer", "http://localhost:3000")), nil},
		{"token_url with an ordinary query", doc(nil, tgt("token_url", "https://idp.example.com/token?api-version=2")), nil},
		{"every auth method", doc(nil,
			tgt("name", "p", "parameter_name", "/t/p", "auth_method", "client_secret_post"),
			tgt("name", "b", "parameter_name", "/t/b", "auth_method", "client_secret_basic", "basic_auth_encoding", "raw"),
			tgt("name", "j", "parameter_name", "/t/j", "auth_method", "private_key_jwt"),
			tgt("name", "q", "parameter_name", "/t/q", "auth_method", "client_secret_query")), nil},
		{"longest durations", doc(nil, tgt("refresh_before", "23h59m59s", "default_lifetime", "8784h")), func(t *testing.T, tg Target) {
			if tg.RefreshBefore != 24*time.Hour-time.Second || tg.DefaultLifetime != oauth.MaxLifetime {
				t.Errorf("durations = %v, %v", tg.RefreshBefore, tg.DefaultLifetime)
			}
		}},
		{"warn_before", doc(map[string]any{"warn_before": "1440h"}, tgt(), tgt("name", "b", "parameter_name", "/t/b", "warn_before", "48h")), func(t *testing.T, tg Target) {
			if tg.WarnBefore != 60*24*time.Hour {
				t.Errorf("WarnBefore = %v; want 1440h from defaults", tg.WarnBefore)
			}
		}},
		{"raw value format and KMS key", doc(nil, tgt("value_format", "raw", "kms_key_id", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")), func(t *testing.T, tg Target) {
			if tg.ValueFormat != "raw" || !strings.HasPrefix(tg.KMSKeyID, "arn:aws:kms:") {
				t.Errorf("ValueFormat, KMSKeyID = %q, %q", tg.ValueFormat, tg.KMSKeyID)
			}
		}},
		{"parameter name at the limits", doc(nil, tgt("parameter_name", "/"+strings.Repeat("p", 1010))), nil},
		{"parameter name 15 levels", doc(nil, tgt("parameter_name", strings.Repeat("/l", 15))), nil},
		{"parameter name containing aws later", doc(nil, tgt("parameter_name", "/tokens/aws")), nil},
		{"scope with several tokens", doc(nil, tgt("scope", "audit.read.all openid https://graph.example.com/.default")), nil},
		{"empty optional strings mean unset", doc(nil, tgt("auth_method", "", "basic_auth_encoding", "", "value_format", "", "refresh_before", "", "default_lifetime", "", "scope", "", "issuer", "")), func(t *testing.T, tg Target) {
			want := Target{Name: "a", SecretID: "s/a", ParameterName: "/tokens/a", TokenURL: "https://idp.example.com/token",
				BasicAuthEncoding: "form", RefreshBefore: 30 * time.Minute, DefaultLifetime: time.Hour, ValueFormat: "json", WarnBefore: DefaultWarnBefore}
			if !reflect.DeepEqual(tg, want) {
				t.Errorf("target = %+v; want %+v", tg, want)
			}
		}},
		{"params", doc(nil, tgt("params", map[string]any{"audience": "https://api.example.com", "resource": ""})), func(t *testing.T, tg Target) {
			want := map[string]string{"audience": "https://api.example.com", "resource": ""}
			if !reflect.DeepEqual(tg.Params, want) {
				t.Errorf("Params = %q; want %q", tg.Params, want)
			}
		}},
		{"secret ARN", doc(nil, tgt("secret_id", "arn:aws:secretsmanager:us-east-1:111122223333:secret:aos/audit-app-AbCdEf")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse = %v; want nil", err)
			}
			if tt.check != nil {
				tt.check(t, cfg.Targets[0])
			}
		})
	}
}

func TestParseDefaultsPrecedence(t *testing.T) {
	t.Parallel()
	defaults := map[string]any{
		"secret_id":           "shared/secret",
		"issuer":              "https://idp.example.com",
		"auth_method":         "client_secret_basic",
		"basic_auth_encoding": "raw",
		"scope":               "read",
		"params":              map[string]any{"audience": "default-aud", "resource": "default-res"},
		"refresh_before":      "10m",
		"default_lifetime":    "2h",
		"value_format":        "raw",
		"kms_key_id":          "alias/default",
	}
	own := map[string]any{
		"name":           "own",
		"parameter_name": "/t/own",
		"secret_id":      "own/secret",
		"issuer":         "",
		"token_url":      "https://other.example.com/token",
		"auth_method":    "private_key_jwt",
		"scope":          "",
		"params":         map[string]any{"resource": "own-res", "extra": "x"},
		"refresh_before": "5m",
		"value_format":   "json",
	}
	cfg, err := Parse([]byte(doc(defaults, own, map[string]any{"name": "inherits", "parameter_name": "/t/inherits"})))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	want := []Target{{
		Name: "own", SecretID: "own/secret", ParameterName: "/t/own", TokenURL: "https://other.example.com/token",
		AuthMethod: "private_key_jwt", BasicAuthEncoding: "raw",
		Params:        map[string]string{"audience": "default-aud", "resource": "own-res", "extra": "x"},
		RefreshBefore: 5 * time.Minute, DefaultLifetime: 2 * time.Hour, ValueFormat: "json", KMSKeyID: "alias/default", WarnBefore: DefaultWarnBefore,
	}, {
		Name: "inherits", SecretID: "shared/secret", ParameterName: "/t/inherits", Issuer: "https://idp.example.com",
		AuthMethod: "client_secret_basic", BasicAuthEncoding: "raw", Scope: "read",
		Params:        map[string]string{"audience": "default-aud", "resource": "default-res"},
		RefreshBefore: 10 * time.Minute, DefaultLifetime: 2 * time.Hour, ValueFormat: "raw", KMSKeyID: "alias/default", WarnBefore: DefaultWarnBefore,
	}}
	for i := range want {
		if !reflect.DeepEqual(cfg.Targets[i], want[i]) {
			t.Errorf("Targets[%d]:\n got %+v\nwant %+v", i, cfg.Targets[i], want[i])
		}
	}
}

func TestParseDefaultsDoNotShareMaps(t *testing.T) {
	t.Parallel()
	cfg, err := Parse([]byte(doc(map[string]any{"params": map[string]any{"audience": "a"}}, tgt(), tgt("name", "b", "parameter_name", "/t/b"))))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	cfg.Targets[0].Params["audience"] = "changed"
	if got := cfg.Targets[1].Params["audience"]; got != "a" {
		t.Errorf("Targets[1].Params[audience] = %q after changing Targets[0]; want %q", got, "a")
	}
}

func TestParseInstances(t *testing.T) {
	t.Parallel()
	d := doc(map[string]any{"auth_method": "client_secret_basic", "secret_id": "acronis/{instance}"},
		map[string]any{
			"name":           "acronis",
			"instances":      []string{"eu8", "us5"},
			"token_url":      "https://{instance}-cloud.acronis.com/bc/idp/token",
			"parameter_name": "/tokens/acronis/{instance}",
			"scope":          "scope:{instance}",
			"params":         map[string]any{"audience": "https://{instance}.example.com", "fixed": "f"},
			"kms_key_id":     "alias/acronis",
		})
	cfg, err := Parse([]byte(d))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	mk := func(inst string) Target {
		return Target{
			Name: "acronis." + inst, Group: "acronis", SecretID: "acronis/" + inst, ParameterName: "/tokens/acronis/" + inst,
			TokenURL: "https://" + inst + "-cloud.acronis.com/bc/idp/token", AuthMethod: "client_secret_basic",
			BasicAuthEncoding: "form", Scope: "scope:" + inst,
			Params:        map[string]string{"audience": "https://" + inst + ".example.com", "fixed": "f"},
			RefreshBefore: DefaultRefreshBefore, DefaultLifetime: oauth.DefaultLifetime, ValueFormat: "json", KMSKeyID: "alias/acronis", WarnBefore: DefaultWarnBefore,
		}
	}
	want := []Target{mk("eu8"), mk("us5")}
	if !reflect.DeepEqual(cfg.Targets, want) {
		t.Errorf("Targets:\n got %+v\nwant %+v", cfg.Targets, want)
	}
}

func TestValidationErrorString(t *testing.T) {
	t.Parallel()
	err := &ValidationError{Problems: []Problem{
		{Target: "aos-audit", Field: "token_url", Message: "must be https (or a loopback host)"},
		{Target: "targets[1]", Field: "name", Message: "required"},
		{Field: "defaults.name", Message: "not allowed"},
		{Message: "malformed JSON"},
	}}
	want := `config: invalid document: target "aos-audit": token_url: must be https (or a loopback host); targets[1]: name: required; defaults.name: not allowed; malformed JSON`
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	err.Source = "SSM parameter /cfg"
	want = `config: invalid document (from SSM parameter /cfg): target "aos-audit"`
	if got := err.Error(); !strings.HasPrefix(got, want) {
		t.Errorf("Error() = %q; want prefix %q", got, want)
	}
}

// TestParseNeverEchoesValues checks that a value (which might be a secret
// pasted in the wrong place) never appears in a problem.
func TestParseNeverEchoesValues(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3t-Valu3-Zq9"
	d := doc(map[string]any{"scope": "\"" + secret},
		tgt("token_url", "https://id:"+secret+"@idp.example.com/token?client_secret="+secret,
			"params", map[string]any{"client_secret": secret}, "secret_id", secret+" x", "auth_method", secret,
			"refresh_before", secret, "kms_key_id", secret+" ", "value_format", secret))
	_, err := Parse([]byte(d))
	if err == nil {
		t.Fatal("Parse = nil; want an error")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error repeats a value: %v", err)
	}
}
