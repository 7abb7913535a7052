package auditapi

import (
	"errors"
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
			p, err := c.parse([]byte(tt.body), true)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			// SplitPage leaves such pages to ParsePage: the same items.
			if sp, err := c.parse([]byte(tt.body), false); err != nil || !equalPages(sp, p) {
				t.Fatalf("unchecked parse = %d items, %v; want the checked page", len(sp.Data), err)
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
		_, err := c.parse([]byte(body), true)
		var pe *PageError
		if !errors.As(err, &pe) {
			t.Errorf("parse(%q) error = %v; want ParsePage's *PageError", body, err)
		}
	}
	// Without Lenient a non-object still fails the page.
	if _, err := (&Client{}).parse([]byte(`{"data":["x"]}`), false); err == nil {
		t.Error(`parse({"data":["x"]}) without Lenient succeeded; want a *PageError`)
	}
}
