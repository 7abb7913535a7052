package canonjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// surrogateEscape matches \uD800-\uDFFF escapes, which encoding/json turns
// into U+FFFD when alone, so they are left out of the semantic comparison.
var surrogateEscape = regexp.MustCompile(`(?i)\\ud[89a-f]`)

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `0`, `-0`, `1.0`, `1e400`, `"\ud83d"`, `"\ud83d\ude00"`, "\"\xed\xa0\xbd\xed\xb8\x80\"",
		`{"b":[1,{"d":1,"c":2}],"a":"\u00e9\/\n"}`,
		`{"_id":"x","z":1,"a":2}`,
		`{"a":1,"a":2}`,
		`{"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}`,
		avepointRecord,
		`{"_id":1,` + avepointRecord[1:],
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPrefix(t, data)
		checkFastPath(t, data, avepointRecord)
		checkEscaped(t, data)
		var want string // String before its fast path
		trimmed := bytes.TrimSpace(data)
		wantOK := len(trimmed) > 0 && trimmed[0] == '"' && json.Unmarshal(trimmed, &want) == nil
		if got, ok := String(data); got != want || ok != wantOK {
			t.Fatalf("String(%q) = %q, %v; encoding/json %q, %v", data, got, ok, want, wantOK)
		}
		out, err := Append(nil, data)
		valid := json.Valid(data)
		if err != nil {
			if valid && !strings.Contains(err.Error(), "duplicate member name") && !strings.Contains(err.Error(), "nesting deeper") {
				t.Fatalf("Append(%q) error %v for valid JSON", data, err)
			}
			return
		}
		if !valid {
			t.Fatalf("Append(%q) = %q; want an error for invalid JSON", data, out)
		}
		if !json.Valid(out) {
			t.Fatalf("Append(%q) = %q, not valid JSON", data, out)
		}
		again, err := Append(nil, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Append(Append(%q)) = %q, %v; want %q", data, again, err, out)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, data, "", "  "); err != nil {
			t.Fatalf("json.Indent(%q): %v", data, err)
		}
		fromIndented, err := Append(nil, indented.Bytes())
		if err != nil || !bytes.Equal(fromIndented, out) {
			t.Fatalf("Append(indented %q) = %q, %v; want %q", data, fromIndented, err, out)
		}
		if utf8.Valid(data) && !surrogateEscape.MatchString(string(data)) {
			var before, after any
			if json.Unmarshal(data, &before) == nil {
				if err := json.Unmarshal(out, &after); err != nil || !reflect.DeepEqual(before, after) {
					t.Fatalf("Append(%q) = %q changes the value: %v", data, out, err)
				}
			}
		}
		if len(out) == 0 || out[0] != '{' {
			return
		}
		id, err := ID(data)
		if err != nil {
			t.Fatalf("ID(%q) error: %v", data, err)
		}
		if id2, err := ID(indented.Bytes()); err != nil || id2 != id {
			t.Fatalf("ID(indented %q) = %x, %v; want %x", data, id2, err, id)
		}
		line, id3, err := WithID(nil, data)
		if err != nil || id3 != id || !json.Valid(line) {
			t.Fatalf("WithID(%q) = %q, %x, %v; want valid JSON with id %x", data, line, id3, err, id)
		}
		if id4, err := ID(line); err != nil || id4 != id {
			t.Fatalf("ID(WithID(%q)) = %x, %v; want %x", data, id4, err, id)
		}
	})
}

// checkPrefix checks WithIDPrefix on data followed by the rest of an array:
// it succeeds exactly where WithID of its first n bytes does, and when WithID
// of data alone succeeds it reads the same object (n ends data, but for
// trailing white space).
func checkPrefix(t *testing.T, data []byte) {
	t.Helper()
	const more = `,{"next":"record"}]}`
	text := append(bytes.Clone(data), more...)
	pline, pid, n, perr := WithIDPrefix(nil, text)
	if perr != nil {
		if n != 0 {
			t.Fatalf("WithIDPrefix(%q) = n %d with error %v; want 0", text, n, perr)
		}
		if _, _, werr := WithID(nil, data); werr == nil {
			t.Fatalf("WithIDPrefix(%q) error %v, where WithID of its object alone succeeds", text, perr)
		}
		return
	}
	line, id, err := WithID(nil, text[:n])
	if err != nil || id != pid || !bytes.Equal(line, pline) {
		t.Fatalf("WithIDPrefix(%q) = %q, %x, n %d; WithID of its first n bytes %q, %x, %v", text, pline, pid, n, line, id, err)
	}
	if wline, wid, werr := WithID(nil, data); werr == nil && (wid != pid || !bytes.Equal(wline, pline) || len(bytes.TrimSpace(data[n:])) != 0) {
		t.Fatalf("WithIDPrefix(%q) = %q, n %d; WithID(%q) = %q", text, pline, n, data, wline)
	}
}
