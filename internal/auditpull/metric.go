package auditpull

import (
	"io"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/metrics"
)

// Metric names: CheckpointLagSeconds is what the template's
// CheckpointLagAlarm watches, PoisonRecords what PoisonRecordsAlarm watches.
const (
	MetricLag = "CheckpointLagSeconds"
	// MetricPoison counts a window's records stored with "_id_basis": "raw"
	// and page items quarantined; its line names the window.
	MetricPoison = "PoisonRecords"
)

// writeLag writes CheckpointLagSeconds (now − checkpoint) as one line of the
// CloudWatch embedded metric format (internal/metrics), with the dimension
// FunctionName when it is known. It bypasses the logger, so that the
// function's own LOG_LEVEL cannot drop it, and is an INFO record. Lambda's
// log-level filtering still applies: with JSON logs and an application log
// level of WARN or above, Lambda drops the line, and the alarm, which treats
// a missing value as a stalled checkpoint, fires. The application log level
// must stay INFO or lower.
func writeLag(w io.Writer, function string, now, checkpoint time.Time) error {
	return writeMetric(w, function, now, metrics.Line{
		Message: "metric " + MetricLag,
		Metrics: []metrics.Metric{{Name: MetricLag, Unit: metrics.Seconds, Value: max(0, now.Sub(checkpoint).Seconds())}},
	})
}

// writePoison writes PoisonRecords for window win the same way, as a WARN
// record with the window as a property of the line (not a dimension, which
// would make a metric per window).
func writePoison(w io.Writer, function string, now time.Time, win string, n int) error {
	return writeMetric(w, function, now, metrics.Line{
		Level:      "WARN",
		Message:    "metric " + MetricPoison,
		Properties: map[string]any{"Window": win},
		Metrics:    []metrics.Metric{{Name: MetricPoison, Unit: metrics.Count, Value: float64(n)}},
	})
}

// writeMetric writes l with the FunctionName dimension when function is
// known.
func writeMetric(w io.Writer, function string, now time.Time, l metrics.Line) error {
	if function != "" {
		l.Dimensions = map[string]string{"FunctionName": function}
	}
	return (&metrics.Writer{W: w}).Write(now, l)
}
