package auditpull

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestRawLine(t *testing.T) {
	tests := []struct {
		name, record, rest string
	}{
		{"duplicate member", `{"a": 1, "a" : "x y"}`, `,"a":1,"a":"x y"}`},
		{"empty object", "{ \n}", `}`},
		{"escaped quote", `{"s": "say \"hi\" \\", "t" :[ 1, 2 ]}`, `,"s":"say \"hi\" \\","t":[1,2]}`},
		{"own _id twice and _id_basis", `{"_id":"theirs","a":{"_id":"nested stays"},"_id":[1,{"x":"}"}],"\u005fid_basis":"x","b":2}`,
			`,"a":{"_id":"nested stays"},"b":2}`},
		{"only its own _id", `{"_id": 1}`, `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, id := rawLine(nil, []byte(tt.record))
			sum := sha256.Sum256([]byte(tt.record))
			want := `{"_id":"` + hex.EncodeToString(sum[:]) + `","_id_basis":"raw"` + tt.rest
			if string(line) != want || id != sum {
				t.Errorf("got rawLine = %s, %x; want %s, %x", line, id, want, sum)
			}
		})
	}
}

func TestQuarantineLine(t *testing.T) {
	got := quarantineLine(nil, "2024-10-10T00:00:00Z/2024-10-10T01:00:00Z", 2, 7, []byte("[ 1,\n2 ]"))
	want := `{"window":"2024-10-10T00:00:00Z/2024-10-10T01:00:00Z","page":2,"index":7,"item":[1,2]}`
	if string(got) != want {
		t.Errorf("got %s; want %s", got, want)
	}
}

func TestIsObject(t *testing.T) {
	for in, want := range map[string]bool{`{}`: true, " \n{\"a\":1}": true, `"x"`: false, `null`: false, `[{}]`: false, ``: false, `7`: false} {
		if got := isObject([]byte(in)); got != want {
			t.Errorf("isObject(%q) = %v; want %v", in, got, want)
		}
	}
	if strings.Contains(string(compact(nil, []byte(`{"a b": "c\td"}`))), " ") != true {
		t.Error("compact removed a space inside a string")
	}
}
