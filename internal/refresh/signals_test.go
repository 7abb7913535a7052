package refresh_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/tokenrelay/tokenrelay/internal/eventbus"
	"github.com/tokenrelay/tokenrelay/internal/metrics"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/refresh"
	"github.com/tokenrelay/tokenrelay/internal/testkit/eventtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// withField sets field of target name in the configuration document doc.
func withField(t *testing.T, doc, name, field, value string) string {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	for _, tg := range d["targets"].([]any) {
		if m := tg.(map[string]any); m["name"] == name {
			m[field] = value
		}
	}
	b, _ := json.Marshal(d)
	return string(b)
}

// TestSignalsAgainstMoto runs the refresher against moto_server and reads
// back what operators see: one EMF line per target, parsed as CloudWatch
// parses it, with the certificate's real NotAfter for the PEM and PFX
// targets; a warning for a certificate within warn_before; and a Token
// Refreshed event per refreshed target, delivered by an EventBridge rule to
// an SQS queue, without the token.
func TestSignalsAgainstMoto(t *testing.T) {
	w := refreshtest.NewWorld(t)
	// The certificate expires in 24h: within the default 30 days for
	// aos-pfx, beyond aos-pem's 1h.
	w.AWS.PutParameter(t, refreshtest.ConfigParameter, withField(t, w.Doc(), "aos-pem", "warn_before", "1h"))
	cfg := testenv.AWSConfig(t, w.AWS.Endpoint)
	queue := eventtest.Listen(t, cfg, "")
	logs, emf := &testenv.Buffer{}, &testenv.Buffer{}
	r := wire(w.AWS, refreshtest.ConfigParameter, logs)
	r.Metrics, r.FunctionName = &metrics.Writer{W: emf}, "stack-Refresher"
	r.Events = &eventbus.Publisher{API: eventbridge.NewFromConfig(cfg)}
	_, errText := invoke(t, lambda.NewHandler(r.Handle), `{}`)
	if errText == "" {
		t.Fatal("got a run without failures; the World's failing targets must fail")
	}

	records := map[string]metrics.Record{}
	for line := range strings.Lines(emf.String()) {
		rec, err := metrics.Parse([]byte(line))
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		if rec.Namespace != "TokenRelay" || !slices.EqualFunc(rec.DimensionSets, [][]string{{"FunctionName", "Target"}, {"FunctionName"}}, slices.Equal) ||
			rec.Dimensions["FunctionName"] != "stack-Refresher" {
			t.Errorf("got namespace %q, dimension sets %q, %v; want TokenRelay, [[FunctionName Target] [FunctionName]], FunctionName stack-Refresher",
				rec.Namespace, rec.DimensionSets, rec.Dimensions)
		}
		records[rec.Dimensions["Target"]] = rec
	}
	all := append(slices.Clone(refreshtest.Good), refreshtest.FailingOrder...)
	if len(records) != len(all) {
		t.Errorf("got metrics for %d targets; want one line for each of %d", len(records), len(all))
	}
	notAfter := w.Keys.Cert.NotAfter
	for _, name := range all {
		rec, ok := records[name]
		if !ok {
			t.Errorf("target %s: no metrics line", name)
			continue
		}
		_, failing := refreshtest.Failing[name]
		if got := rec.Values[refresh.MetricRefreshFailures]; got != map[bool]float64{false: 0, true: 1}[failing] || rec.Units[refresh.MetricRefreshFailures] != "Count" {
			t.Errorf("target %s: got RefreshFailures %v %s; want %v Count", name, got, rec.Units[refresh.MetricRefreshFailures], failing)
		}
		left, hasLeft := rec.Values[refresh.MetricTokenSecondsToExpiry]
		switch {
		case !failing && name != "long" && (left < 3500 || left > 3600):
			t.Errorf("target %s: got TokenSecondsToExpiry %v; want about 3600 for the new 1h token", name, left)
		case failing && name != "huge" && (!hasLeft || left > -50 || left < -120):
			// The old value, expired a minute before the run, is still stored.
			t.Errorf("target %s: got TokenSecondsToExpiry %v (present %v); want about -60", name, left, hasLeft)
		}
		days, hasDays := rec.Values[refresh.MetricCredentialDaysToExpiry]
		if name == "aos-pem" || name == "aos-pfx" {
			want := notAfter.Sub(rec.Time).Hours() / 24
			if !hasDays || math.Abs(days-want) > 0.011 || rec.Units[refresh.MetricCredentialDaysToExpiry] != "None" {
				t.Errorf("target %s: got CredentialDaysToExpiry %v (present %v); want %.3f from the certificate's NotAfter %v", name, days, hasDays, want, notAfter)
			}
		} else if hasDays {
			t.Errorf("target %s: got CredentialDaysToExpiry %v; want none without a certificate", name, days)
		}
	}

	var warned []string
	for _, rec := range logs.Lines(t) {
		if rec["message"] == "certificate expires soon" {
			if rec["level"] != "WARN" || rec["not_after"] != notAfter.UTC().Format(time.RFC3339) {
				t.Errorf("got warning %v; want level WARN and not_after %s", rec, notAfter.UTC().Format(time.RFC3339))
			}
			warned = append(warned, rec["target"].(string))
		}
	}
	if !slices.Equal(warned, []string{"aos-pfx"}) {
		t.Errorf("got certificate warnings for %q; want aos-pfx only (aos-pem warns within 1h)", warned)
	}

	events := queue.Receive(t, len(refreshtest.Good))
	var refreshed []string
	for _, e := range events {
		var d struct {
			Target        string    `json:"target"`
			ParameterName string    `json:"parameter_name"`
			ExpiresAt     time.Time `json:"expires_at"`
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil || e.Source != "tokenrelay" || e.DetailType != "Token Refreshed" {
			t.Fatalf("got event %+v (%v); want a Token Refreshed event of tokenrelay", e, err)
		}
		p, _ := w.AWS.Parameter(t, d.ParameterName)
		v, _, _ := paramstore.Decode(p.Value)
		if d.ParameterName != "/tokens/"+d.Target || !d.ExpiresAt.Equal(v.ExpiresAt) {
			t.Errorf("got event detail %+v; want the parameter /tokens/%s and its stored expiry %v", d, d.Target, v.ExpiresAt)
		}
		refreshed = append(refreshed, d.Target)
	}
	slices.Sort(refreshed)
	if want := slices.Sorted(slices.Values(refreshtest.Good)); !slices.Equal(refreshed, want) {
		t.Errorf("got events for %q; want one per refreshed target %q", refreshed, want)
	}
	sensitive := w.Sensitive(t)
	for i, text := range append(queue.Raw, emf.String(), logs.String()) {
		refreshtest.AssertNoSecrets(t, "signal text "+string(rune('A'+i)), text, sensitive)
	}
}
