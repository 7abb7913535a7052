package canonjson

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Kind names the JSON type of raw, a valid JSON value (leading white space
// allowed): "an object", "an array", "a string", "a boolean", "null", "a
// number", or "nothing" when raw is empty.
func Kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// String decodes raw when it is a JSON string; false for any other JSON type,
// null included, and for invalid input.
func String(raw []byte) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	// Most strings (tokens, names, URLs) hold no escape: their content is
	// the string, without encoding/json's three allocations.
	if content := raw[1:max(len(raw)-1, 1)]; len(raw) >= 2 && raw[len(raw)-1] == '"' &&
		skipPlain(content, 0) == len(content) && utf8.Valid(content) {
		return string(content), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}
