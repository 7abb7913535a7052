package refreshtest

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// ConfigParameter is the SSM parameter holding the World's configuration.
const ConfigParameter = "/tokenrelay/refresher-config"

// Failing lists the World's failing targets and a piece of the error each
// must report.
var Failing = map[string]string{
	"huge":       "exceeds the 8192-byte limit",
	"bad-secret": "client_secret",
	"refused":    "invalid_client",
	"html":       "text/html",
	"insecure":   "https",
	"echo":       "invalid_client",
	"bad-pfx":    "pfx_password",
}

// Good lists the World's targets that succeed, in configuration order, and
// Failing's names follow them in this order.
var Good = []string{"aos-secret", "aos-pem", "aos-pfx", "long"}

// FailingOrder is the configuration order of the failing targets.
var FailingOrder = []string{"huge", "bad-secret", "refused", "html", "insecure", "echo", "bad-pfx"}

// World is moto_server with secrets in the three formats and a
// configuration in SSM, a local AvePoint and the Faults endpoint: four
// targets that succeed and seven that fail, each in its own way.
type World struct {
	AWS      *AWS
	AvePoint *localavepoint.Server
	Faults   *Faults
	Keys     *Keypair
	// Old holds the values stored before the first run for the failing
	// targets (expired, so that they are due): they must stay intact.
	Old map[string]string
	// secrets are every credential put in Secrets Manager.
	secrets []string
}

// aosSecret is the AvePoint client secret, with the characters that differ
// between Basic encodings.
const aosSecret = "aos+s3cr=t:with%chars"

// NewWorld starts and fills the World; everything stops when the test ends.
func NewWorld(t testing.TB) *World {
	t.Helper()
	w := &World{AWS: StartAWS(t), Keys: NewKeypair(t, "tokenrelay-test"), Faults: &Faults{}, Old: map[string]string{}}
	w.AvePoint = StartAvePoint(t, localavepoint.Config{Clients: []localavepoint.Client{
		{ID: "aos-secret-app", Secret: aosSecret, Scopes: []string{localavepoint.AuditScope}},
		{ID: "aos-pem-app", Certificate: w.Keys.Cert, Scopes: []string{localavepoint.AuditScope}},
		{ID: "aos-pfx-app", Certificate: w.Keys.Cert, Scopes: []string{localavepoint.AuditScope, "platformbackup.readwrite.all"}},
	}})
	srv := httptest.NewServer(w.Faults)
	t.Cleanup(srv.Close)
	w.Faults.URL = srv.URL

	const faultSecret = "fault-client-s3cret"
	for name, value := range map[string]string{
		"app/aos-secret": SecretString("aos-secret-app", aosSecret),
		"app/aos-pem":    w.Keys.PEMSecret("aos-pem-app"),
		"app/aos-pfx":    w.Keys.PFXSecret("aos-pfx-app"),
		"app/fault":      SecretString("fault-app", faultSecret),
		"app/bad":        `{"client_id":"bad-app","client_secret":""}`,
		"app/bad-pfx":    badPFX(w.Keys),
	} {
		w.AWS.PutSecret(t, name, value)
	}
	w.secrets = append([]string{aosSecret, faultSecret, w.Keys.PFXPassword + "-wrong"}, w.Keys.Sensitive()...)

	for _, name := range FailingOrder {
		old, err := paramstore.Encode(paramstore.Value{AccessToken: "old-" + name, TokenType: "Bearer",
			ExpiresAt: time.Now().Add(-time.Minute).UTC(), IssuedAt: time.Now().Add(-time.Hour).UTC()}, paramstore.FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		w.AWS.PutParameter(t, "/tokens/"+name, old)
		w.Old[name] = old
	}
	w.AWS.PutParameter(t, ConfigParameter, w.Doc())
	return w
}

// badPFX is the PFX secret of k with a wrong password: close to the real
// one, so that a leak of either would show.
func badPFX(k *Keypair) string {
	return jsonObject(map[string]string{"client_id": "aos-pfx-app", "pfx": k.PFX, "pfx_password": k.PFXPassword + "-wrong"})
}

// StartAvePoint starts a local AvePoint on loopback for the test.
func StartAvePoint(t testing.TB, cfg localavepoint.Config) *localavepoint.Server {
	t.Helper()
	s := localavepoint.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("refreshtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Doc is the World's configuration document.
func (w *World) Doc() string {
	ave, f := w.AvePoint.URL(), w.Faults.URL
	targets := []map[string]any{
		{"name": "aos-secret", "secret_id": "app/aos-secret", "issuer": ave, "auth_method": "client_secret_post"},
		{"name": "aos-pem", "secret_id": "app/aos-pem", "issuer": ave},
		{"name": "aos-pfx", "secret_id": "app/aos-pfx", "issuer": ave, "auth_method": "private_key_jwt"},
		{"name": "long", "secret_id": "app/fault", "token_url": f + "/long", "scope": ""},
		{"name": "huge", "secret_id": "app/fault", "token_url": f + "/huge", "scope": ""},
		{"name": "bad-secret", "secret_id": "app/bad", "token_url": f + "/long", "scope": ""},
		{"name": "refused", "secret_id": "app/fault", "token_url": f + "/refuse", "scope": ""},
		{"name": "html", "secret_id": "app/fault", "token_url": f + "/html", "scope": ""},
		{"name": "insecure", "secret_id": "app/fault", "issuer": f + "/insecure", "scope": ""},
		{"name": "echo", "secret_id": "app/fault", "token_url": f + "/echo", "scope": ""},
		{"name": "bad-pfx", "secret_id": "app/bad-pfx", "issuer": ave},
	}
	for _, tg := range targets {
		tg["parameter_name"] = "/tokens/" + tg["name"].(string)
	}
	b, err := json.Marshal(map[string]any{"defaults": map[string]any{"scope": localavepoint.AuditScope, "refresh_before": "30m"}, "targets": targets})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TokenRequests counts the token requests both endpoints received.
func (w *World) TokenRequests() int {
	n := w.Faults.Requests()
	for _, c := range w.AvePoint.Stats().TokenRequests {
		n += c
	}
	return n
}

// CheckResult checks a result's JSON: exactly the three lists, refreshed
// and skipped as given, and failed holding the World's failing targets (in
// order, each named in its error with its expected reason) when failures is
// true, else empty.
func CheckResult(t testing.TB, payload []byte, refreshed, skipped []string, failures bool) {
	t.Helper()
	var res struct {
		Refreshed *[]string `json:"refreshed"`
		Skipped   *[]string `json:"skipped"`
		Failed    *[]struct {
			Target string `json:"target"`
			Error  string `json:"error"`
		} `json:"failed"`
	}
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil || res.Refreshed == nil || res.Skipped == nil || res.Failed == nil {
		t.Fatalf("result %s: %v; want the three lists, present", payload, err)
	}
	if !slices.Equal(*res.Refreshed, refreshed) || !slices.Equal(*res.Skipped, skipped) {
		t.Errorf("got refreshed %v, skipped %v; want %v, %v", *res.Refreshed, *res.Skipped, refreshed, skipped)
	}
	if !failures {
		if len(*res.Failed) != 0 {
			t.Errorf("got failures %v; want none", *res.Failed)
		}
		return
	}
	var names []string
	for _, f := range *res.Failed {
		names = append(names, f.Target)
		want := Failing[f.Target]
		if want == "" || !strings.Contains(f.Error, want) || !strings.Contains(f.Error, fmt.Sprintf("%q", f.Target)) {
			t.Errorf("target %s failed with %q; want an error naming it and containing %q", f.Target, f.Error, want)
		}
	}
	if !slices.Equal(names, FailingOrder) {
		t.Errorf("got failed targets %v; want %v", names, FailingOrder)
	}
}

// CheckOldIntact checks that no failing target's stored value changed.
func (w *World) CheckOldIntact(t testing.TB) {
	t.Helper()
	for name, old := range w.Old {
		p, ok := w.AWS.Parameter(t, "/tokens/"+name)
		if !ok || p.Value != old || p.Version != 1 {
			t.Errorf("failed target %s: stored value changed (version %d); want the old one intact", name, p.Version)
		}
	}
}

// Sensitive lists every secret and every token the World handed out or
// stored, for AssertNoSecrets.
func (w *World) Sensitive(t testing.TB) []string {
	t.Helper()
	out := append(slices.Clone(w.secrets), w.Faults.Issued()...)
	for _, name := range Good {
		if p, ok := w.AWS.Parameter(t, "/tokens/"+name); ok {
			v, _, err := paramstore.Decode(p.Value)
			if err == nil {
				out = append(out, v.AccessToken)
			}
		}
	}
	return out
}

// LastResult returns the result of the last "refresh finished" record in
// logs: aws-lambda-go returns only the error of a failed invocation, so the
// result is read from the log.
func LastResult(t testing.TB, logs string) []byte {
	t.Helper()
	var last []byte
	for line := range strings.Lines(logs) {
		var rec struct {
			Message string          `json:"message"`
			Result  json.RawMessage `json:"result"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Message == "refresh finished" {
			last = rec.Result
		}
	}
	if last == nil {
		t.Fatalf("refreshtest: no summary record in the logs:\n%s", logs)
	}
	return last
}
