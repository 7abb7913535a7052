package samtemplate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/samlocal"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// parseTemplate decodes a CloudFormation/SAM YAML document into plain Go
// values, short tags in their long form (`!Ref X` is {"Ref": "X"}), with the
// parser `scripts/stack invoke` resolves the template with.
func parseTemplate(data []byte) (map[string]any, error) {
	return samlocal.Parse(data)
}

// loadTemplate parses template.yaml at the module root.
func loadTemplate(t testing.TB) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "template.yaml"))
	if err != nil {
		t.Fatalf("read template.yaml: %v", err)
	}
	doc, err := parseTemplate(data)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return doc
}

func mustParse(t testing.TB, src string) map[string]any {
	t.Helper()
	doc, err := parseTemplate([]byte(src))
	if err != nil {
		t.Fatalf("%v", err)
	}
	return doc
}

// Small accessors over the generic document.

func mapAt(v any, keys ...string) map[string]any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

func resources(doc map[string]any) map[string]any { return mapAt(doc, "Resources") }

func resourceType(res any) string {
	m, _ := res.(map[string]any)
	s, _ := m["Type"].(string)
	return s
}

func properties(res any) map[string]any { return mapAt(res, "Properties") }

// refName returns X for {"Ref": "X"}.
func refName(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	s, ok := m["Ref"].(string)
	return s, ok
}

// getAtt returns (A, B) for {"Fn::GetAtt": ["A", "B"]}.
func getAtt(v any) (string, string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", "", false
	}
	l, ok := m["Fn::GetAtt"].([]any)
	if !ok || len(l) != 2 {
		return "", "", false
	}
	a, _ := l[0].(string)
	b, _ := l[1].(string)
	return a, b, a != "" && b != ""
}

// subTemplate returns the template string of an Fn::Sub in either form.
func subTemplate(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	switch s := m["Fn::Sub"].(type) {
	case string:
		return s, true
	case []any:
		if len(s) > 0 {
			str, ok := s[0].(string)
			return str, ok
		}
	}
	return "", false
}

// ifBranches returns both values of an Fn::If.
func ifBranches(v any) (cond string, branches []any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	l, isList := m["Fn::If"].([]any)
	if !isList || len(l) != 3 {
		return "", nil, false
	}
	cond, _ = l[0].(string)
	return cond, l[1:], true
}

func isNoValue(v any) bool {
	name, ok := refName(v)
	return ok && name == "AWS::NoValue"
}

func isTrue(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	}
	return false
}

func isFalse(v any) bool {
	switch b := v.(type) {
	case bool:
		return !b
	case string:
		return strings.EqualFold(b, "false")
	}
	return false
}

// asList wraps a single value in a list; a list is returned as is.
func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func TestParseTemplateShortTags(t *testing.T) {
	doc := mustParse(t, `
Resources:
  R:
    Properties:
      A: !Ref P
      B: !Sub arn:${AWS::Partition}:s3:::${Bucket}/*
      C: !GetAtt Bucket.Arn
      D: !If [Cond, !Ref X, !Ref AWS::NoValue]
      E: !Join ["", [a, !Ref Y]]
      F: !GetAtt [Queue, QueueName]
      G: true
      H: 30
`)
	props := properties(resources(doc)["R"])
	if name, _ := refName(props["A"]); name != "P" {
		t.Errorf("got !Ref = %q; want %q", name, "P")
	}
	if s, _ := subTemplate(props["B"]); s != "arn:${AWS::Partition}:s3:::${Bucket}/*" {
		t.Errorf("got !Sub = %q; want the template string", s)
	}
	if a, b, _ := getAtt(props["C"]); a != "Bucket" || b != "Arn" {
		t.Errorf("got !GetAtt = %q.%q; want Bucket.Arn", a, b)
	}
	if a, b, _ := getAtt(props["F"]); a != "Queue" || b != "QueueName" {
		t.Errorf("got !GetAtt list = %q.%q; want Queue.QueueName", a, b)
	}
	cond, branches, ok := ifBranches(props["D"])
	if !ok || cond != "Cond" || !isNoValue(branches[1]) {
		t.Errorf("got !If = %v; want [Cond, Ref X, Ref AWS::NoValue]", props["D"])
	}
	if _, ok := mapAt(props, "E")["Fn::Join"]; !ok {
		t.Errorf("got !Join = %v; want Fn::Join", props["E"])
	}
	if props["G"] != true || props["H"] != 30 {
		t.Errorf("got G, H = %v, %v; want true, 30", props["G"], props["H"])
	}
}

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown tag", "A: !Bogus x\n", "unknown tag !Bogus"},
		{"duplicate key", "A: 1\nA: 2\n", `duplicate key "A"`},
		{"not a mapping", "- a\n- b\n", "not a mapping"},
		{"bad yaml", "A: [\n", "samlocal: parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseTemplate([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v; want one containing %q", err, tt.want)
			}
		})
	}
}
