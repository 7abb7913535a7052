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

// Put writes ms at now with the dimensions dims (name → value). Each metric
// is published twice: with every dimension, and with none, so that one
// alarm on the metric without dimensions watches every value of them (the
// dimension set [] of the specification).
func (w *Writer) Put(now time.Time, message string, dims map[string]string, ms ...Metric) error {
	if w == nil || w.W == nil || len(ms) == 0 {
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
	line := map[string]any{
		"level":     "INFO",
		"message":   message,
		"timestamp": now.UTC().Format(time.RFC3339Nano),
	}
	names := slices.Sorted(maps.Keys(dims))
	for _, k := range names {
		line[k] = dims[k]
	}
	d := directive{Namespace: ns, Dimensions: [][]string{names, {}}}
	for _, m := range ms {
		line[m.Name] = m.Value
		d.Metrics = append(d.Metrics, metric{Name: m.Name, Unit: m.Unit})
	}
	line["_aws"] = map[string]any{"Timestamp": now.UnixMilli(), "CloudWatchMetrics": []directive{d}}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("metrics: encode %s: %w", message, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.W.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("metrics: write %s: %w", message, err)
	}
	return nil
}
