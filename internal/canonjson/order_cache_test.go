package canonjson

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// sameAsGeneric checks that the one-pass path for the top-level object
// (topObject, with the member order it remembers in s) gives what the
// generic path, which canonicalised every object before it existed, gives
// for data: the same canonical form, id and line, or an error of the same
// kind for both.
func sameAsGeneric(s *state, data []byte) error {
	generic := &state{generic: true}
	wantC, wantCErr := generic.append(nil, data)
	wantL, wantID, wantErr := generic.withID(nil, data, true)
	gotC, gotCErr := s.append(nil, data)
	gotL, gotID, gotErr := s.withID(nil, data, true)
	switch {
	case !sameErr(gotCErr, wantCErr):
		return fmt.Errorf("Append error %v; generic %v", gotCErr, wantCErr)
	case !sameErr(gotErr, wantErr):
		return fmt.Errorf("WithID error %v; generic %v", gotErr, wantErr)
	case !bytes.Equal(gotC, wantC):
		return fmt.Errorf("Append = %q; generic %q", gotC, wantC)
	case gotID != wantID || !bytes.Equal(gotL, wantL):
		return fmt.Errorf("WithID = %q, %x; generic %q, %x", gotL, gotID, wantL, wantID)
	}
	return nil
}

func sameErr(got, want error) bool {
	if (got == nil) != (want == nil) || errors.Is(got, ErrNotObject) != errors.Is(want, ErrNotObject) {
		return false
	}
	var g, w *SyntaxError
	return errors.As(got, &g) == errors.As(want, &w)
}

// checkFastPath runs sameAsGeneric on data with no remembered order, then
// again with data's own order remembered, then after each of the warm
// records (whose order is then the remembered one).
func checkFastPath(t *testing.T, data []byte, warm ...string) {
	t.Helper()
	s := new(state)
	for i := range 2 {
		if err := sameAsGeneric(s, data); err != nil {
			t.Fatalf("run %d on %q: %v", i, data, err)
		}
	}
	for _, w := range warm {
		s := new(state)
		if _, _, err := s.withID(nil, []byte(w), true); err != nil {
			t.Fatalf("warm-up record %q: %v", w, err)
		}
		if err := sameAsGeneric(s, data); err != nil {
			t.Fatalf("after %.60q, on %q: %v", w, data, err)
		}
	}
}

// TestOrderCache checks the one-pass path against the generic one on
// records shaped like AvePoint's after an AvePoint record, so that they
// meet the remembered order: the same names, one renamed, added, dropped,
// repeated, swapped or escaped, an "_id", whitespace and nested values.
func TestOrderCache(t *testing.T) {
	rec := avepointRecord
	tests := map[string]string{
		"same":                     rec,
		"same order, other values": strings.Replace(rec, `"Deactivate"`, `"Activate \u00e9 \"x\""`, 1),
		"renamed":                  strings.Replace(rec, `"status"`, `"statuz"`, 1),
		"renamed last":             strings.Replace(rec, `"additionalDetails"`, `"additionalDetailz"`, 1),
		"extra":                    rec[:len(rec)-1] + `,"zz":1}`,
		"dropped":                  strings.Replace(rec, `"comment":"Ticket #4521",`, ``, 1),
		"duplicate":                rec[:len(rec)-1] + `,"status":"x"}`,
		"duplicate first":          `{"actionName":"x",` + rec[1:],
		"swapped":                  strings.Replace(rec, `"product":"Portal","geoLocation":"EUR"`, `"geoLocation":"EUR","product":"Portal"`, 1),
		"escaped name":             strings.Replace(rec, `"status"`, `"st\u0061tus"`, 1),
		"escaped dup":              rec[:len(rec)-1] + `,"st\u0061tus":"x"}`,
		"with _id":                 `{"_id":"abc",` + rec[1:],
		"_id in middle":            strings.Replace(rec, `"status":`, `"_id":"abc","status":`, 1),
		"_id twice":                `{"_id":"abc",` + rec[1:len(rec)-1] + `,"_id":1}`,
		"spaced":                   strings.ReplaceAll(rec, `","`, `" , "`),
		"space in member":          strings.Replace(rec, `"status":`, `"status" : `, 1),
		"nested":                   strings.Replace(rec, `"Successful"`, `{"b":[1.0,{"d":-0,"c":"\/"}],"a":true}`, 1),
		"numbers":                  strings.Replace(rec, `"Successful"`, `1e3`, 1),
		"null":                     strings.Replace(rec, `"Successful"`, `null`, 1),
		"truncated":                rec[:len(rec)/2],
		"trailing":                 rec + `{}`,
		"empty":                    `{}`,
		"array":                    `[` + rec + `]`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			checkFastPath(t, []byte(in), rec)
		})
	}
}

// TestOrderCacheLocalAvePoint checks the one-pass path against the generic
// one on a day of the local AvePoint's records, in sequence, as the pipeline
// sees them.
func TestOrderCacheLocalAvePoint(t *testing.T) {
	api := localavepoint.New(localavepoint.Config{Seed: 7, RecordsPerHour: 200})
	start := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
	s, n := new(state), 0
	for rec := range api.AllRecords(start, start.Add(24*time.Hour)) {
		if err := sameAsGeneric(s, rec); err != nil {
			t.Fatalf("record %d %s: %v", n, rec, err)
		}
		n++
	}
	if n != 24*200 {
		t.Errorf("got %d records; want %d", n, 24*200)
	}
	if len(s.order.ends) == 0 {
		t.Error("no member order remembered after the records")
	}
}
