package main_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/metrics"
	"github.com/tokenrelay/tokenrelay/internal/testkit/eventtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// TestBootstrapSignals runs the built refresher with EVENT_BUS_NAME set, as
// the template sets it: stdout carries one EMF line per target, and the
// default bus one Token Refreshed event per refreshed target (README:
// "Metrics and alarms", "Token Refreshed events").
func TestBootstrapSignals(t *testing.T) {
	w := refreshtest.NewWorld(t)
	queue := eventtest.Listen(t, testenv.AWSConfig(t, w.AWS.Endpoint), "")
	bootstrap := testenv.GoBuild(t, "./functions/refresher", t.TempDir())
	out := &testenv.Buffer{}
	env := append(testenv.AWSEnv(w.AWS.Endpoint),
		"REFRESHER_CONFIG_PARAMETER="+refreshtest.ConfigParameter, "EVENT_BUS_NAME=default")
	res := invoke(t, start(t, bootstrap, env, out), `{}`)
	if res.Error == nil {
		t.Fatalf("run succeeded with %s; want an error naming the failing targets", res.Payload)
	}

	var targets []string
	for line := range strings.Lines(out.String()) {
		if !strings.Contains(line, `"_aws"`) {
			continue
		}
		rec, err := metrics.Parse([]byte(line))
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		if rec.Dimensions["FunctionName"] != "refresher" || !slices.EqualFunc(rec.DimensionSets, [][]string{{"FunctionName", "Target"}, {"FunctionName"}}, slices.Equal) {
			t.Errorf("metrics line with dimensions %v, sets %q; want FunctionName refresher (the function's name), rolled up to it", rec.Dimensions, rec.DimensionSets)
		}
		targets = append(targets, rec.Dimensions["Target"])
	}
	slices.Sort(targets)
	want := slices.Sorted(slices.Values(append(slices.Clone(refreshtest.Good), refreshtest.FailingOrder...)))
	if !slices.Equal(targets, want) {
		t.Errorf("got metrics lines for %q; want one per target %q", targets, want)
	}
	var refreshed []string
	for _, e := range queue.Receive(t, len(refreshtest.Good)) {
		var d struct {
			Target string `json:"target"`
		}
		_ = json.Unmarshal(e.Detail, &d)
		refreshed = append(refreshed, d.Target)
	}
	slices.Sort(refreshed)
	if want := slices.Sorted(slices.Values(refreshtest.Good)); !slices.Equal(refreshed, want) {
		t.Errorf("got events for %q; want one per refreshed target %q", refreshed, want)
	}
	for i, text := range append(queue.Raw, out.String()) {
		refreshtest.AssertNoSecrets(t, "output "+string(rune('A'+i)), text, w.Sensitive(t))
	}
}
