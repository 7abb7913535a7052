package auditpull_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/manifest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// windowAPI answers each query with the one page set for its startTime, an
// empty page for any other; it counts the requests.
type windowAPI struct {
	*httptest.Server
	mu       sync.Mutex
	pages    map[string]string
	requests atomic.Int64
	// answer, when set, may answer a request itself (by returning true).
	answer func(w http.ResponseWriter, startTime string) bool
	// sent records when each request arrived, by startTime.
	sent []sent
}

type sent struct {
	at        time.Time
	startTime string
}

func newWindowAPI(t *testing.T) *windowAPI {
	t.Helper()
	a := &windowAPI{pages: map[string]string{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		a.requests.Add(1)
		start := req.URL.Query().Get("startTime")
		a.mu.Lock()
		a.sent = append(a.sent, sent{time.Now(), start})
		body, ok := a.pages[start]
		answer := a.answer
		a.mu.Unlock()
		if answer != nil && answer(w, start) {
			return
		}
		if !ok {
			body = `{"nextLink":null,"data":[]}`
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(a.Close)
	return a
}

// set makes the window starting at start answer records as one page.
func (a *windowAPI) set(start time.Time, records ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pages[stamp(start)] = `{"nextLink":null,"data":[` + strings.Join(records, ",") + `]}`
}

// manifestOf reads the manifest of w; it fails the test when there is none.
func (r *rig) manifestOf(w window.Window) manifest.Manifest {
	r.t.Helper()
	m, found, err := (&manifest.Store{S3: r.aws.s3, Bucket: r.cfg.Bucket, Prefix: r.cfg.Prefix}).Get(context.Background(), w)
	if err != nil || !found {
		r.t.Fatalf("manifest of %s: found %v, %v; want one", w, found, err)
	}
	return m
}

// objectBytes returns the stored bytes of key.
func (r *rig) objectBytes(key string) []byte {
	r.t.Helper()
	out, err := r.aws.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(r.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		r.t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// invokeAs runs the handler on event as the Lambda request requestID.
func (r *rig) invokeAs(requestID, event string) auditpull.Result {
	r.t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
	return r.mustInvoke(ctx, event)
}

func verifyEvent(start, end time.Time, repair bool) string {
	ev := map[string]any{"verify": map[string]any{"start_time": stamp(start), "end_time": stamp(end), "repair": repair}}
	b, _ := json.Marshal(ev)
	return string(b)
}

func TestManifestsAndVerify(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	api := newWindowAPI(t)
	const (
		a    = `{"actionName":"A","actionTime":"2024-10-10T00:10:00Z"}`
		b    = `{"actionName":"B","actionTime":"2024-10-10T00:20:00Z"}`
		c    = `{"actionName":"C","actionTime":"2024-10-10T02:30:00Z"}`
		late = `{"actionName":"Late","actionTime":"2024-10-10T00:59:00Z"}`
	)
	api.set(day0, a, b)
	api.set(day0.Add(2*time.Hour), c)
	r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL, "PRODUCT_TYPES": "Fly"})
	ws := windows(day0, day0.Add(3*time.Hour), time.Hour)

	res := r.invokeAs("req-1", backfillEvent(day0, day0.Add(3*time.Hour)))
	if res.Windows != 3 || res.Records != 3 || !res.Complete {
		t.Fatalf("backfill result = %+v; want 3 windows, 3 records, complete", res)
	}
	for i, want := range []int{2, 0, 1} {
		m := r.manifestOf(ws[i])
		if m.Records != want || m.Pages != 1 || m.RequestID != "req-1" || m.PreviousRecords != nil || m.RecordsDelta != 0 {
			t.Errorf("manifest of %s = %+v; want %d records, 1 page, request req-1, no previous", ws[i], m, want)
		}
		if !m.WindowStart.Equal(ws[i].Start) || m.Query.StartTime != stamp(ws[i].Start) || !slices.Equal(m.Query.ProductTypes, []string{"Fly"}) {
			t.Errorf("manifest of %s: window %s, query %+v; want the window and its query", ws[i], m.WindowStart, m.Query)
		}
		if want == 0 {
			if m.Object != (manifest.Object{}) {
				t.Errorf("manifest of the empty window %s names object %+v; want none", ws[i], m.Object)
			}
			continue
		}
		body := r.objectBytes(ws[i].Key(r.cfg.Prefix))
		sum := sha256.Sum256(body)
		if m.Object.Key != ws[i].Key(r.cfg.Prefix) || m.Object.Size != int64(len(body)) || m.Object.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("manifest object = %+v; want %s, %d bytes, SHA-256 %x", m.Object, ws[i].Key(r.cfg.Prefix), len(body), sum)
		}
	}

	// A late record: the re-pull rewrites the manifest with the delta.
	api.set(day0, a, b, late)
	r.invokeAs("req-2", backfillEvent(day0, day0.Add(time.Hour)))
	m := r.manifestOf(ws[0])
	if m.Records != 3 || m.PreviousRecords == nil || *m.PreviousRecords != 2 || m.RecordsDelta != 1 || m.RequestID != "req-2" {
		t.Errorf("manifest after the re-pull = %+v; want 3 records, previous 2, delta +1, request req-2", m)
	}

	// All verify, without calling the API.
	before := api.requests.Load()
	res = r.invokeAs("req-3", verifyEvent(day0, day0.Add(3*time.Hour), false))
	if res.Verification == nil || res.Windows != 3 || res.Verified != 3 || !res.Complete || len(res.Missing)+len(res.Mismatched) != 0 {
		t.Errorf("verify = %+v %+v; want 3 windows verified, complete", res, res.Verification)
	}

	// Break the trail: an object deleted, one overwritten, a manifest deleted.
	ctx := context.Background()
	del := func(key string) {
		if _, err := r.aws.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(r.cfg.Bucket), Key: aws.String(key)}); err != nil {
			t.Fatal(err)
		}
	}
	del(ws[2].Key(r.cfg.Prefix))
	del(ws[1].ManifestKey(r.cfg.Prefix))
	if _, err := r.aws.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(r.cfg.Bucket), Key: aws.String(ws[0].Key(r.cfg.Prefix)),
		Body: bytes.NewReader([]byte("other bytes"))}); err != nil {
		t.Fatal(err)
	}
	res = r.invokeAs("req-4", verifyEvent(day0, day0.Add(3*time.Hour), false))
	if res.Verification == nil || res.Windows != 3 || res.Verified != 0 || res.Complete ||
		!slices.Equal(res.Missing, []string{ws[1].String(), ws[2].String()}) || !slices.Equal(res.Mismatched, []string{ws[0].String()}) {
		t.Errorf("verify of the broken trail = %+v %+v; want %s, %s missing, %s mismatched", res, res.Verification, ws[1], ws[2], ws[0])
	}
	if got := api.requests.Load(); got != before {
		t.Errorf("verify made %d audit requests; want none", got-before)
	}
	raw, _ := json.Marshal(res)
	for _, member := range []string{`"windows":3`, `"verified":0`, `"missing":[`, `"mismatched":[`, `"complete":false`} {
		if !strings.Contains(string(raw), member) {
			t.Errorf("verify result %s lacks %s", raw, member)
		}
	}

	// Repair pulls the three again; a second verify is complete.
	res = r.invokeAs("req-5", verifyEvent(day0, day0.Add(3*time.Hour), true))
	if res.Verification == nil || len(res.Repaired) != 3 {
		t.Errorf("repair = %+v %+v; want 3 windows repaired", res, res.Verification)
	}
	res = r.invokeAs("req-6", verifyEvent(day0, day0.Add(3*time.Hour), false))
	if res.Verification == nil || res.Verified != 3 || !res.Complete {
		t.Errorf("verify after the repair = %+v %+v; want complete", res, res.Verification)
	}
	r.checkWindow(ws[0], [][]byte{[]byte(a), []byte(b), []byte(late)})
	r.checkWindow(ws[2], [][]byte{[]byte(c)})

	// A range reaching past now − LAG: the windows not due yet are missing
	// and left alone; repair pulls only the due one.
	from := r.now.Add(-2 * time.Hour).Truncate(time.Hour)
	res = r.invokeAs("req-7", verifyEvent(from, from.Add(3*time.Hour), true))
	if res.Verification == nil || len(res.Missing) != 3 || !slices.Equal(res.Repaired, []string{window.At(from, time.Hour).String()}) {
		t.Errorf("repair past now − LAG = %+v %+v; want 3 missing, only %s repaired", res, res.Verification, window.At(from, time.Hour))
	}
}

func TestScheduledRunVerifiesWhatItPulled(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 3, RecordsPerHour: 20, PageSize: 7}, nil)
	r.setCheckpoint(day0)
	r.now = day0.Add(3*time.Hour + 10*time.Minute)
	res := r.mustInvoke(context.Background(), scheduledEvent)
	if res.Windows != 3 || res.Verify == nil || res.Verify.Windows != 3 || res.Verify.Verified != 3 || !res.Verify.Complete {
		t.Fatalf("result = %+v, verify %+v; want 3 windows pulled and verified", res, res.Verify)
	}
	if res.Verification != nil {
		t.Errorf("a scheduled run's result has the verify event's members: %+v", res.Verification)
	}
}

// TestRepullWithNoRecordsReplacesTheObject: a window pulled again that now
// has no records stores an empty gzip stream over its object and its
// quarantine object (the earlier ones stay as versions), the manifest names
// them with records 0 and the negative delta, and a verify is complete. A
// window empty on its first pull still stores nothing.
func TestRepullWithNoRecordsReplacesTheObject(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	api := newWindowAPI(t)
	const (
		a = `{"actionName":"A","actionTime":"2024-10-10T00:10:00Z"}`
		b = `{"actionName":"B","actionTime":"2024-10-10T00:20:00Z"}`
	)
	api.set(day0, a, b, `42`)
	r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL})
	ctx := context.Background()
	if _, err := r.aws.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(r.cfg.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	ws := windows(day0, day0.Add(2*time.Hour), time.Hour)
	key, qkey := ws[0].Key(r.cfg.Prefix), ws[0].QuarantineKey(r.cfg.Prefix)

	r.invokeAs("req-1", backfillEvent(day0, day0.Add(2*time.Hour)))
	first := r.manifestOf(ws[0])
	if first.Records != 2 || first.Quarantined != 1 || first.Object.Key != key || first.Quarantine.Key != qkey || first.Object.VersionID == "" {
		t.Fatalf("first manifest = %+v; want 2 records and 1 quarantined, in versioned objects", first)
	}

	api.set(day0)
	res := r.invokeAs("req-2", backfillEvent(day0, day0.Add(2*time.Hour)))
	if res.Records != 0 || !res.Complete {
		t.Errorf("re-pull = %+v; want 0 records, complete", res)
	}
	m := r.manifestOf(ws[0])
	if m.Records != 0 || m.Quarantined != 0 || m.PreviousRecords == nil || *m.PreviousRecords != 2 || m.RecordsDelta != -2 || m.RequestID != "req-2" {
		t.Errorf("manifest after the empty re-pull = %+v; want 0 records, previous 2, delta -2, request req-2", m)
	}
	for _, c := range []struct {
		key         string
		got, before manifest.Object
	}{{key, m.Object, first.Object}, {qkey, m.Quarantine, first.Quarantine}} {
		if lines, found := objectLines(t, r.aws.s3, r.cfg.Bucket, c.key); !found || len(lines) != 0 {
			t.Errorf("%s after the empty re-pull: found %v, %d lines; want an empty gzip stream", c.key, found, len(lines))
		}
		body := r.objectBytes(c.key)
		sum := sha256.Sum256(body)
		if c.got.Key != c.key || c.got.Size != int64(len(body)) || c.got.SHA256 != hex.EncodeToString(sum[:]) ||
			c.got.VersionID == "" || c.got.VersionID == c.before.VersionID {
			t.Errorf("manifest names %+v; want %s, %d bytes, SHA-256 %x, a new version id (was %s)", c.got, c.key, len(body), sum, c.before.VersionID)
		}
		vs, err := r.aws.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(r.cfg.Bucket), Prefix: aws.String(c.key)})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs.Versions) != 2 {
			t.Errorf("%s has %d versions; want 2 (the earlier records stay as a version)", c.key, len(vs.Versions))
		}
	}
	if e := r.manifestOf(ws[1]); e.Object != (manifest.Object{}) || e.Quarantine != (manifest.Object{}) {
		t.Errorf("manifest of the window empty on every pull = %+v; want no objects", e)
	}
	r.checkWindow(ws[1], nil)

	res = r.invokeAs("req-3", verifyEvent(day0, day0.Add(2*time.Hour), false))
	if res.Verification == nil || res.Windows != 2 || res.Verified != 2 || !res.Complete {
		t.Errorf("verify after the empty re-pull = %+v %+v; want 2 windows verified, complete", res, res.Verification)
	}
}
