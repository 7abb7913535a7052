package manifest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/manifest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/mems3"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

func TestPutGetCheck(t *testing.T) {
	ctx := context.Background()
	bucket := &mems3.Bucket{}
	st := &manifest.Store{S3: bucket, Bucket: "b", Prefix: "p/"}
	w := window.At(time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC), time.Hour)
	if _, found, err := st.Get(ctx, w); found || err != nil {
		t.Fatalf("Get before Put = found %v, %v; want none", found, err)
	}
	body := []byte("stored bytes")
	sum := sha256.Sum256(body)
	bucket.Put(w.Key("p/"), body)
	m := manifest.Manifest{WindowStart: w.Start, WindowEnd: w.End, Records: 3,
		Object: manifest.Object{Key: w.Key("p/"), Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}}
	if err := st.Put(ctx, m); err != nil {
		t.Fatal(err)
	}
	stored, ok := bucket.Object(w.ManifestKey("p/"))
	if !ok {
		t.Fatalf("no object at %s", w.ManifestKey("p/"))
	}
	got, found, err := st.Get(ctx, w)
	if err != nil || !found || got.Records != 3 || got.Object != m.Object || got.PreviousRecords != nil {
		t.Fatalf("Get = %+v, %v, %v; want the manifest put", got, found, err)
	}
	for _, member := range []string{`"previous_records":null`, `"quarantine":{"key":""`, `"records_delta":0`} {
		if !strings.Contains(string(stored), member) {
			t.Errorf("manifest %s lacks %s", stored, member)
		}
	}

	tests := []struct {
		name    string
		content []byte // nil deletes the object
		want    manifest.Problem
	}{
		{"matches", body, manifest.Problem{}},
		{"missing", nil, manifest.Problem{Missing: true, Reason: "object p/year=2024/month=10/day=10/20241010T080000Z_20241010T090000Z.jsonl.gz is missing"}},
		{"other size", []byte("other"), manifest.Problem{Reason: "has 5 bytes, the manifest says 12"}},
		{"same size, other bytes", []byte("stored bytez"), manifest.Problem{Reason: "has SHA-256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.content == nil {
				bucket.Delete(w.Key("p/"))
			} else {
				bucket.Put(w.Key("p/"), tt.content)
			}
			p, err := st.Check(ctx, got)
			if err != nil || p.Missing != tt.want.Missing || !strings.Contains(p.Reason, tt.want.Reason) || (tt.want.Reason == "") != (p.Reason == "") {
				t.Errorf("Check = %+v, %v; want %+v", p, err, tt.want)
			}
		})
	}
	bucket.GetErr = errors.New("connection reset")
	if _, err := st.Check(ctx, got); err == nil || !strings.Contains(err.Error(), "manifest: check s3://b/p/") {
		t.Errorf("Check with a failing read = %v; want an error naming the object", err)
	}
}
