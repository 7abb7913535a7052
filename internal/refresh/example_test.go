package refresh_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/refresh"
	"github.com/tokenrelay/tokenrelay/internal/targets"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// Secrets holding the characters on which the two Basic encodings differ.
const (
	acronisSecretEU = "eu8+s3cr=t:x%41y"
	acronisSecretUS = "us5/s3+cr=t%:z"
	idsrvSecret     = "id+srv=sec:ret%25"
	virtanaSecret   = "virtana-s3cr3t+/="
	backupSecret    = "backup+sec=ret:%"
)

// exampleWorld serves every provider of events/refresher-config.example.json
// on loopback, with the example rewritten to point at them.
type exampleWorld struct {
	aws      *refreshtest.AWS
	ave, gov *localavepoint.Server
	acronis  *refreshtest.Acronis
	virtana  *refreshtest.Virtana
	idsrv    *localavepoint.Server
	doc      string
	secrets  []string
}

func newExampleWorld(t *testing.T) *exampleWorld {
	t.Helper()
	example, err := os.ReadFile(filepath.Join("..", "..", "events", "refresher-config.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	keys := refreshtest.NewKeypair(t, "aos-audit")
	w := &exampleWorld{
		aws: refreshtest.StartAWS(t),
		ave: refreshtest.StartAvePoint(t, localavepoint.Config{Clients: []localavepoint.Client{
			{ID: "aos-audit-app", Certificate: keys.Cert, Scopes: []string{"audit.read.all"}},
			{ID: "aos-backup-app", Secret: backupSecret, Scopes: []string{"platformbackup.readwrite.all"}},
		}}),
		gov: refreshtest.StartAvePoint(t, localavepoint.Config{Clients: []localavepoint.Client{
			{ID: "aos-gov-app", Certificate: keys.Cert, Scopes: []string{"audit.read.all"}},
		}}),
		acronis: &refreshtest.Acronis{Clients: map[string]string{"acronis-eu8": acronisSecretEU, "acronis-us5": acronisSecretUS}},
		virtana: &refreshtest.Virtana{Clients: map[string]string{"virtana-app": virtanaSecret}},
		idsrv: refreshtest.StartAvePoint(t, localavepoint.Config{Clients: []localavepoint.Client{
			{ID: "orders-app", Secret: idsrvSecret, Scopes: []string{"orders.read", "invoices.read"}},
		}}),
	}
	urls := map[string]string{}
	for name, h := range map[string]http.Handler{"acronis": w.acronis, "virtana": w.virtana} {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls[name] = srv.URL
	}
	w.doc = strings.NewReplacer(
		"https://identity.avepointonlineservices.com", w.ave.URL(),
		"https://identity-gov.avepointonlineservices.com", w.gov.URL(),
		"https://{instance}-cloud.acronis.com", urls["acronis"],
		"https://app.cloud.virtana.com", urls["virtana"],
		"https://auth.example.com", w.idsrv.URL(),
	).Replace(string(example))
	if strings.Contains(w.doc, "https://") {
		t.Fatalf("the example names a provider this test does not serve:\n%s", w.doc)
	}
	for name, value := range map[string]string{
		"tokenrelay/aos-audit-cert":     keys.PFXSecret("aos-audit-app"),
		"tokenrelay/aos-backup-secret":  refreshtest.SecretString("aos-backup-app", backupSecret),
		"tokenrelay/aos-gov-audit-cert": keys.PEMSecret("aos-gov-app"),
		"tokenrelay/acronis/eu8":        refreshtest.SecretString("acronis-eu8", acronisSecretEU),
		"tokenrelay/acronis/us5":        refreshtest.SecretString("acronis-us5", acronisSecretUS),
		"tokenrelay/virtana":            refreshtest.SecretString("virtana-app", virtanaSecret),
		"tokenrelay/identityserver-api": refreshtest.SecretString("orders-app", idsrvSecret),
	} {
		w.aws.PutSecret(t, name, value)
	}
	w.secrets = append([]string{acronisSecretEU, acronisSecretUS, idsrvSecret, virtanaSecret, backupSecret}, keys.Sensitive()...)
	return w
}

// TestExampleConfigPerProvider runs the committed example configuration
// against local stand-ins of every provider style it names: AvePoint by
// discovery with a PFX certificate (private_key_jwt, x5t/kid) and a client
// secret (client_secret_post), AvePoint U.S. Government with a PEM key,
// Acronis in two data centers with raw Basic credentials and expires_on,
// Virtana by query string with expires_in as a string and a refresh token,
// and a generic IdentityServer with form-encoded Basic and a raw value.
func TestExampleConfigPerProvider(t *testing.T) {
	w := newExampleWorld(t)
	logs := &testenv.Buffer{}
	r := wire(w.aws, "", logs)
	doc := w.doc
	r.Config = targets.Loader{Getenv: func(k string) string {
		if k == targets.EnvInline {
			return doc
		}
		return ""
	}}
	all := []string{"aos-audit", "aos-backup", "aos-gov-audit", "acronis.eu8", "acronis.us5", "virtana", "identityserver-api"}
	ctx := context.Background()

	scheduled, err := refresh.ParseEvent([]byte(`{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`))
	if err != nil {
		t.Fatalf("ParseEvent: %v", err)
	}
	res, err := r.Run(ctx, scheduled)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !slices.Equal(res.Refreshed, all) {
		t.Fatalf("got refreshed %v; want %v", res.Refreshed, all)
	}
	for name, p := range map[string][]string{"acronis": w.acronis.Problems(), "virtana": w.virtana.Problems()} {
		if len(p) != 0 {
			t.Errorf("%s refused requests: %v", name, p)
		}
	}
	if st := w.idsrv.Stats(); len(st.TokenRejections) != 0 || st.TokenRequests["client_secret_basic"] != 1 {
		t.Errorf("identityserver: got token requests %v, refusals %v; want one client_secret_basic, none refused", st.TokenRequests, st.TokenRejections)
	}
	if got := w.ave.Stats().TokenRequests; got["private_key_jwt"] != 1 || got["client_secret_post"] != 1 || w.ave.Stats().TokensIssued != 2 {
		t.Errorf("got AvePoint token requests %v; want one private_key_jwt and one client_secret_post, both issued", got)
	}
	if got := w.gov.Stats(); got.TokenRequests["private_key_jwt"] != 1 || got.TokensIssued != 1 {
		t.Errorf("got AvePoint gov token requests %v; want one private_key_jwt, issued", got.TokenRequests)
	}

	stored := func(name string) (paramstore.Value, paramstore.Format, string) {
		t.Helper()
		p, ok := w.aws.Parameter(t, "/tokenrelay/tokens/"+name)
		if !ok {
			t.Fatalf("nothing stored for %s", name)
		}
		v, f, err := paramstore.Decode(p.Value)
		if err != nil {
			t.Fatalf("stored value of %s: %v", name, err)
		}
		return v, f, p.Value
	}
	// Acronis: expiry from expires_on; its lowercase "bearer" is stored as
	// "Bearer" (token types are case-insensitive, RFC 6749 §5.1).
	for _, dc := range []string{"eu8", "us5"} {
		v, f, _ := stored("acronis/" + dc)
		if f != paramstore.FormatJSON || v.TokenType != "Bearer" || !near(v.ExpiresAt, time.Now().Add(2*time.Hour)) {
			t.Errorf("acronis %s: got %s %v; want JSON, token_type Bearer, expiring in 2h", dc, f, v)
		}
	}
	// Virtana: expires_in as a string, the refresh token dropped.
	v, _, raw := stored("virtana")
	if !near(v.ExpiresAt, time.Now().Add(12*time.Hour)) || v.Scope != "Scope" {
		t.Errorf("virtana: got %v; want expiry in 12h and the granted scope", v)
	}
	issued := w.virtana.Issued()
	if len(issued) != 2 || v.AccessToken != issued[0] || strings.Contains(raw, issued[1]) || strings.Contains(raw, "refresh") {
		t.Errorf("virtana: stored value holds the refresh token or not the access token")
	}
	// IdentityServer: the raw JWT alone.
	v, f, raw := stored("identityserver-api")
	if f != paramstore.FormatRaw || raw != w.idsrv.Issued()[0] || !near(v.ExpiresAt, time.Now().Add(time.Hour)) {
		t.Errorf("identityserver: got format %s, expiry %v; want the raw JWT expiring in 1h", f, v.ExpiresAt)
	}
	for _, name := range []string{"aos-audit", "aos-backup", "aos-gov-audit"} {
		v, _, _ := stored(name)
		if v.TokenType != "Bearer" || v.AccessToken == "" {
			t.Errorf("%s: got %v; want a Bearer token", name, v)
		}
	}

	// Every token is fresh now: no provider is asked again.
	requests := w.acronis.Requests() + w.virtana.Requests() + w.idsrv.Stats().TokensIssued + w.ave.Stats().TokensIssued + w.gov.Stats().TokensIssued
	res, err = r.Run(ctx, refresh.Event{})
	if err != nil || !slices.Equal(res.Skipped, all) {
		t.Fatalf("second run: got %+v, %v; want every target skipped", res, err)
	}
	if now := w.acronis.Requests() + w.virtana.Requests() + w.idsrv.Stats().TokensIssued + w.ave.Stats().TokensIssued + w.gov.Stats().TokensIssued; now != requests {
		t.Errorf("second run made %d token requests; want none", now-requests)
	}

	// The same secret, form-encoded, is refused by Acronis: the encoding
	// matters and the old token stays.
	before, _, _ := stored("acronis/eu8")
	doc = strings.Replace(doc, `"basic_auth_encoding": "raw"`, `"basic_auth_encoding": "form"`, 1)
	res, err = r.Run(ctx, refresh.Event{Targets: []string{"acronis"}, Force: true})
	if err == nil || len(res.Failed) != 2 || !strings.Contains(res.Failed[0].Error, "invalid_client") {
		t.Errorf("form-encoded Basic to Acronis: got %+v, %v; want both instances refused with invalid_client", res, err)
	}
	if after, _, _ := stored("acronis/eu8"); after.AccessToken != before.AccessToken {
		t.Error("a refused refresh replaced the stored Acronis token")
	}

	sensitive := append(slices.Clone(w.secrets), w.acronis.Issued()...)
	sensitive = append(sensitive, w.virtana.Issued()...)
	sensitive = append(sensitive, w.idsrv.Issued()...)
	for _, name := range []string{"aos-audit", "aos-backup", "aos-gov-audit"} {
		v, _, _ := stored(name)
		sensitive = append(sensitive, v.AccessToken)
	}
	refreshtest.AssertNoSecrets(t, "logs", logs.String(), sensitive)
	refreshtest.AssertNoSecrets(t, "error", err.Error(), sensitive)
}

// near reports whether got is within a minute of want.
func near(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -time.Minute && d < time.Minute
}
