package samlocal

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template.
type Template struct {
	// Path is the file it was read from, for error messages.
	Path string
	// Doc is the document as plain Go values (see Parse).
	Doc map[string]any
}

// Load reads and parses the SAM template at path. A file that is not a
// template is one error naming it.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samlocal: %w", err)
	}
	doc, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("samlocal: %s does not parse as a SAM template (%s): fix the YAML", path, strings.TrimPrefix(oneLine(err), "samlocal: "))
	}
	if _, ok := doc["Resources"].(map[string]any); !ok {
		return nil, fmt.Errorf("samlocal: %s has no Resources mapping: is it a SAM template?", path)
	}
	return &Template{Path: path, Doc: doc}, nil
}

// Parse decodes a CloudFormation or SAM YAML document into plain Go values
// (map[string]any, []any, string, bool, int, float64, nil). A short tag
// becomes the long form CloudFormation gives it: `!Ref X` is {"Ref": "X"},
// `!Sub s` is {"Fn::Sub": "s"}, `!GetAtt A.B` is {"Fn::GetAtt": ["A", "B"]}.
func Parse(data []byte) (map[string]any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("samlocal: parse: %w", err)
	}
	v, err := fromNode(&root)
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("samlocal: parse: document is %T, not a mapping", v)
	}
	return doc, nil
}

// shortTagFunc maps a CloudFormation short tag to the key of its long form.
func shortTagFunc(tag string) (string, bool) {
	switch tag {
	case "!Ref":
		return "Ref", true
	case "!Condition":
		return "Condition", true
	case "!Base64", "!Cidr", "!FindInMap", "!GetAtt", "!GetAZs", "!ImportValue",
		"!Join", "!Select", "!Split", "!Sub", "!Transform", "!And", "!Equals",
		"!If", "!Not", "!Or", "!Contains", "!EachMemberEquals", "!EachMemberIn",
		"!RefAll", "!ValueOf", "!ValueOfAll", "!Length", "!ToJsonString":
		return "Fn::" + strings.TrimPrefix(tag, "!"), true
	}
	return "", false
}

func fromNode(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		return fromNode(n.Alias)
	}
	fn, short := shortTagFunc(n.Tag)
	if !short && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("samlocal: line %d: unknown tag %s", n.Line, n.Tag)
	}
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if _, dup := m[key]; dup {
				return nil, fmt.Errorf("samlocal: line %d: duplicate key %q", n.Content[i].Line, key)
			}
			val, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[key] = val
		}
		v = m
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			list = append(list, val)
		}
		v = list
	case yaml.ScalarNode:
		if short {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("samlocal: line %d: %w", n.Line, err)
		}
	}
	if !short {
		return v, nil
	}
	if s, ok := v.(string); ok && fn == "Fn::GetAtt" {
		name, attr, _ := strings.Cut(s, ".")
		v = []any{name, attr}
	}
	return map[string]any{fn: v}, nil
}

// Functions returns the logical ids of the template's functions
// (AWS::Serverless::Function), sorted.
func (t *Template) Functions() []string {
	var ids []string
	for id, res := range t.resources() {
		if typ, _ := mapAt(res)["Type"].(string); typ == "AWS::Serverless::Function" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (t *Template) resources() map[string]any {
	m, _ := t.Doc["Resources"].(map[string]any)
	return m
}

// ErrNoFunction is the cause of an error naming a function the template
// lacks.
var ErrNoFunction = errors.New("samlocal: no such function")

// function returns the properties of the function logicalID, matched as SAM
// CLI matches it: exactly.
func (t *Template) function(logicalID string) (map[string]any, error) {
	for _, id := range t.Functions() {
		if id == logicalID {
			return mapAt(t.resources()[id], "Properties"), nil
		}
	}
	return nil, fmt.Errorf("%w: %s has no function %q: use one of %s", ErrNoFunction, t.Path, logicalID, strings.Join(t.Functions(), ", "))
}

// mapAt walks v through nested mappings; nil where a step is missing.
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

// oneLine joins the lines of err's text.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
