// Package metrics writes CloudWatch metrics as log lines in the embedded
// metric format (EMF,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// Lambda sends stdout to CloudWatch Logs, which extracts the metrics, so a
// function publishes them without a PutMetricData call or its permission
// (README: "Metrics and alarms").
//
// Each line is a JSON object that is also a log record ("level": "INFO",
// "message", "timestamp"): with JSON logs, Lambda filters lines by level,
// and one without a level counts as INFO. The application log level must
// therefore stay INFO or lower for the metrics to arrive.
package metrics
