package canonjson

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestMemberOrderUTF16 checks member order against a direct sort by UTF-16
// code units, for objects small (insertion sort) and large, with names that
// share long ASCII prefixes and mix ASCII, BMP, U+E000-U+FFFF and
// supplementary characters.
func TestMemberOrderUTF16(t *testing.T) {
	alphabet := []rune{'a', 'b', 'B', '_', '0', '\u0000', '\u001f', '\u007f', '\u0080', 'é', '€', '\ud7ff', '\ue000', '\uffee', '😀', '\U0001f600' + 1, '\U0010ffff'}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 5, 12, 20, 40, 41, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			for range 20 {
				names := map[string]bool{}
				for len(names) < n {
					var b strings.Builder
					if r.IntN(2) == 0 {
						b.WriteString("actionName") // a shared 8-byte prefix
					}
					for range r.IntN(4) {
						b.WriteRune(alphabet[r.IntN(len(alphabet))])
					}
					names[b.String()] = true
				}
				var in strings.Builder
				in.WriteByte('{')
				var keys []string
				i := 0
				for name := range names { // random order
					if i > 0 {
						in.WriteByte(',')
					}
					k, _ := json.Marshal(name)
					fmt.Fprintf(&in, "%s:%d", k, i)
					keys = append(keys, name)
					i++
				}
				in.WriteByte('}')
				slices.SortFunc(keys, func(a, b string) int {
					return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
				})
				out, err := Append(nil, []byte(in.String()))
				if err != nil {
					t.Fatalf("Append(%q) error: %v", in.String(), err)
				}
				dec := json.NewDecoder(strings.NewReader(string(out)))
				var got []string
				dec.Token() // {
				for dec.More() {
					k, _ := dec.Token()
					got = append(got, k.(string))
					dec.Token() // value
				}
				if !slices.Equal(got, keys) {
					t.Fatalf("Append ordered names %q; want %q", got, keys)
				}
			}
		})
	}
}
