package metrics_test

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/metrics"
)

func TestPut(t *testing.T) {
	var buf bytes.Buffer
	w := &metrics.Writer{W: &buf}
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	err := w.Put(now, "target metrics", map[string]string{"Target": "aos-audit", "FunctionName": "stack-Refresher"}, []string{"FunctionName"},
		metrics.Metric{Name: "TokenSecondsToExpiry", Unit: metrics.Seconds, Value: -12.5},
		metrics.Metric{Name: "RefreshFailures", Unit: metrics.Count, Value: 1})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "\n") != 1 {
		t.Fatalf("got %q; want one line", buf.String())
	}
	rec, err := metrics.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := metrics.Record{
		Namespace: "TokenRelay", Time: now, DimensionSets: [][]string{{"FunctionName", "Target"}, {"FunctionName"}},
		Dimensions: map[string]string{"Target": "aos-audit", "FunctionName": "stack-Refresher"},
		Values:     map[string]float64{"TokenSecondsToExpiry": -12.5, "RefreshFailures": 1},
		Units:      map[string]string{"TokenSecondsToExpiry": "Seconds", "RefreshFailures": "Count"},
	}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("got %+v; want %+v", rec, want)
	}
}

// Without a rollup list the metrics are also published without dimensions.
func TestPutRollsUpToNone(t *testing.T) {
	var buf bytes.Buffer
	if err := (&metrics.Writer{W: &buf}).Put(time.Now(), "m", map[string]string{"Target": "t"}, nil,
		metrics.Metric{Name: "X", Unit: metrics.None, Value: 1}); err != nil {
		t.Fatal(err)
	}
	rec, err := metrics.Parse(buf.Bytes())
	if err != nil || !slices.EqualFunc(rec.DimensionSets, [][]string{{"Target"}, {}}, slices.Equal) {
		t.Errorf("got dimension sets %q, %v; want [[Target] []]", rec.DimensionSets, err)
	}
}

func TestPutNothing(t *testing.T) {
	var nilWriter *metrics.Writer
	if err := nilWriter.Put(time.Now(), "m", nil, nil, metrics.Metric{Name: "X", Value: 1}); err != nil {
		t.Errorf("got %v from a nil Writer; want nil", err)
	}
	var buf bytes.Buffer
	if err := (&metrics.Writer{W: &buf}).Put(time.Now(), "m", nil, nil); err != nil || buf.Len() != 0 {
		t.Errorf("got %v, %q with no metrics; want nothing written", err, buf.String())
	}
}

func TestPutConcurrentLinesStayWhole(t *testing.T) {
	var buf bytes.Buffer
	w := &metrics.Writer{W: &buf}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_ = w.Put(time.Now(), "m", map[string]string{"Target": "t"}, nil, metrics.Metric{Name: "X", Unit: metrics.None, Value: 1})
		})
	}
	wg.Wait()
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if _, err := metrics.Parse([]byte(line)); err != nil {
			t.Errorf("line %q: %v", line, err)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	tests := map[string]string{
		"not json":          `x`,
		"no _aws":           `{"X":1}`,
		"no timestamp":      `{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[{"Name":"X"}]}]},"X":1}`,
		"metric not number": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[{"Name":"X"}]}]},"X":"1"}`,
		"dimension missing": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["T"]],"Metrics":[{"Name":"X"}]}]},"X":1}`,
	}
	for name, line := range tests {
		if _, err := metrics.Parse([]byte(line)); err == nil {
			t.Errorf("%s: got no error; want one", name)
		}
	}
}

// TestWriteLine: a line without rollup publishes its dimension set alone,
// carries its level and properties, and its properties are no dimensions.
func TestWriteLine(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	err := (&metrics.Writer{W: &buf}).Write(now, metrics.Line{
		Level: "WARN", Message: "metric PoisonRecords",
		Dimensions: map[string]string{"FunctionName": "auditpull"},
		Properties: map[string]any{"Window": "2026-11-22T06:00:00Z/2026-11-22T07:00:00Z"},
		Metrics:    []metrics.Metric{{Name: "PoisonRecords", Unit: metrics.Count, Value: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := metrics.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.DimensionSets, [][]string{{"FunctionName"}}) || rec.Values["PoisonRecords"] != 2 {
		t.Errorf("got %+v; want PoisonRecords 2 by FunctionName alone", rec)
	}
	for _, member := range []string{`"level":"WARN"`, `"Window":"2026-11-22T06:00:00Z/2026-11-22T07:00:00Z"`} {
		if !strings.Contains(buf.String(), member) {
			t.Errorf("line %s lacks %s", buf.String(), member)
		}
	}
}
