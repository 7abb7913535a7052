package samtemplate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Each check takes a parsed template and returns one line per problem,
// naming where it is; none means the template passes.

// sensitivePrefixes are the services whose actions must never be allowed on
// a wildcard resource: they guard credentials, tokens and audit data.
var sensitivePrefixes = []string{"secretsmanager:", "ssm:", "kms:", "s3:"}

// wildcardResource matches resources that name every resource of a service
// or type: "*", a trailing ":*", a "*" region or account field, every
// parameter, key, alias, secret or bucket.
var wildcardResource = regexp.MustCompile(`^\*$|:\*$|:\*:|:parameter/?\*$|:key/\*$|:alias/\*$|:secret:\*|:s3:::\*`)

// statement is one IAM policy statement found in the template.
type statement struct {
	path string // where it is, e.g. Resources.RefresherRole...Statement[0]
	body map[string]any
	// conditional is true when the statement sits in a branch of an Fn::If,
	// so it exists only when a template condition holds.
	conditional bool
}

// findStatements returns every map with an Effect and an Action or
// NotAction: IAM statements in roles, managed policies, SAM Policies,
// resource policies.
func findStatements(doc map[string]any) []statement {
	var out []statement
	var walk func(path string, v any, conditional bool)
	walk = func(path string, v any, conditional bool) {
		switch x := v.(type) {
		case map[string]any:
			_, hasEffect := x["Effect"]
			_, hasAction := x["Action"]
			_, hasNotAction := x["NotAction"]
			if hasEffect && (hasAction || hasNotAction) {
				out = append(out, statement{path: path, body: x, conditional: conditional})
				return
			}
			// A resource with a Condition exists only when it holds.
			if _, isResource := x["Type"]; isResource {
				if _, ok := x["Condition"].(string); ok {
					conditional = true
				}
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(path+"."+k, x[k], conditional || k == "Fn::If")
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e, conditional)
			}
		}
	}
	walk("", doc, false)
	for i := range out {
		out[i].path = strings.TrimPrefix(out[i].path, ".")
	}
	return out
}

// literals flattens a value to the strings it may take: a string; each
// element of a list; both branches of an Fn::If; the template of an
// Fn::Sub; the parts of an Fn::Join joined with "${...}" for the
// non-literal ones. Ref and GetAtt give "${Ref:X}" / "${X.Attr}".
func literals(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, literals(e)...)
		}
		return out
	case map[string]any:
		if isNoValue(x) {
			return nil
		}
		if _, branches, ok := ifBranches(x); ok {
			return append(literals(branches[0]), literals(branches[1])...)
		}
		if s, ok := subTemplate(x); ok {
			return []string{s}
		}
		if name, ok := refName(x); ok {
			return []string{"${Ref:" + name + "}"}
		}
		if a, b, ok := getAtt(x); ok {
			return []string{"${" + a + "." + b + "}"}
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			var parts []string
			for _, p := range asList(j[1]) {
				if s, ok := p.(string); ok {
					parts = append(parts, s)
				} else {
					parts = append(parts, "${...}")
				}
			}
			return []string{strings.Join(parts, sep)}
		}
		return []string{"${intrinsic}"}
	default:
		return []string{fmt.Sprint(x)}
	}
}

// parameterDefaults returns the default values of a template parameter,
// split on commas for list types.
func parameterDefaults(doc map[string]any, name string) []string {
	p := mapAt(doc, "Parameters", name)
	if p == nil {
		return nil
	}
	def, ok := p["Default"]
	if !ok {
		return nil
	}
	s := fmt.Sprint(def)
	if typ, _ := p["Type"].(string); strings.Contains(typ, "List") {
		return strings.Split(s, ",")
	}
	return []string{s}
}

func sensitiveActions(actions []string) []string {
	var out []string
	for _, a := range actions {
		la := strings.ToLower(a)
		if la == "*" || strings.HasPrefix(la, "${") {
			out = append(out, a)
			continue
		}
		for _, p := range sensitivePrefixes {
			if strings.HasPrefix(la, p) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func isDeny(st map[string]any) bool {
	e, _ := st["Effect"].(string)
	return e == "Deny"
}

// checkWildcardResources fails an Allow statement that grants a Secrets
// Manager, SSM, KMS or S3 action (or "*") on a wildcard resource, through
// NotResource, or through NotAction. A Ref to a template parameter is
// judged by the parameter's default.
func checkWildcardResources(doc map[string]any) []string {
	var problems []string
	for _, st := range findStatements(doc) {
		if isDeny(st.body) {
			continue
		}
		if _, ok := st.body["NotAction"]; ok {
			problems = append(problems, st.path+": Allow with NotAction grants every other action, including secretsmanager/ssm/kms/s3")
			continue
		}
		acts := sensitiveActions(literals(st.body["Action"]))
		if len(acts) == 0 {
			continue
		}
		if _, ok := st.body["NotResource"]; ok {
			problems = append(problems, fmt.Sprintf("%s: %v allowed with NotResource (every other resource)", st.path, acts))
			continue
		}
		res := literals(st.body["Resource"])
		if len(res) == 0 {
			problems = append(problems, fmt.Sprintf("%s: %v allowed without a Resource", st.path, acts))
		}
		for _, r := range res {
			if name, ok := strings.CutPrefix(r, "${Ref:"); ok && strings.HasSuffix(name, "}") {
				name = strings.TrimSuffix(name, "}")
				for _, def := range parameterDefaults(doc, name) {
					if wildcardResource.MatchString(strings.TrimSpace(def)) {
						problems = append(problems, fmt.Sprintf("%s: %v allowed on parameter %s whose default %q is a wildcard", st.path, acts, name, def))
					}
				}
				continue
			}
			if wildcardResource.MatchString(r) {
				problems = append(problems, fmt.Sprintf("%s: %v allowed on wildcard resource %q", st.path, acts, r))
			}
		}
	}
	return problems
}

// viaServices are the services through which a customer key may be used.
var viaServices = regexp.MustCompile(`^(ssm|secretsmanager|s3)\.\$\{AWS::Region\}\.amazonaws\.com$|^(ssm|secretsmanager|s3)\.[a-z0-9-]+\.amazonaws\.com$`)

// checkKMSStatements requires every Allow of a kms: action to exist only
// when a customer key is given (inside an Fn::If) and to be limited to use
// through SSM, Secrets Manager or S3 by a kms:ViaService condition.
func checkKMSStatements(doc map[string]any) []string {
	var problems []string
	for _, st := range findStatements(doc) {
		if isDeny(st.body) {
			continue
		}
		var kms bool
		for _, a := range literals(st.body["Action"]) {
			if la := strings.ToLower(a); strings.HasPrefix(la, "kms:") || la == "*" {
				kms = true
			}
		}
		if !kms {
			continue
		}
		if !st.conditional {
			problems = append(problems, st.path+": kms actions granted unconditionally; grant them only when a customer key is given (Fn::If)")
		}
		via := false
		for op, cond := range mapAt(st.body, "Condition") {
			if !strings.HasPrefix(op, "StringEquals") && !strings.HasPrefix(op, "StringLike") {
				continue
			}
			if m, ok := cond.(map[string]any); ok {
				for k, v := range m {
					if strings.EqualFold(k, "kms:ViaService") {
						via = true
						for _, s := range literals(v) {
							if !viaServices.MatchString(s) {
								problems = append(problems, fmt.Sprintf("%s: kms:ViaService %q is not ssm, secretsmanager or s3", st.path, s))
							}
						}
					}
				}
			}
		}
		if !via {
			problems = append(problems, st.path+": kms actions without a kms:ViaService condition")
		}
	}
	return problems
}

// broadManagedPolicy matches AWS managed policies that grant far more than
// this application needs.
var broadManagedPolicy = regexp.MustCompile(`(?i)AdministratorAccess|PowerUserAccess|FullAccess|ReadOnlyAccess|AmazonS3|AmazonSSM|SecretsManager|KMS`)

// checkManagedPolicies fails broad AWS managed policies on roles and SAM
// functions, which would bypass the per-statement checks.
func checkManagedPolicies(doc map[string]any) []string {
	var problems []string
	for name, res := range resources(doc) {
		props := properties(res)
		var arns []string
		switch resourceType(res) {
		case "AWS::IAM::Role":
			arns = literals(props["ManagedPolicyArns"])
		case "AWS::Serverless::Function":
			for _, p := range asList(props["Policies"]) {
				if _, ok := p.(map[string]any); !ok || isIntrinsicString(p) {
					arns = append(arns, literals(p)...)
				}
			}
		}
		for _, a := range arns {
			if broadManagedPolicy.MatchString(a) {
				problems = append(problems, fmt.Sprintf("Resources.%s: broad managed policy %q", name, a))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func isIntrinsicString(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}
