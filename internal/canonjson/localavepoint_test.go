package canonjson

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// TestLocalAvePointRecords fingerprints a day of the local AvePoint's
// records, which are written the way .NET writes JSON.
func TestLocalAvePointRecords(t *testing.T) {
	s := localavepoint.New(localavepoint.Config{Seed: 3, RecordsPerHour: 50})
	start := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
	seen := map[[32]byte]bool{}
	for rec := range s.AllRecords(start, start.Add(24*time.Hour)) {
		line, id, err := WithID(nil, rec)
		if err != nil {
			t.Fatalf("WithID(%s) error: %v", rec, err)
		}
		if seen[id] {
			t.Errorf("two records share the id %x", id)
		}
		seen[id] = true
		if again, err := ID(line); err != nil || again != id {
			t.Fatalf("ID(line) = %x, %v; want %x", again, err, id)
		}
		var a, b map[string]any
		if err := json.Unmarshal(rec, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(line, &b); err != nil {
			t.Fatalf("line %s: %v", line, err)
		}
		delete(b, "_id")
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("line %s does not hold the record %s", line, rec)
		}
	}
	if len(seen) != 24*50 {
		t.Errorf("got %d records; want %d", len(seen), 24*50)
	}
}
