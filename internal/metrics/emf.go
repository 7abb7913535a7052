package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of the project's metrics.
const Namespace = "TokenRelay"

// Units of CloudWatch metrics used here.
const (
	Seconds = "Seconds"
	Count   = "Count"
	None    = "None"
)

// Metric is one value.
type Metric struct {
	// Name is the metric's name.
	Name string
	// Unit is one of CloudWatch's units: Seconds, Count, None, …
	Unit string
	// Value is the value.
	Value float64
}

// Writer writes EMF lines to W, one Write per line, so that lines written
// concurrently stay whole. Its zero value writes nothing; it is safe for
// concurrent use.
type Writer struct {
	// W receives the lines, usually os.Stdout; nil discards them.
	W io.Writer
	// Namespace is the metrics' namespace; empty means Namespace.
	Namespace string

	mu sync.Mutex
}

// Line is one EMF log line: a log record (level, message, timestamp) that
// also carries metrics.
type Line struct {
	// Level is the record's level; "" means INFO. Lambda drops a record
	// below the function's application log level, so a metric line must
	// keep a level that level lets through.
	Level string
	// Message is the record's message.
	Message string
	// Dimensions are the metrics' dimensions, name → value.
	Dimensions map[string]string
	// Rollup, when not nil, also publishes every metric with only the
	// dimensions it names (none when it is empty: the dimension set [] of
	// the specification), so that one alarm on the metric watches every
	// value of the others.
	Rollup []string
	// Properties are further members of the record, not dimensions (a
	// dimension per value would make a metric per value).
	Properties map[string]any
	// Metrics are the values.
	Metrics []Metric
}

// Put writes ms at now with the dimensions dims (name → value), rolled up
// to the dimensions rollup names: each metric is published with every
// dimension and with those alone.
func (w *Writer) Put(now time.Time, message string, dims map[string]string, rollup []string, ms ...Metric) error {
	if rollup == nil {
		rollup = []string{}
	}
	return w.Write(now, Line{Message: message, Dimensions: dims, Rollup: rollup, Metrics: ms})
}

// Write writes l at now as one line.
func (w *Writer) Write(now time.Time, l Line) error {
	if w == nil || w.W == nil || len(l.Metrics) == 0 {
		return nil
	}
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	type directive struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []metric   `json:"Metrics"`
	}
	ns := w.Namespace
	if ns == "" {
		ns = Namespace
	}
	if l.Level == "" {
		l.Level = "INFO"
	}
	line := map[string]any{
		"level":     l.Level,
		"message":   l.Message,
		"timestamp": now.UTC().Format(time.RFC3339Nano),
	}
	for k, v := range l.Properties {
		line[k] = v
	}
	names := slices.Sorted(maps.Keys(l.Dimensions))
	for _, k := range names {
		line[k] = l.Dimensions[k]
	}
	d := directive{Namespace: ns, Dimensions: [][]string{}}
	if len(names) > 0 {
		d.Dimensions = append(d.Dimensions, names)
	}
	if l.Rollup != nil && len(l.Rollup) < len(names) {
		d.Dimensions = append(d.Dimensions, slices.Sorted(slices.Values(l.Rollup)))
	}
	for _, m := range l.Metrics {
		line[m.Name] = m.Value
		d.Metrics = append(d.Metrics, metric{Name: m.Name, Unit: m.Unit})
	}
	line["_aws"] = map[string]any{"Timestamp": now.UnixMilli(), "CloudWatchMetrics": []directive{d}}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("metrics: encode %s: %w", l.Message, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.W.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("metrics: write %s: %w", l.Message, err)
	}
	return nil
}
