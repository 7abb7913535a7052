package auditapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		name, body string
		next       string
		data       []string
	}{
		{"two records", `{"nextLink":"https://graph-us.avepointonlineservices.com/aos/audit?skipToken=abc","data":[{"a":1},{"b":"x"}]}`,
			"https://graph-us.avepointonlineservices.com/aos/audit?skipToken=abc", []string{`{"a":1}`, `{"b":"x"}`}},
		{"last page", `{"nextLink":null,"data":[{"a":1}]}`, "", []string{`{"a":1}`}},
		{"empty data", `{"nextLink":"/aos/audit?skipToken=2","data":[]}`, "/aos/audit?skipToken=2", nil},
		{"null data", `{"nextLink":null,"data":null}`, "", nil},
		{"escaped nextLink", `{"nextLink":"\/aos\/audit?a=1\u0026skipToken=2","data":[]}`, "/aos/audit?a=1&skipToken=2", nil},
		{"whitespace kept inside records", " {\n \"data\" : [ { \"a\" : [1, \"}\\\"]\"] } ,\n{}] , \"nextLink\" : null }\n",
			"", []string{`{ "a" : [1, "}\"]"] }`, `{}`}},
		{"case-insensitive names", `{"NEXTLINK":"n","DATA":[{}]}`, "n", []string{`{}`}},
		{"escaped member names", `{"next\u004cink":"n","d\u0061ta":[{}]}`, "n", []string{`{}`}},
		{"other members ignored", `{"count":2,"nextLink":null,"meta":{"data":"no"},"data":[{"x":null}],"extra":[1,2]}`, "", []string{`{"x":null}`}},
		{"nested strings with backslashes", `{"data":[{"s":"a\\"},{"t":"\\\""}]}`, "", []string{`{"s":"a\\"}`, `{"t":"\\\""}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePage([]byte(tt.body))
			checkStream(t, []byte(tt.body))
			if err != nil {
				t.Fatalf("ParsePage error: %v", err)
			}
			if p.NextLink != tt.next {
				t.Errorf("got NextLink %q; want %q", p.NextLink, tt.next)
			}
			var got []string
			for _, r := range p.Data {
				got = append(got, string(r))
			}
			if !reflect.DeepEqual(got, tt.data) {
				t.Errorf("got Data %q; want %q", got, tt.data)
			}
		})
	}
}

func TestParsePageErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
		index            int
	}{
		{"html", `<html>502</html>`, "auditapi: bad page: not JSON: invalid character '<' at offset 0", -1},
		{"bad record", `{"data":[{"a":1},{"b":}]}`, "not JSON: invalid character '}' at offset 22, want a value", -1},
		{"bad number", `{"data":[{"a":01}]}`, "not JSON: invalid character '1' at offset 15", -1},
		{"control char", "{\"data\":[{\"a\":\"x\ty\"}]}", "not JSON: invalid character '\\t'", -1},
		{"trailing garbage", `{"data":[]}x`, "want the end after the object", -1},
		{"too deep", `{"data":[` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `]}`, "nesting deeper than 10000", -1},
		{"empty", ``, "not JSON", -1},
		{"two values", `{"data":[]} {}`, "not JSON", -1},
		{"string", `"x"`, "the body is a string, not an object", -1},
		{"number", `42`, "the body is a number, not an object", -1},
		{"data object", `{"data":{}}`, `"data" is an object, not an array`, -1},
		{"data number", `{"data":1}`, `"data" is a number, not an array`, -1},
		{"data bool", `{"data":true}`, `"data" is a boolean, not an array`, -1},
		{"no data", `{"nextLink":null}`, `no "data" member`, -1},
		{"record array", `{"data":[{},[1]]}`, "record 1: an array, not an object", 1},
		{"record number", `{"data":[7]}`, "record 0: a number, not an object", 0},
		{"nextLink object", `{"nextLink":{},"data":[]}`, "nextLink is an object, not a string", -1},
		{"nextLink bool", `{"nextLink":false,"data":[]}`, "nextLink is a boolean, not a string", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePage([]byte(tt.body))
			checkStream(t, []byte(tt.body))
			var pe *PageError
			if !errors.As(err, &pe) || pe.Index != tt.index || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParsePage(%q) = %v, %v; want *PageError (index %d) containing %q", tt.body, p, err, tt.index, tt.want)
			}
		})
	}
}

func FuzzParsePage(f *testing.F) {
	for _, s := range []string{
		`{"nextLink":null,"data":[{"a":1}]}`,
		`{"nextLink":"/aos/audit?skipToken=2","data":[]}`,
		`{"data":[{"s":"a\\\"}"},{"t":[1,{"u":"]"}]}]}`,
		`{"data":[1]}`,
		`<html></html>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePage(body)
		checkStream(t, body)
		if valid := json.Valid(body); !valid && err == nil {
			t.Fatalf("ParsePage(%q) accepted invalid JSON", body)
		} else if valid && err != nil && strings.Contains(err.Error(), "not JSON") && !strings.Contains(err.Error(), "nesting") {
			t.Fatalf("ParsePage(%q) = %v for valid JSON", body, err)
		}
		if err != nil {
			var pe *PageError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePage(%q) error %T; want *PageError", body, err)
			}
			return
		}
		// What encoding/json makes of the same body must agree.
		var ref map[string]json.RawMessage
		if err := json.Unmarshal(body, &ref); err != nil {
			t.Fatalf("ParsePage(%q) accepted a body encoding/json rejects: %v", body, err)
		}
		for _, r := range p.Data {
			if !json.Valid(r) || r[0] != '{' {
				t.Fatalf("ParsePage(%q) record %q is not a JSON object", body, r)
			}
		}
		var want struct {
			NextLink *string           `json:"nextLink"`
			Data     []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("ParsePage(%q) accepted a page encoding/json cannot decode: %v", body, err)
		}
		if want.NextLink != nil && *want.NextLink != p.NextLink {
			t.Fatalf("ParsePage(%q) NextLink = %q; want %q", body, p.NextLink, *want.NextLink)
		}
		if len(want.Data) != len(p.Data) {
			t.Fatalf("ParsePage(%q) got %d records; encoding/json %d", body, len(p.Data), len(want.Data))
		}
		for i := range want.Data {
			var a, b any
			_ = json.Unmarshal(want.Data[i], &a)
			_ = json.Unmarshal(p.Data[i], &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("ParsePage(%q) record %d = %q; want %q", body, i, p.Data[i], want.Data[i])
			}
		}
	})
}

// checkStream checks a Stream client's reading of body, with records
// delimited as auditpull does (readByScan), against the whole reading of a
// Lenient client: the same error, or the same nextLink and records.
// canonjson's acceptance of a record must imply that it is JSON (Valid, and
// encoding/json).
func checkStream(t *testing.T, body []byte) {
	t.Helper()
	wp, werr := (&Client{Lenient: true}).parse(body)
	var items []string
	next, serr := (&Client{Stream: true}).ReadPage(body, func(r *Records) error {
		var err error
		items, err = readByScan(r)
		return err
	})
	if fmt.Sprint(serr) != fmt.Sprint(werr) {
		t.Fatalf("streamed %q: error %v; whole reading's %v", body, serr, werr)
	}
	if werr != nil {
		return
	}
	got := Page{NextLink: next}
	for _, it := range items {
		got.Data = append(got.Data, json.RawMessage(it))
	}
	if !equalPages(got, wp) {
		t.Fatalf("streamed %q = %q, %q; whole reading's %q, %q", body, got.NextLink, got.Data, wp.NextLink, wp.Data)
	}
	for _, r := range got.Data {
		if _, _, werr := canonjson.WithID(nil, r); werr == nil && (!Valid(r) || !json.Valid(r)) {
			t.Fatalf("canonjson accepts %q, which is not JSON", r)
		}
	}
}

func equalPages(a, b Page) bool {
	if a.NextLink != b.NextLink || len(a.Data) != len(b.Data) {
		return false
	}
	for i := range a.Data {
		if !bytes.Equal(a.Data[i], b.Data[i]) {
			return false
		}
	}
	return true
}

func TestValid(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000)
	for rec, want := range map[string]bool{
		`{"a":1}`: true, ` {"a":[1,"x\u00e9\n",{}]} `: true, deep: true, `"x"`: true,
		`{"a":"\x"}`: false, `{"a":"\u00g0"}`: false, "{\"a\":\"\x01\"}": false, `{"a":01}`: false,
		`{"a":[1}`: false, `{"a":1,}`: false, `{"a":1} {}`: false, ``: false, deep[1:]: false,
	} {
		if got := Valid([]byte(rec)); got != want {
			t.Errorf("Valid(%.40q) = %v; want %v", rec, got, want)
		}
	}
}
