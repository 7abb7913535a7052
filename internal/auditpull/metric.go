package auditpull

import (
	"encoding/json"
	"io"
	"time"
)

// Metric names the CloudWatch metric that the template's CheckpointLagAlarm watches.
const (
	MetricNamespace = "TokenRelay"
	MetricLag       = "CheckpointLagSeconds"
	// MetricPoison counts a window's records stored with "_id_basis": "raw"
	// and page items quarantined; its line names the window.
	MetricPoison = "PoisonRecords"
)

// writeLag writes CheckpointLagSeconds (now − checkpoint) as one line of the
// CloudWatch embedded metric format
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
// with the dimension FunctionName when it is known. It bypasses the logger,
// so that the function's own LOG_LEVEL cannot drop it, and carries the keys
// of a log record ("level": "INFO", "message", "timestamp"). Lambda's
// log-level filtering still applies: with JSON logs and an application log
// level of WARN or above, Lambda drops the line (a line without a level
// would count as INFO too), and the alarm, which treats a missing value as
// a stalled checkpoint, fires. The application log level must stay INFO or
// lower.
func writeLag(w io.Writer, function string, now, checkpoint time.Time) error {
	return writeMetric(w, function, now, MetricLag, "Seconds", max(0, now.Sub(checkpoint).Seconds()), nil)
}

// writePoison writes PoisonRecords for window w the same way, with the
// window as a property of the line (not a dimension, which would make a
// metric per window).
func writePoison(w io.Writer, function string, now time.Time, win string, n int) error {
	return writeMetric(w, function, now, MetricPoison, "Count", float64(n), map[string]any{"Window": win})
}

// writeMetric writes one embedded-metric-format line of name.
func writeMetric(w io.Writer, function string, now time.Time, name, unit string, value float64, props map[string]any) error {
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	type directive struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []metric   `json:"Metrics"`
	}
	line := map[string]any{
		"level":     "INFO",
		"message":   "metric " + name,
		"timestamp": now.UTC().Format(time.RFC3339Nano),
		name:        value,
	}
	if name != MetricLag {
		line["level"] = "WARN"
	}
	for k, v := range props {
		line[k] = v
	}
	dims := [][]string{}
	if function != "" {
		dims = [][]string{{"FunctionName"}}
		line["FunctionName"] = function
	}
	line["_aws"] = map[string]any{
		"Timestamp":         now.UnixMilli(),
		"CloudWatchMetrics": []directive{{Namespace: MetricNamespace, Dimensions: dims, Metrics: []metric{{name, unit}}}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
