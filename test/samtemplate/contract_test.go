package samtemplate

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/eventbus"
	"github.com/tokenrelay/tokenrelay/internal/metrics"
)

// TestTemplateContract pins what the other parts of the project rely on:
// the environment each binary reads, the events that invoke it, and the
// resources users and alarms see.
func TestTemplateContract(t *testing.T) {
	doc := loadTemplate(t)
	res := resources(doc)

	t.Run("environment", func(t *testing.T) {
		want := map[string][]string{
			"RefresherFunction": {"AWS_ENDPOINT_URL", "EVENT_BUS_NAME", "REFRESHER_CONCURRENCY", "REFRESHER_CONFIG_PARAMETER"},
			"AuditPullFunction": {"AUDIT_API_URL", "AUDIT_CONCURRENCY", "AWS_ENDPOINT_URL", "BUCKET", "GEO_LOCATIONS", "LAG", "MAX_BACKFILL",
				"PREFIX", "PRODUCT_TYPES", "RESCAN", "START_TIME", "TOKEN_PARAMETER", "WINDOW"},
		}
		for fn, vars := range want {
			env := mapAt(functionProps(doc, fn), "Environment", "Variables")
			if got := sortedKeys(env); fmt.Sprint(got) != fmt.Sprint(vars) {
				t.Errorf("%s: got variables %q; want %q", fn, got, vars)
			}
		}
		if got := literals(mapAt(functionProps(doc, "AuditPullFunction"), "Environment", "Variables")["BUCKET"]); fmt.Sprint(got) != "[${Ref:AuditBucket}]" {
			t.Errorf("AuditPullFunction: got BUCKET = %q; want the created bucket", got)
		}
		if got := literals(mapAt(functionProps(doc, "RefresherFunction"), "Environment", "Variables")["EVENT_BUS_NAME"]); fmt.Sprint(got) != "[${Ref:EventBusName}]" {
			t.Errorf("RefresherFunction: got EVENT_BUS_NAME = %q; want the EventBusName parameter", got)
		}
		if got := parameterDefaults(doc, "EventBusName"); fmt.Sprint(got) != "[default]" {
			t.Errorf("got EventBusName default %q; want the default bus", got)
		}
		if got := parameterDefaults(doc, "AuditMaxBackfill"); fmt.Sprint(got) != "[744h]" {
			t.Errorf("got AuditMaxBackfill default %q; want 744h", got)
		}
		// The template lets through every MAX_BACKFILL the code accepts, up to
		// three years; the code refuses a longer one at init, naming it.
		pattern, _ := mapAt(doc, "Parameters", "AuditMaxBackfill")["AllowedPattern"].(string)
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("AuditMaxBackfill: AllowedPattern %q: %v", pattern, err)
		}
		for _, v := range []string{"744h", "90m", "1h30m", fmt.Sprintf("%dh", int(auditpull.MaxMaxBackfill.Hours()))} {
			if !re.MatchString(v) {
				t.Errorf("AuditMaxBackfill: AllowedPattern %q refuses %q; want it allowed", pattern, v)
			}
		}
		if got := literals(mapAt(functionProps(doc, "AuditPullFunction"), "Environment", "Variables")["AUDIT_CONCURRENCY"]); fmt.Sprint(got) != "[${Ref:AuditConcurrency}]" {
			t.Errorf("AuditPullFunction: got AUDIT_CONCURRENCY = %q; want the AuditConcurrency parameter", got)
		}
		p := mapAt(doc, "Parameters", "AuditConcurrency")
		got := fmt.Sprint(p["Type"], " ", p["Default"], " ", p["MinValue"], " ", p["MaxValue"])
		if want := fmt.Sprint("Number ", auditpull.DefaultConcurrency, " 1 ", auditpull.MaxConcurrency); got != want {
			t.Errorf("got AuditConcurrency type, default, min, max %s; want %s (the code's bounds)", got, want)
		}
		if got := literals(mapAt(doc, "Globals", "Function", "Environment", "Variables")["AWS_ENDPOINT_URL"]); fmt.Sprint(got) != "[]" {
			t.Errorf("got AWS_ENDPOINT_URL = %q; want empty in AWS", got)
		}
	})

	t.Run("schedules", func(t *testing.T) {
		for _, fn := range []string{"RefresherFunction", "AuditPullFunction"} {
			events := mapAt(res[fn], "Properties", "Events")
			if len(events) != 1 {
				t.Fatalf("%s: got %d events; want one schedule", fn, len(events))
			}
			for name, ev := range events {
				e, _ := ev.(map[string]any)
				if e["Type"] != "Schedule" {
					t.Errorf("%s.%s: got Type %v; want Schedule (EventBridge rule: the handler receives a real Scheduled Event)", fn, name, e["Type"])
				}
				p := mapAt(e, "Properties")
				if _, ok := p["Input"]; ok {
					t.Errorf("%s.%s: Input replaces the Scheduled Event the handler expects", fn, name)
				}
				param, _ := refName(p["Schedule"])
				if got := parameterDefaults(doc, param); fmt.Sprint(got) != "[rate(15 minutes)]" {
					t.Errorf("%s.%s: got schedule parameter %q default %q; want rate(15 minutes)", fn, name, param, got)
				}
			}
			oc := mapAt(res[fn], "Properties", "EventInvokeConfig", "DestinationConfig", "OnFailure")
			queue, _, _ := getAtt(oc["Destination"])
			if oc["Type"] != "SQS" || resourceType(res[queue]) != "AWS::SQS::Queue" {
				t.Errorf("%s: got OnFailure %v; want an SQS queue of the template", fn, oc)
			}
			if !isTrue(properties(res[queue])["SqsManagedSseEnabled"]) && properties(res[queue])["KmsMasterKeyId"] == nil {
				t.Errorf("%s: failure queue %s is not encrypted", fn, queue)
			}
		}
	})

	t.Run("audit pull is the only checkpoint writer", func(t *testing.T) {
		if got := properties(res["AuditPullFunction"])["ReservedConcurrentExecutions"]; got != 1 {
			t.Errorf("got ReservedConcurrentExecutions = %v; want 1", got)
		}
	})

	t.Run("least privilege", func(t *testing.T) {
		want := map[string]map[string]string{
			"RefresherRole": {
				"secretsmanager:GetSecretValue": "${Ref:CredentialSecretArns}",
				"ssm:PutParameter":              "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${TokenPathPrefix}*",
				"events:PutEvents":              "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBusName}",
			},
			"AuditPullRole": {
				"ssm:GetParameter":        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${AuditTokenParameterName}",
				"s3:PutObject":            "${AuditBucket.Arn}/${AuditPrefix}*",
				"s3:GetObject":            "${AuditBucket.Arn}/${AuditPrefix}*",
				"s3:AbortMultipartUpload": "${AuditBucket.Arn}/${AuditPrefix}*",
			},
		}
		for roleName, actions := range want {
			granted := map[string][]string{}
			for _, st := range findStatements(map[string]any{"R": res[roleName]}) {
				if isDeny(st.body) {
					continue
				}
				for _, a := range literals(st.body["Action"]) {
					granted[a] = append(granted[a], literals(st.body["Resource"])...)
				}
			}
			for action, resource := range actions {
				if got := granted[action]; fmt.Sprint(got) != fmt.Sprint([]string{resource}) {
					t.Errorf("%s: got %s on %q; want only %q", roleName, action, got, resource)
				}
			}
			for action := range granted {
				if strings.HasPrefix(action, "events:") && roleName != "RefresherRole" {
					t.Errorf("%s: got %s; only the refresher publishes events", roleName, action)
				}
				if strings.HasPrefix(action, "secretsmanager:") && roleName != "RefresherRole" {
					t.Errorf("%s: got %s; only the refresher reads credentials", roleName, action)
				}
			}
		}
		for _, st := range findStatements(map[string]any{"R": res["RefresherRole"]}) {
			if slices.Contains(literals(st.body["Action"]), "events:PutEvents") {
				if got := mapAt(st.body, "Condition", "StringEquals")["events:source"]; got != eventbus.Source {
					t.Errorf("RefresherRole: events:PutEvents with events:source %v; want only %q", got, eventbus.Source)
				}
			}
		}
		if typ, _ := mapAt(doc, "Parameters", "CredentialSecretArns")["Type"].(string); typ != "CommaDelimitedList" {
			t.Errorf("got CredentialSecretArns type %q; want CommaDelimitedList", typ)
		}
	})

	t.Run("bucket", func(t *testing.T) {
		props := properties(res["AuditBucket"])
		if got := mapAt(props, "VersioningConfiguration")["Status"]; got != "Enabled" {
			t.Errorf("got versioning %v; want Enabled", got)
		}
		if got := literals(mapAt(props, "OwnershipControls")["Rules"].([]any)[0].(map[string]any)["ObjectOwnership"]); fmt.Sprint(got) != "[BucketOwnerEnforced]" {
			t.Errorf("got ObjectOwnership %q; want BucketOwnerEnforced", got)
		}
		abort := false
		for _, r := range asList(mapAt(props, "LifecycleConfiguration")["Rules"]) {
			if m, ok := r.(map[string]any); ok && m["AbortIncompleteMultipartUpload"] != nil {
				abort = true
			}
		}
		if !abort {
			t.Errorf("got no AbortIncompleteMultipartUpload lifecycle rule; want one")
		}
		// With AuditRetentionDays, a window's records, manifest and quarantine
		// object expire alike: a verify run must not find a manifest whose
		// object retention removed, nor the reverse.
		expiring := map[string]string{}
		for _, r := range asList(mapAt(props, "LifecycleConfiguration")["Rules"]) {
			cond, branches, ok := ifBranches(r)
			if !ok || cond != "HasAuditRetention" || !isNoValue(branches[1]) {
				continue
			}
			m, _ := branches[0].(map[string]any)
			for _, prefix := range literals(m["Prefix"]) {
				expiring[prefix] = fmt.Sprint(literals(m["ExpirationInDays"]), literals(mapAt(m, "NoncurrentVersionExpiration")["NoncurrentDays"]))
			}
		}
		for _, prefix := range []string{"${AuditPrefix}year=", "${AuditPrefix}_manifests/", "${AuditPrefix}_quarantine/"} {
			if got := expiring[prefix]; got != "[${Ref:AuditRetentionDays}] [${Ref:AuditRetentionDays}]" {
				t.Errorf("got lifecycle of %s under HasAuditRetention %q; want expiry and noncurrent expiry after AuditRetentionDays", prefix, got)
			}
		}
		if res["AuditBucket"].(map[string]any)["DeletionPolicy"] != "Retain" {
			t.Errorf("got AuditBucket DeletionPolicy %v; want Retain (audit data outlives the stack)", res["AuditBucket"].(map[string]any)["DeletionPolicy"])
		}
	})

	t.Run("alarms", func(t *testing.T) {
		errorsFor := map[string]bool{}
		var checkpoint map[string]any
		tokenRelay := map[string]map[string]any{} // the alarms on the project's own metrics
		for _, r := range res {
			if resourceType(r) != "AWS::CloudWatch::Alarm" {
				continue
			}
			p := properties(r)
			if len(asList(p["AlarmActions"])) == 0 {
				t.Errorf("alarm %v has no AlarmActions", p["MetricName"])
			}
			switch {
			case p["Namespace"] == "AWS/Lambda" && p["MetricName"] == "Errors":
				dims := asList(p["Dimensions"])
				fn, _ := refName(dims[0].(map[string]any)["Value"])
				errorsFor[fn] = true
			case p["Namespace"] == "TokenRelay" && p["MetricName"] == "CheckpointLagSeconds":
				checkpoint = p
			case p["Namespace"] == "TokenRelay":
				tokenRelay[fmt.Sprint(p["MetricName"])] = p
			}
		}
		for _, fn := range []string{"RefresherFunction", "AuditPullFunction"} {
			if !errorsFor[fn] {
				t.Errorf("got no Errors alarm for %s; want one", fn)
			}
		}
		if checkpoint == nil {
			t.Fatalf("got no TokenRelay/CheckpointLagSeconds alarm; want one")
		}
		if checkpoint["TreatMissingData"] != "breaching" {
			t.Errorf("got checkpoint alarm TreatMissingData %v; want breaching (no run is a stall too)", checkpoint["TreatMissingData"])
		}
		// The refresher publishes each metric with the dimensions FunctionName and
		// Target, and with FunctionName alone: an alarm on its own function watches
		// every target of this stack, and none of another stack's.
		for metric, threshold := range map[string]string{"TokenSecondsToExpiry": "0", "CredentialDaysToExpiry": "${Ref:CredentialExpiryAlarmDays}"} {
			p := tokenRelay[metric]
			if p == nil {
				t.Errorf("got no TokenRelay/%s alarm; want one", metric)
				continue
			}
			topic, _ := refName(asList(p["AlarmActions"])[0])
			got := fmt.Sprint(p["Statistic"], " ", p["ComparisonOperator"], " ", literals(p["Threshold"]), " ", dimensionRefs(p), " ", topic)
			if want := fmt.Sprint("Minimum LessThanThreshold [", threshold, "] FunctionName=RefresherFunction AlarmTopic"); got != want {
				t.Errorf("%s alarm: got %s; want %s", metric, got, want)
			}
		}
		// The audit pull publishes PoisonRecords (a WARN line naming the window)
		// in the namespace and with the dimension FunctionName it uses for the lag.
		if p := tokenRelay[auditpull.MetricPoison]; p == nil {
			t.Errorf("got no %s/%s alarm; want one", metrics.Namespace, auditpull.MetricPoison)
		} else {
			dims := asList(p["Dimensions"])
			var dim, fn string
			if len(dims) == 1 {
				d, _ := dims[0].(map[string]any)
				dim, _ = d["Name"].(string)
				fn, _ = refName(d["Value"])
			}
			topic, _ := refName(asList(p["AlarmActions"])[0])
			got := fmt.Sprint(p["Statistic"], " ", p["ComparisonOperator"], " ", literals(p["Threshold"]), " ", dim, "=", fn, " ", p["TreatMissingData"], " ", topic)
			if want := "Sum GreaterThanThreshold [0] FunctionName=AuditPullFunction notBreaching AlarmTopic"; got != want {
				t.Errorf("%s alarm: got %s; want %s", auditpull.MetricPoison, got, want)
			}
		}
		if got := parameterDefaults(doc, "CredentialExpiryAlarmDays"); fmt.Sprint(got) != "[30]" {
			t.Errorf("got CredentialExpiryAlarmDays default %q; want 30, as warn_before", got)
		}
	})

	t.Run("outputs", func(t *testing.T) {
		for _, name := range []string{"AuditBucketName", "RefresherFunctionName", "RefresherFunctionArn",
			"AuditPullFunctionName", "AuditPullFunctionArn", "TokenPathPrefix", "AuditTokenParameterName",
			"RefresherConfigParameterName", "FailureQueueUrl"} {
			if mapAt(doc, "Outputs", name) == nil {
				t.Errorf("got no output %s; want one", name)
			}
		}
	})
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dimensionRefs renders an alarm's Dimensions as Name=Ref pairs.
func dimensionRefs(alarm map[string]any) string {
	var out []string
	for _, d := range asList(alarm["Dimensions"]) {
		m, _ := d.(map[string]any)
		name, _ := m["Name"].(string)
		ref, _ := refName(m["Value"])
		out = append(out, name+"="+ref)
	}
	return strings.Join(out, ",")
}
