package canonjson_test

import (
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
)

func TestKind(t *testing.T) {
	tests := map[string]string{
		`{"a":1}`: "an object", ` [1]`: "an array", `"x"`: "a string", `true`: "a boolean",
		`false`: "a boolean", `null`: "null", `-1.5e3`: "a number", ``: "nothing", "\n\t": "nothing",
	}
	for in, want := range tests {
		if got := canonjson.Kind([]byte(in)); got != want {
			t.Errorf("got Kind(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{`"a\u00e9\n"`, "aé\n", true},
		{` "x" `, "x", true},
		{`null`, "", false},
		{`1`, "", false},
		{`"unterminated`, "", false},
		{``, "", false},
		{`"`, "", false},
		{`"plain token.value_-~"`, "plain token.value_-~", true},
		{`"a" "b"`, "", false},
		{"\"a\tb\"", "", false},
		{"\"a\xffb\"", "a\ufffdb", true},
		{"\"\xed\x9f\xbf\"", "\ud7ff", true},
		{"\"\xed\xa0\x80\"", "\ufffd\ufffd\ufffd", true},
		{`"é€😀"`, "é€😀", true},
	}
	for _, tt := range tests {
		got, ok := canonjson.String([]byte(tt.in))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("got String(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
