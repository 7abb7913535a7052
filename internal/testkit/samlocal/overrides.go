package samlocal

import (
	"fmt"
	"strings"
)

// ParseParameterOverrides parses `--parameter-overrides` as SAM CLI takes
// it: space-separated Key=Value pairs, or CloudFormation's
// ParameterKey=Key,ParameterValue=Value; a value with spaces is quoted
// ("..." or '...').
func ParseParameterOverrides(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, tok := range splitQuoted(s) {
		key, value, ok := strings.Cut(tok, "=")
		if ok && key == "ParameterKey" {
			k, rest, ok2 := strings.Cut(value, ",")
			v, ok3 := strings.CutPrefix(rest, "ParameterValue=")
			if !ok2 || !ok3 {
				return nil, fmt.Errorf("samlocal: parameter override %q: write ParameterKey=Name,ParameterValue=Value or Name=Value", tok)
			}
			key, value = k, v
		}
		if !ok || key == "" {
			return nil, fmt.Errorf("samlocal: parameter override %q: write Name=Value (several separated by spaces)", tok)
		}
		out[key] = unquote(value)
	}
	return out, nil
}

// splitQuoted splits s at spaces outside quotes.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0:
			cur.WriteRune(r)
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
			cur.WriteRune(r)
			in = true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}
