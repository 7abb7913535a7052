package auditapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestLenientParse(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000)
	tests := []struct {
		name, body string
		items      []string
		next       string
	}{
		{"non-objects", `{"nextLink":"/n","data":[{"a":1}, "x" ,null,7,[1,{"b":[]}],true]}`, []string{`{"a":1}`, `"x"`, `null`, `7`, `[1,{"b":[]}]`, `true`}, "/n"},
		{"deep record", `{"data":[{"a":1},` + deep + `],"NEXTLINK":null}`, []string{`{"a":1}`, deep}, ""},
		{"data null", `{"data":null,"x":{"y":[]}}`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Lenient: true}
			p, err := c.parse([]byte(tt.body))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			// Read in place, the same items.
			sc := &Client{Lenient: true, Stream: true}
			var items []string
			next, err := sc.ReadPage([]byte(tt.body), func(r *Records) error {
				var err error
				items, err = readByScan(r)
				return err
			})
			if err != nil || next != p.NextLink || len(items) != len(p.Data) {
				t.Fatalf("streamed = %q, %d items, %v; want the page read whole", next, len(items), err)
			}
			for i := range items {
				if items[i] != string(p.Data[i]) {
					t.Fatalf("streamed item %d = %.40s; want %.40s", i, items[i], p.Data[i])
				}
			}
			if p.NextLink != tt.next || len(p.Data) != len(tt.items) {
				t.Fatalf("got nextLink %q, %d items; want %q, %d", p.NextLink, len(p.Data), tt.next, len(tt.items))
			}
			for i, it := range tt.items {
				if string(p.Data[i]) != it {
					t.Errorf("item %d = %.40s; want %.40s", i, p.Data[i], it)
				}
			}
		})
	}
}

func TestLenientKeepsRefusingMalformedPages(t *testing.T) {
	for _, body := range []string{
		`{"data":[{"a":1},"x"`, `{"data":[tru]}`, `{"items":["x"]}`, `["x"]`, `{"data":"x"}`, `{"data":[1]} x`,
		`{"data":[{"a" 1}]}`, `{"data":[{"a":1,}]}`, `{"data":["a` + "\n" + `"]}`, `{"data":[[1}]}`,
	} {
		c := &Client{Lenient: true}
		_, err := c.parse([]byte(body))
		var pe *PageError
		if !errors.As(err, &pe) {
			t.Errorf("parse(%q) error = %v; want ParsePage's *PageError", body, err)
		}
		c.Stream = true
		if _, serr := c.ReadPage([]byte(body), func(r *Records) error { _, err := readByScan(r); return err }); fmt.Sprint(serr) != fmt.Sprint(err) {
			t.Errorf("streamed %q: error %v; want %v", body, serr, err)
		}
	}
	// Without Lenient a non-object still fails the page.
	if _, err := (&Client{}).parse([]byte(`{"data":["x"]}`)); err == nil {
		t.Error(`parse({"data":["x"]}) without Lenient succeeded; want a *PageError`)
	}
}
