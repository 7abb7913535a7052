package samtemplate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/targets"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "events", name))
	if err != nil {
		t.Fatalf("read events/%s: %v", name, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("events/%s: %v", name, err)
	}
}

// TestScheduledEvents checks that the sample scheduled events have the shape
// EventBridge sends, which is how the handlers recognise them.
func TestScheduledEvents(t *testing.T) {
	for _, name := range []string{"refresher-scheduled.json", "auditpull-scheduled.json"} {
		t.Run(name, func(t *testing.T) {
			var ev struct {
				Version    string          `json:"version"`
				ID         string          `json:"id"`
				DetailType string          `json:"detail-type"`
				Source     string          `json:"source"`
				Account    string          `json:"account"`
				Time       time.Time       `json:"time"`
				Region     string          `json:"region"`
				Resources  []string        `json:"resources"`
				Detail     json.RawMessage `json:"detail"`
			}
			readJSON(t, name, &ev)
			if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" {
				t.Errorf("got source %q detail-type %q; want aws.events, Scheduled Event", ev.Source, ev.DetailType)
			}
			if ev.Version != "0" || ev.ID == "" || ev.Account == "" || ev.Region == "" || ev.Time.IsZero() || string(ev.Detail) != "{}" {
				t.Errorf("got %+v; want every field of an EventBridge Scheduled Event", ev)
			}
			if len(ev.Resources) != 1 || !strings.HasPrefix(ev.Resources[0], "arn:aws:events:") {
				t.Errorf("got resources %q; want the rule ARN", ev.Resources)
			}
		})
	}
}

// exampleConfig is the part of the refresher config the events refer to.
type exampleConfig struct {
	Defaults map[string]any `json:"defaults"`
	Targets  []struct {
		Name              string            `json:"name"`
		SecretID          string            `json:"secret_id"`
		ParameterName     string            `json:"parameter_name"`
		TokenURL          string            `json:"token_url"`
		Issuer            string            `json:"issuer"`
		AuthMethod        string            `json:"auth_method"`
		BasicAuthEncoding string            `json:"basic_auth_encoding"`
		Instances         []string          `json:"instances"`
		Scope             string            `json:"scope"`
		Params            map[string]string `json:"params"`
		RefreshBefore     string            `json:"refresh_before"`
		DefaultLifetime   string            `json:"default_lifetime"`
		ValueFormat       string            `json:"value_format"`
		KMSKeyID          string            `json:"kms_key_id"`
	} `json:"targets"`
}

// TestEventsMatchTemplate checks the user-facing files against the template
// defaults: the example config writes where the stack lets the refresher
// write and where the audit pull reads; the forced refresh names a target
// that exists; env.local.json overrides only variables SAM CLI will pass on
// (it ignores any the template does not declare).
func TestEventsMatchTemplate(t *testing.T) {
	doc := loadTemplate(t)
	var cfg exampleConfig
	readJSON(t, "refresher-config.example.json", &cfg)

	prefix := parameterDefaults(doc, "TokenPathPrefix")[0]
	auditToken := parameterDefaults(doc, "AuditTokenParameterName")[0]
	var names, params, methods []string
	for _, tg := range cfg.Targets {
		names = append(names, tg.Name)
		params = append(params, tg.ParameterName)
		methods = append(methods, tg.AuthMethod)
		if !strings.HasPrefix(tg.ParameterName, prefix) {
			t.Errorf("target %s: got parameter_name %q; want it under TokenPathPrefix %q", tg.Name, tg.ParameterName, prefix)
		}
		if len(tg.Instances) > 0 && !strings.Contains(tg.ParameterName, "{instance}") {
			t.Errorf("target %s: got parameter_name %q; want {instance} in it", tg.Name, tg.ParameterName)
		}
		if (tg.TokenURL == "") == (tg.Issuer == "") {
			t.Errorf("target %s: want exactly one of token_url and issuer", tg.Name)
		}
	}
	if !slices.Contains(params, auditToken) {
		t.Errorf("got parameter names %q; want the audit pull's token %q among them", params, auditToken)
	}
	for _, m := range []string{"private_key_jwt", "client_secret_post", "client_secret_basic", "client_secret_query"} {
		if !slices.Contains(methods, m) {
			t.Errorf("got auth methods %q; want an example of %s", methods, m)
		}
	}

	var force struct {
		Targets []string `json:"targets"`
		Force   bool     `json:"force"`
	}
	readJSON(t, "refresher-force-one.json", &force)
	if len(force.Targets) != 1 || !slices.Contains(names, force.Targets[0]) || !force.Force {
		t.Errorf("got %+v; want force of one target of the example config %q", force, names)
	}

	var backfill struct {
		StartTime time.Time `json:"start_time"`
		EndTime   time.Time `json:"end_time"`
	}
	readJSON(t, "auditpull-backfill.json", &backfill)
	if !backfill.EndTime.After(backfill.StartTime) {
		t.Errorf("got backfill %v to %v; want end after start", backfill.StartTime, backfill.EndTime)
	}

	var env map[string]map[string]string
	readJSON(t, "env.local.json", &env)
	for fn, vars := range env {
		if !slices.Contains(functionNames(doc), fn) {
			t.Errorf("env.local.json: got key %q; want a function logical id of template.yaml", fn)
			continue
		}
		declared := mapAt(functionProps(doc, fn), "Environment", "Variables")
		for k := range vars {
			if _, ok := declared[k]; !ok {
				t.Errorf("env.local.json: %s.%s is not declared in template.yaml, so sam local ignores it", fn, k)
			}
		}
		for k := range declared {
			if _, ok := vars[k]; !ok {
				t.Errorf("env.local.json: %s lacks %s", fn, k)
			}
		}
	}
	if len(env) != len(functionNames(doc)) {
		t.Errorf("env.local.json: got %d functions; want %d", len(env), len(functionNames(doc)))
	}
}

// TestAuditPullEventsParse runs every events/auditpull-*.json through the
// audit pull's own event decoder, so each sample users invoke it with is
// accepted, and is the kind of run its name says.
func TestAuditPullEventsParse(t *testing.T) {
	names, err := filepath.Glob(filepath.Join(testenv.ModuleRoot(t), "events", "auditpull-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, path := range names {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		ev, err := auditpull.ParseEvent(data)
		if err != nil {
			t.Errorf("auditpull.ParseEvent(events/%s): %v", name, err)
			continue
		}
		var r *auditpull.Range
		switch {
		case ev.Verify != nil:
			kinds[name], r = "verify", &ev.Verify.Range
		case ev.Backfill != nil:
			kinds[name], r = "backfill", ev.Backfill
		default:
			kinds[name] = "scheduled"
		}
		if r != nil && (!r.End.After(r.Start) || r.End.Sub(r.Start) > auditpull.MaxMaxBackfill) {
			t.Errorf("events/%s: got %s range %v to %v; want end after start, at most %v", name, kinds[name], r.Start, r.End, auditpull.MaxMaxBackfill)
		}
	}
	want := map[string]string{
		"auditpull-backfill.json":  "backfill",
		"auditpull-scheduled.json": "scheduled",
		"auditpull-verify.json":    "verify",
	}
	for name, kind := range want {
		if kinds[name] != kind {
			t.Errorf("events/%s: got a %q run; want %s", name, kinds[name], kind)
		}
	}
}

// TestExampleConfigParses runs the example refresher config through the
// refresher's own parser, so the example users copy is always valid.
func TestExampleConfigParses(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "events", "refresher-config.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := targets.Parse(data)
	if err != nil {
		t.Fatalf("targets.Parse(events/refresher-config.example.json): %v", err)
	}
	var got []string
	for _, tg := range cfg.Targets {
		got = append(got, tg.Name+" "+tg.ParameterName)
	}
	want := []string{
		"aos-audit /tokenrelay/tokens/aos-audit",
		"aos-backup /tokenrelay/tokens/aos-backup",
		"aos-gov-audit /tokenrelay/tokens/aos-gov-audit",
		"acronis.eu8 /tokenrelay/tokens/acronis/eu8",
		"acronis.us5 /tokenrelay/tokens/acronis/us5",
		"virtana /tokenrelay/tokens/virtana",
		"identityserver-api /tokenrelay/tokens/identityserver-api",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got targets %q; want %q", got, want)
	}
}
