package auditapi

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// Records' methods called out of order, or with a wrong length, return an
// error or false: they never panic, and never report a good page as bad.
func TestRecordsMisuse(t *testing.T) {
	t.Run("whole", func(t *testing.T) {
		r := RecordsOf([]json.RawMessage{json.RawMessage(`{"a":1}`)})
		if _, err := r.Item(); !errors.Is(err, errNoRecord) || r.Rest() != nil || r.Skip(1) {
			t.Fatalf("before Next: Item error %v, Rest %q, Skip true; want errNoRecord, nil, false", err, r.Rest())
		}
		if !r.Next() || r.Skip(math.MaxInt) || r.Skip(3) || !r.Skip(7) {
			t.Fatal("Skip accepted a length that is not the item's, or refused the item's")
		}
		if item, err := r.Item(); err != nil || string(item) != `{"a":1}` {
			t.Fatalf("Item after Skip = %q, %v", item, err)
		}
		if r.Next() || r.Err() != nil {
			t.Fatalf("Next after the last item = true or error %v", r.Err())
		}
		if _, err := r.Item(); !errors.Is(err, errNoRecord) || r.Rest() != nil || r.Skip(1) {
			t.Fatalf("after the end: Item error %v, Rest %q; want errNoRecord, nil", err, r.Rest())
		}
		if RecordsOf(nil).Next() {
			t.Fatal("RecordsOf(nil) has a record")
		}
	})
	t.Run("in place", func(t *testing.T) {
		c := &Client{Stream: true}
		var got []string
		_, err := c.ReadPage([]byte(`{"data":[ {"a":1} ,{"b":[2]}],"nextLink":null}`), func(r *Records) error {
			if _, err := r.Item(); !errors.Is(err, errNoRecord) || r.Rest() != nil || r.Skip(1) {
				t.Errorf("before Next: Item error %v, Rest %q; want errNoRecord, nil", err, r.Rest())
			}
			if !r.Next() || r.Skip(math.MaxInt) || r.Skip(0) || !r.Skip(7) || r.Skip(7) {
				t.Error("Skip accepted an impossible length, a second Skip, or refused the item's")
			}
			for range 2 { // Item after Skip, and again
				item, err := r.Item()
				if err != nil {
					return err
				}
				got = append(got, string(item))
			}
			if !r.Next() {
				return r.Err()
			}
			item, err := r.Item()
			if err != nil {
				return err
			}
			got = append(got, string(item))
			if r.Next() {
				t.Error("a third record")
			}
			if _, err := r.Item(); !errors.Is(err, errNoRecord) || r.Rest() != nil {
				t.Errorf("after the end: Item error %v, Rest %q; want errNoRecord, nil", err, r.Rest())
			}
			return nil
		})
		if err != nil || strings.Join(got, " ") != `{"a":1} {"a":1} {"b":[2]}` {
			t.Fatalf("ReadPage = %q, %v", got, err)
		}
	})
	t.Run("wrong length", func(t *testing.T) {
		c := &Client{Stream: true}
		_, err := c.ReadPage([]byte(`{"data":[{"a":1},{"b":2}]}`), func(r *Records) error {
			r.Next()
			r.Skip(3) // `{"a`: the next Next finds no ',' there
			for r.Next() {
			}
			return nil
		})
		var pe *PageError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "delimited wrongly") {
			t.Fatalf("ReadPage after a wrong Skip = %v; want a PageError naming the caller's mistake", err)
		}
	})
}
