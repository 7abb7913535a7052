package auditpull_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// TestPoisonRecordsNeverStallTheTrail: a window holding a record with a
// duplicate member, one nested past the limit and a page item that is not
// an object among good records completes; every record is stored once, the
// item is quarantined, the checkpoint moves past the window, and the next
// window lands.
func TestPoisonRecordsNeverStallTheTrail(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	api := newWindowAPI(t)
	const (
		a    = `{"actionName":"A","actionTime":"2024-10-10T00:10:00Z"}`
		b    = `{"actionName":"B","actionTime":"2024-10-10T00:20:00Z"}`
		c    = `{"actionName":"C","actionTime":"2024-10-10T01:30:00Z"}`
		dup  = `{"actionName":"Dup", "status":"Failed","status":"Successful"}`
		item = `"not a record"`
	)
	deep := `{"actionName":"Deep","detail":` + strings.Repeat(`{"x":`, 10001) + `1` + strings.Repeat(`}`, 10001) + `}`
	api.set(day0, a, dup, deep, item, b)
	api.set(day0.Add(time.Hour), c)
	r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL})
	r.setCheckpoint(day0)
	r.now = day0.Add(2*time.Hour + 10*time.Minute)
	ws := windows(day0, day0.Add(2*time.Hour), time.Hour)

	for run := range 2 { // a second pull stores the same lines, with the same ids
		res := r.mustInvoke(context.Background(), backfillEvent(day0, day0.Add(2*time.Hour)))
		if run == 0 {
			res = r.mustInvoke(context.Background(), scheduledEvent)
			if res.Checkpoint != stamp(day0.Add(2*time.Hour)) || !res.Complete {
				t.Fatalf("scheduled result = %+v; want complete, checkpoint %s", res, stamp(day0.Add(2*time.Hour)))
			}
		}
		if res.Windows != 2 || res.Records != 5 {
			t.Errorf("run %d: result = %+v; want 2 windows, 5 records", run, res)
		}
		lines, _ := objectLines(t, r.aws.s3, r.cfg.Bucket, ws[0].Key(r.cfg.Prefix))
		if len(lines) != 4 {
			t.Fatalf("window 0 holds %d lines; want 4", len(lines))
		}
		if got := stripID(t, lines[0]); string(got) != a {
			t.Errorf("line 0 = %s; want %s", got, a)
		}
		if got := stripID(t, lines[3]); string(got) != b {
			t.Errorf("line 3 = %s; want %s", got, b)
		}
		for i, raw := range []string{dup, deep} {
			sum := sha256.Sum256([]byte(raw))
			want := `{"_id":"` + hex.EncodeToString(sum[:]) + `","_id_basis":"raw",` + strings.ReplaceAll(raw[1:], `", "`, `","`)
			if string(lines[1+i]) != want {
				t.Errorf("line %d = %.120s; want %.120s", 1+i, lines[1+i], want)
			}
		}
		q, found := objectLines(t, r.aws.s3, r.cfg.Bucket, ws[0].QuarantineKey(r.cfg.Prefix))
		want := `{"window":"` + ws[0].String() + `","page":1,"index":3,"item":` + item + `}`
		if !found || len(q) != 1 || string(q[0]) != want {
			t.Errorf("quarantine holds %q (found %v); want %s", q, found, want)
		}
		m := r.manifestOf(ws[0])
		if m.Records != 4 || m.RawIDRecords != 2 || m.Quarantined != 1 || m.Quarantine.Key != ws[0].QuarantineKey(r.cfg.Prefix) || m.Quarantine.SHA256 == "" {
			t.Errorf("manifest = %+v; want 4 records, 2 raw, 1 quarantined in %s", m, ws[0].QuarantineKey(r.cfg.Prefix))
		}
		r.checkWindow(ws[1], [][]byte{[]byte(c)})
	}
	logs := r.logs.String()
	for _, want := range []string{`"message":"record has no canonical form; stored as returned with _id_basis raw"`,
		`"message":"page item is not a record object; quarantined"`, `"window":"` + ws[0].String() + `"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	var poison int
	for _, line := range bytes.Split([]byte(r.metrics.String()), []byte("\n")) {
		if bytes.Contains(line, []byte(`"`+auditpull.MetricPoison+`":3`)) && bytes.Contains(line, []byte(`"Window":"`+ws[0].String()+`"`)) {
			poison++
		}
	}
	if poison != 3 {
		t.Errorf("metrics %s: %d PoisonRecords lines of 3 naming %s; want 3 (one per pull)", r.metrics.String(), poison, ws[0])
	}
	res := r.mustInvoke(context.Background(), verifyEvent(day0, day0.Add(2*time.Hour), false))
	if res.Verification == nil || !res.Complete {
		t.Errorf("verify = %+v; want complete", res.Verification)
	}
}
