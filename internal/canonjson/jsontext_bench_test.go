//go:build goexperiment.jsonv2

package canonjson

import (
	"encoding/json/jsontext"
	"testing"
)

// BenchmarkJSONTextCanonicalize is BenchmarkAppend with encoding/json/jsontext
// (GOEXPERIMENT=jsonv2), for the package documentation's comparison:
//
//	GOEXPERIMENT=jsonv2 go test -run '^$' -bench 'Append$|JSONText' ./internal/canonjson
func BenchmarkJSONTextCanonicalize(b *testing.B) {
	rec := []byte(avepointRecord)
	want, err := Append(nil, rec)
	if err != nil {
		b.Fatal(err)
	}
	v := jsontext.Value(append([]byte(nil), rec...))
	if err := v.Canonicalize(); err != nil || string(v) != string(want) {
		b.Fatalf("Canonicalize = %s, %v; want %s", v, err, want)
	}
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		v = append(v[:0], rec...)
		if err := v.Canonicalize(); err != nil {
			b.Fatal(err)
		}
	}
}
