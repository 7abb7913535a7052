package samlocal

import (
	"fmt"
	"strconv"
	"strings"
)

// AccountID is the account SAM CLI gives a local run (AWS::AccountId,
// AWS_ACCOUNT_ID).
const AccountID = "123456789012"

// unresolved marks an intrinsic SAM CLI cannot resolve locally (Fn::GetAtt,
// a parameter with neither default nor override); it stringifies to "".
type unresolved struct{}

// evaluator resolves intrinsic functions against the parameter values.
type evaluator struct {
	t      *Template
	params map[string]any // defaults, then overrides
	region string
	depth  int
}

func newEvaluator(t *Template, overrides map[string]string, region string) (*evaluator, error) {
	decl := mapAt(t.Doc, "Parameters")
	params := map[string]any{}
	for name := range decl {
		if d, ok := mapAt(decl, name)["Default"]; ok {
			params[name] = d
		}
	}
	for name, v := range overrides {
		if _, ok := decl[name]; !ok {
			return nil, fmt.Errorf("samlocal: parameter override %s: %s declares no parameter %q: use one of its Parameters", name, t.Path, name)
		}
		params[name] = v
	}
	for name, v := range params {
		if typ, _ := mapAt(decl, name)["Type"].(string); strings.Contains(typ, "List") {
			if s, ok := v.(string); ok {
				params[name] = listOf(strings.Split(s, ","))
			}
		}
	}
	return &evaluator{t: t, params: params, region: region}, nil
}

func listOf(ss []string) []any {
	l := make([]any, len(ss))
	for i, s := range ss {
		l[i] = strings.TrimSpace(s)
	}
	return l
}

// eval resolves every intrinsic in v.
func (e *evaluator) eval(v any) any {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > 50 {
		return unresolved{}
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = e.eval(el)
		}
		return out
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					return e.fn(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = e.eval(el)
		}
		return out
	}
	return v
}

func (e *evaluator) fn(name string, arg any) any {
	switch name {
	case "Ref":
		s, _ := arg.(string)
		return e.ref(s)
	case "Condition":
		s, _ := arg.(string)
		return e.condition(s)
	case "Fn::If":
		l, _ := arg.([]any)
		if len(l) != 3 {
			return unresolved{}
		}
		cond, _ := l[0].(string)
		switch e.condition(cond) {
		case true:
			return e.eval(l[1])
		case false:
			return e.eval(l[2])
		}
		return unresolved{}
	case "Fn::Equals":
		l, _ := e.eval(arg).([]any)
		if len(l) != 2 || isUnresolved(l[0]) || isUnresolved(l[1]) {
			return unresolved{}
		}
		return stringify(l[0]) == stringify(l[1])
	case "Fn::Not":
		l, _ := e.eval(arg).([]any)
		if len(l) != 1 {
			return unresolved{}
		}
		if b, ok := l[0].(bool); ok {
			return !b
		}
		return unresolved{}
	case "Fn::And", "Fn::Or":
		l, _ := e.eval(arg).([]any)
		acc := name == "Fn::And"
		for _, el := range l {
			b, ok := el.(bool)
			if !ok {
				return unresolved{}
			}
			if name == "Fn::And" {
				acc = acc && b
			} else {
				acc = acc || b
			}
		}
		return acc
	case "Fn::Join":
		l, _ := arg.([]any)
		if len(l) != 2 {
			return unresolved{}
		}
		sep, _ := e.eval(l[0]).(string)
		items, ok := e.eval(l[1]).([]any)
		if !ok {
			return unresolved{}
		}
		parts := make([]string, len(items))
		for i, it := range items {
			if isUnresolved(it) {
				return unresolved{}
			}
			parts[i] = stringify(it)
		}
		return strings.Join(parts, sep)
	case "Fn::Sub":
		return e.sub(arg)
	}
	return unresolved{} // Fn::GetAtt, Fn::ImportValue, ...: not resolvable locally
}

// ref resolves Ref as SAM CLI does locally: a parameter to its value, a
// pseudo parameter to the local one, a resource to its logical id.
func (e *evaluator) ref(name string) any {
	if v, ok := e.params[name]; ok {
		return v
	}
	if _, ok := mapAt(e.t.Doc, "Parameters")[name]; ok {
		return unresolved{} // no default, no override
	}
	switch name {
	case "AWS::Region":
		return e.region
	case "AWS::AccountId":
		return AccountID
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::StackName":
		return "local"
	case "AWS::NoValue":
		return nil
	}
	if _, ok := e.t.resources()[name]; ok {
		return name
	}
	return unresolved{}
}

// condition evaluates the template's condition name: true, false, or
// unresolved.
func (e *evaluator) condition(name string) any {
	c, ok := mapAt(e.t.Doc, "Conditions")[name]
	if !ok {
		return unresolved{}
	}
	return e.eval(c)
}

// sub resolves Fn::Sub in its string and its [string, {vars}] forms.
func (e *evaluator) sub(arg any) any {
	var tmpl string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return unresolved{}
		}
		tmpl, _ = a[0].(string)
		for k, v := range mapAt(a[1]) {
			vars[k] = e.eval(v)
		}
	default:
		return unresolved{}
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl[i:])
			return b.String()
		}
		name := tmpl[i+2 : i+j]
		tmpl = tmpl[i+j+1:]
		if strings.HasPrefix(name, "!") { // ${!Literal}
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		v, ok := vars[name]
		if !ok {
			v = e.ref(name) // A.B (an attribute) is no parameter: unresolved
		}
		if isUnresolved(v) {
			return unresolved{}
		}
		b.WriteString(stringify(v))
	}
}

func isUnresolved(v any) bool {
	_, ok := v.(unresolved)
	return ok
}

// stringify turns a resolved value into an environment variable's value as
// SAM CLI does: lists, mappings, nil and unresolved intrinsics become "",
// booleans "true" and "false", numbers their decimal form.
func stringify(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}
