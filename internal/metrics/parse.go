package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Record is an EMF line read back: what CloudWatch would extract from it.
type Record struct {
	// Namespace is the directive's namespace.
	Namespace string
	// Time is the _aws.Timestamp.
	Time time.Time
	// DimensionSets are the directive's dimension sets.
	DimensionSets [][]string
	// Dimensions are the values of the dimensions named in DimensionSets.
	Dimensions map[string]string
	// Values are the metrics' values by name.
	Values map[string]float64
	// Units are the metrics' units by name.
	Units map[string]string
}

// Parse reads one EMF line as CloudWatch does, checking what the
// specification requires: an _aws object with a Timestamp and one
// CloudWatchMetrics directive, every dimension a string member of the
// root, and every metric a number member of it. The tests read the lines
// the functions write with it.
func Parse(line []byte) (Record, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return Record{}, fmt.Errorf("metrics: not a JSON object: %w", err)
	}
	var meta struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	raw, ok := root["_aws"]
	if !ok {
		return Record{}, errors.New("metrics: no _aws member")
	}
	if err := json.Unmarshal(raw, &meta); err != nil || meta.Timestamp == nil || len(meta.CloudWatchMetrics) != 1 {
		return Record{}, errors.New("metrics: _aws needs a Timestamp and one CloudWatchMetrics directive")
	}
	d := meta.CloudWatchMetrics[0]
	if d.Namespace == "" || len(d.Metrics) == 0 {
		return Record{}, errors.New("metrics: the directive needs a Namespace and metrics")
	}
	rec := Record{Namespace: d.Namespace, Time: time.UnixMilli(*meta.Timestamp).UTC(), DimensionSets: d.Dimensions,
		Dimensions: map[string]string{}, Values: map[string]float64{}, Units: map[string]string{}}
	for _, set := range d.Dimensions {
		for _, k := range set {
			var v string
			if err := json.Unmarshal(root[k], &v); err != nil {
				return Record{}, fmt.Errorf("metrics: dimension %s is not a string member of the root", k)
			}
			rec.Dimensions[k] = v
		}
	}
	for _, m := range d.Metrics {
		var v float64
		if err := json.Unmarshal(root[m.Name], &v); err != nil {
			return Record{}, fmt.Errorf("metrics: metric %s is not a number member of the root", m.Name)
		}
		rec.Values[m.Name], rec.Units[m.Name] = v, m.Unit
	}
	return rec, nil
}
