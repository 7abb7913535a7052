package canonjson

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestAppend(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty object", `{}`, `{}`},
		{"empty array", ` [ ] `, `[]`},
		{"literals", `[true, false, null]`, `[true,false,null]`},
		{"key order", `{"b":1,"a":2,"c":3}`, `{"a":2,"b":1,"c":3}`},
		{"prefix sorts first", `{"ab":1,"a":2,"":3}`, `{"":3,"a":2,"ab":1}`},
		{"upper before lower", `{"a":1,"B":2,"_":3}`, `{"B":2,"_":3,"a":1}`},
		{"nested objects", `{"z":{"y":1,"x":[{"b":1,"a":2}]},"a":null}`, `{"a":null,"z":{"x":[{"a":2,"b":1}],"y":1}}`},
		{"array order kept", `[3,1,2,{"b":0,"a":0}]`, `[3,1,2,{"a":0,"b":0}]`},
		{"whitespace", "\t{ \"a\" :\r\n [ 1 , 2 ] ,\n\"b\" : { } }\n", `{"a":[1,2],"b":{}}`},
		// The RFC 8785 §3.2.3 sorting example: keys by UTF-16 code units,
		// so U+20AC (0x20AC) < U+1F600 (0xD83D 0xDE00) < U+FB33 (0xFB33).
		{"rfc8785 sorting", `{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		{"euro before emoji", `{"😀":2,"€":1}`, `{"€":1,"😀":2}`},
		{"emoji before U+FFFF block", `{"\uffff":1,"\ud83d\ude00":2,"\ue000":3}`, "{\"😀\":2,\"\ue000\":3,\"\uffff\":1}"},
		// The RFC 8785 §3.2.2 example (all its numbers take the float path).
		{"rfc8785 example", `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`, `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`},
		{"integer", `1`, `1`},
		{"minus zero", `-0`, `0`},
		{"minus zero float", `-0.0`, `0`},
		{"one point zero", `1.0`, `1`},
		{"1e3", `1e3`, `1000`},
		{"1E+3", `1E+3`, `1000`},
		{"micro", `0.000001`, `0.000001`},
		{"below micro", `0.0000001`, `1e-7`},
		{"1e21", `1e21`, `1e+21`},
		{"just below 1e21", `999999999999999900000.0`, `999999999999999900000`},
		{"big integer verbatim", `123456789012345678901234567890`, `123456789012345678901234567890`},
		{"negative integer verbatim", `-9007199254740993`, `-9007199254740993`},
		{"2^53 as float", `9007199254740992.0`, `9007199254740992`},
		{"fraction", `-1.5e-3`, `-0.0015`},
		{"overflow kept verbatim", `1e400`, `1e400`},
		{"underflow is zero", `1e-400`, `0`},
		{"escaped e acute", `"\u00e9"`, `"é"`},
		{"raw e acute", `"é"`, `"é"`},
		{"solidus", `"a\/b"`, `"a/b"`},
		{"short escapes", `"\b\f\n\r\t"`, `"\b\f\n\r\t"`},
		{"control escapes lowercase", `"\u0001\u001F\u000B"`, `"\u0001\u001f\u000b"`},
		{"quote and backslash", `"\u0022\u005C"`, `"\"\\"`},
		{"del and line separator raw", `"\u007f\u2028"`, "\"\u007f\u2028\""},
		{"surrogate pair", `"\uD83D\uDE00"`, `"😀"`},
		{"lone high surrogate kept", `"\uD83Dx"`, `"\ud83dx"`},
		{"lone low surrogate kept", `"\uDE00"`, `"\ude00"`},
		{"reversed pair kept", `"\ude00\ud83d"`, `"\ude00\ud83d"`},
		{"invalid UTF-8 kept", "\"a\xffb\"", "\"a\xffb\""},
		{"hangul", `"한국어"`, `"한국어"`},
		{"escaped key", `{"\u0062":1,"a":2}`, `{"a":2,"b":1}`},
		{"control key sorts first", `{"A":1,"\n":2}`, `{"\n":2,"A":1}`},
		{"_id kept by Append", `{"_id":"x","a":1}`, `{"_id":"x","a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append(nil, []byte(tt.in))
			if err != nil {
				t.Fatalf("Append(%q) error: %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Append(%q) = %q; want %q", tt.in, got, tt.want)
			}
			again, err := Append([]byte("prefix"), got)
			if err != nil || string(again) != "prefix"+tt.want {
				t.Errorf("Append(prefix, output) = %q, %v; want %q", again, err, "prefix"+tt.want)
			}
		})
	}
}

func TestAppendErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, "unexpected end of input"},
		{"only space", `  `, "unexpected end of input"},
		{"garbage", `<html>`, `invalid character '<'`},
		{"trailing", `{} {}`, "end of input after the value"},
		{"trailing comma object", `{"a":1,}`, "member name"},
		{"trailing comma array", `[1,]`, "a value"},
		{"missing colon", `{"a" 1}`, `':'`},
		{"unquoted key", `{a:1}`, "member name"},
		{"unterminated string", `"abc`, "closing the string"},
		{"raw control char", "\"a\nb\"", "control character"},
		{"bad escape", `"\x"`, "an escape"},
		{"short unicode escape", `"\u12"`, "hex digit"},
		{"leading zero", `01`, "end of input after the value"},
		{"lone minus", `-`, "a digit"},
		{"dot without digit", `1.`, "after '.'"},
		{"exponent without digit", `1e+`, "exponent"},
		{"plus sign", `+1`, "a value"},
		{"NaN", `NaN`, "a value"},
		{"truncated literal", `tru`, "true"},
		{"duplicate adjacent", `{"a":1,"a":2}`, `duplicate member name "a"`},
		{"duplicate unsorted", `{"b":1,"a":2,"b":3}`, `duplicate member name "b"`},
		{"duplicate by escape", `{"é":1,"\u00e9":2}`, `duplicate member name "é"`},
		{"duplicate nested", `[{"x":{"k":1,"k":1}}]`, `duplicate member name "k"`},
		{"unclosed", `{"a":[1,2`, "',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append([]byte("keep"), []byte(tt.in))
			if err == nil {
				t.Fatalf("Append(%q) = %q; want an error", tt.in, got)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("Append(%q) error %T; want *SyntaxError", tt.in, err)
			}
			if !strings.HasPrefix(err.Error(), "canonjson: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Append(%q) error = %q; want it to contain %q", tt.in, err, tt.want)
			}
			if string(got) != "keep" {
				t.Errorf("Append(%q) dst = %q; want %q", tt.in, got, "keep")
			}
		})
	}
}

func TestAppendDepth(t *testing.T) {
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := Append(nil, []byte(ok)); err != nil {
		t.Errorf("Append(%d nested arrays) error: %v", maxDepth, err)
	}
	deep := strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1)
	_, err := Append(nil, []byte(deep))
	if err == nil || !strings.Contains(err.Error(), "nesting deeper") {
		t.Errorf("Append(%d nested objects) error = %v; want nesting deeper", maxDepth+1, err)
	}
}

func TestES6Numbers(t *testing.T) {
	// RFC 8785 Appendix B.
	tests := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			f := float64frombits(tt.bits)
			if got := appendES6(nil, f); string(got) != tt.want {
				t.Errorf("appendES6(%#016x) = %q; want %q", tt.bits, got, tt.want)
			}
			// The same value written with an exponent takes the float path.
			lit := []byte(string(appendExp(f)))
			got, err := Append(nil, lit)
			if err != nil || string(got) != tt.want {
				t.Errorf("Append(%s) = %q, %v; want %q", lit, got, err, tt.want)
			}
		})
	}
}

func TestID(t *testing.T) {
	base := `{"actionName":"Login","actionTime":"2024-10-10T08:00:00Z","status":1}`
	sum := sha256.Sum256([]byte(base))
	same := []string{
		base,
		`{"status":1,"actionTime":"2024-10-10T08:00:00Z","actionName":"Login"}`,
		"{\n  \"actionName\": \"Login\",\n  \"actionTime\": \"2024-10-10T08:00:00Z\",\n  \"status\": 1\n}",
		`{"_id":"0000","actionName":"Login","actionTime":"2024-10-10T08:00:00Z","status":1}`,
		`{"actionName":"Login","\u005fid":"0000","actionTime":"2024-10-10T08:00:00Z","status":1}`,
		`{"actionName":"Lo\u0067in","actionTime":"2024-10-10T08:00:00Z","status":1.0}`,
		`{"actionName":"Login","actionTime":"2024-10-10T08:00:00Z","status":1,"_id":{"nested":true}}`,
	}
	for _, in := range same {
		got, err := ID([]byte(in))
		if err != nil {
			t.Fatalf("ID(%q) error: %v", in, err)
		}
		if got != sum {
			t.Errorf("ID(%q) = %x; want %x", in, got, sum)
		}
	}
	different := []string{
		`{"actionName":"Login","actionTime":"2024-10-10T08:00:00Z","status":"1"}`,
		`{"actionName":"Login","actionTime":"2024-10-10T08:00:00Z","status":1,"x":null}`,
		`{"actionName":"login","actionTime":"2024-10-10T08:00:00Z","status":1}`,
		`{"actionName":"Login","actionTime":"2024-10-10T08:00:00Z","status":1,"n":{"_id":1}}`,
	}
	for _, in := range different {
		got, err := ID([]byte(in))
		if err != nil {
			t.Fatalf("ID(%q) error: %v", in, err)
		}
		if got == sum {
			t.Errorf("ID(%q) = ID(%q); want a different id", in, base)
		}
	}
}

func TestIDErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"array", `[1]`, ErrNotObject.Error()},
		{"string", `"x"`, ErrNotObject.Error()},
		{"null", `null`, ErrNotObject.Error()},
		{"invalid", `{"a":}`, "a value"},
		{"two _id", `{"_id":1,"a":1,"_id":2}`, `duplicate member name "_id"`},
		{"empty", ``, "unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ID([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ID(%q) error = %v; want %q", tt.in, err, tt.want)
			}
			line, _, err := WithID([]byte("keep"), []byte(tt.in))
			if err == nil || string(line) != "keep" {
				t.Errorf("WithID(%q) = %q, %v; want an error and dst unchanged", tt.in, line, err)
			}
		})
	}
}

func TestWithID(t *testing.T) {
	tests := []struct {
		name, in, rest string // want: {"_id":"<hex>"+rest
	}{
		{"plain", `{"b":1,"a":"x"}`, `,"b":1,"a":"x"}`},
		{"empty", `{}`, `}`},
		{"spaces removed, escapes kept", "{ \"b\" : [ 1 , \"a b\\u00e9\" ] ,\n \"a\":{ } }", `,"b":[1,"a b\u00e9"],"a":{}}`},
		{"_id replaced first", `{"_id":"old","a":1}`, `,"a":1}`},
		{"_id replaced middle", `{"a":1,"_id":"old","b":2}`, `,"a":1,"b":2}`},
		{"_id replaced last", `{"a":1,"_id":"old"}`, `,"a":1}`},
		{"only _id", `{"_id":"old"}`, `}`},
		{"nested _id kept", `{"a":{"_id":1}}`, `,"a":{"_id":1}}`},
		{"numbers verbatim", `{"n":1.50,"m":1E3,"z":-0}`, `,"n":1.50,"m":1E3,"z":-0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ID([]byte(tt.in))
			if err != nil {
				t.Fatalf("ID(%q) error: %v", tt.in, err)
			}
			line, gotID, err := WithID([]byte("x\n"), []byte(tt.in))
			if err != nil {
				t.Fatalf("WithID(%q) error: %v", tt.in, err)
			}
			if gotID != id {
				t.Errorf("WithID(%q) id = %x; want %x", tt.in, gotID, id)
			}
			want := `x` + "\n" + `{"_id":"` + hex.EncodeToString(id[:]) + `"` + tt.rest
			if string(line) != want {
				t.Errorf("WithID(%q) = %q; want %q", tt.in, line, want)
			}
			if !json.Valid(line[2:]) {
				t.Errorf("WithID(%q) line %q is not valid JSON", tt.in, line[2:])
			}
			// A line is its own record: fingerprinting it again gives the same id.
			if again, err := ID(line[2:]); err != nil || again != id {
				t.Errorf("ID(WithID(%q)) = %x, %v; want %x", tt.in, again, err, id)
			}
		})
	}
}

func TestWithIDAppendsToDst(t *testing.T) {
	var buf []byte
	records := []string{`{"a":1}`, `{"a":2}`, `{"a":1}`}
	var ids [][32]byte
	for _, r := range records {
		var id [32]byte
		var err error
		buf, id, err = WithID(buf, []byte(r))
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, '\n')
		ids = append(ids, id)
	}
	lines := bytes.Split(bytes.TrimSuffix(buf, []byte("\n")), []byte("\n"))
	if len(lines) != 3 {
		t.Fatalf("got %d lines; want 3", len(lines))
	}
	if ids[0] != ids[2] || ids[0] == ids[1] {
		t.Errorf("ids = %x; want the first and last equal, the middle different", ids)
	}
	if !bytes.Equal(lines[0], lines[2]) {
		t.Errorf("lines %q and %q; want equal", lines[0], lines[2])
	}
}

func TestWithIDPrefix(t *testing.T) {
	for _, tt := range []struct {
		text string
		n    int // 0: an error
	}{
		{`{"b":1,"a":"x"},{"c":3}]}`, 15},
		{`{"b":1,"a":"x"}`, 15},
		{` {"a":[1,{"}":"]"}]} ]`, 20},
		{`{"a":1}garbage`, 7},
		{`{"a":1,"a":2},{}`, 0},
		{`{"a":"unterminated},{"b":2}]`, 0},
		{`"x",{}`, 0},
		{``, 0},
	} {
		line, id, n, err := WithIDPrefix(nil, []byte(tt.text))
		if n != tt.n || (err == nil) != (tt.n > 0) {
			t.Errorf("WithIDPrefix(%q) = n %d, %v; want n %d", tt.text, n, err, tt.n)
			continue
		}
		if err != nil {
			continue
		}
		wline, wid, werr := WithID(nil, []byte(tt.text[:n]))
		if werr != nil || wid != id || string(wline) != string(line) {
			t.Errorf("WithIDPrefix(%q) = %s, %x; WithID of the object %s, %x, %v", tt.text, line, id, wline, wid, werr)
		}
	}
}
