package targets

import (
	"encoding/json"
	"testing"
)

// del, as a value in tgt, removes the field from the base target.
var del = &struct{}{}

// tgt returns the valid base target with the given field/value pairs set
// (del removes a field).
func tgt(kv ...any) map[string]any {
	m := map[string]any{
		"name":           "a",
		"secret_id":      "s/a",
		"parameter_name": "/tokens/a",
		"token_url":      "https://idp.example.com/token",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == del {
			delete(m, k)
			continue
		}
		m[k] = kv[i+1]
	}
	return m
}

// doc builds a document holding the targets, and the defaults when not nil.
func doc(defaults map[string]any, targets ...map[string]any) string {
	d := map[string]any{"targets": targets}
	if defaults != nil {
		d["defaults"] = defaults
	}
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// problems returns the problems of Parse's error, failing the test when the
// error is not a *ValidationError.
func problems(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	invalid, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("Parse error is %T (%v); want *ValidationError", err, err)
	}
	return invalid.Problems
}
