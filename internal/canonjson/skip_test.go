package canonjson

import "testing"

// TestSkipPlain checks the eight-bytes-at-a-time skipPlain against the
// byte-at-a-time table, for every byte value at every position of strings
// of plain bytes long enough to take both loops, after every start.
func TestSkipPlain(t *testing.T) {
	naive := func(b []byte, i int) int {
		for i < len(b) && plain[b[i]] {
			i++
		}
		return i
	}
	for n := range 20 {
		for pos := range n {
			for c := range 256 {
				b := make([]byte, n)
				for k := range b {
					b[k] = "aZ~\x7f\x80\xec\xee\xff"[k%8]
				}
				b[pos] = byte(c)
				for start := range n + 1 {
					if got, want := skipPlain(b, start), naive(b, start); got != want {
						t.Fatalf("skipPlain(%q, %d) = %d; want %d", b, start, got, want)
					}
				}
			}
		}
	}
}

// checkEscaped checks, when "data" is a valid JSON string, that appendEscaped
// gives what unescape and appendString give in two passes.
func checkEscaped(t *testing.T, data []byte) {
	s := &state{src: append(append([]byte{'"'}, data...), '"')}
	a, b, _, err := s.scanString()
	if err != nil || s.pos != len(s.src) {
		return
	}
	want := appendString(nil, unescape(nil, s.src[a:b]))
	if got, ok := appendEscaped(nil, s.src[a:b]); ok && string(got) != string(want) {
		t.Fatalf("appendEscaped(%q) = %q; want %q", s.src[a:b], got, want)
	}
}

func TestAppendEscaped(t *testing.T) {
	for _, in := range []string{
		`a\u0022b\u005c\u002F\/\"\\\b\f\n\r\t\u0001\u001f\u007f\u00e9\u20ac`,
		`\u0008\u000C\u000a\u000D\u0009`, `{\u0022ObjectId\u0022:\u0022fcf1\u0022}`, `plain`, ``,
		`\ud83d\ude00`, "\xed\x9f\xbf", `é\u00E9`,
	} {
		checkEscaped(t, []byte(in))
	}
	if _, ok := appendEscaped(nil, []byte(`\ud83d`)); ok {
		t.Error("appendEscaped took a surrogate escape")
	}
}
