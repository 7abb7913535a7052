package faultsuite

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// pullRig is an audit pull into a bucket of moto (behind awsfault) from a local AvePoint, with
// the token in SSM.
type pullRig struct {
	aws    *awsEnv
	ap     *localavepoint.Server
	bucket string
	prefix string
	param  string
	start  time.Time // START_TIME: the first window's start
	end    time.Time // the last due window's end: the puller's clock is 10 minutes past it
}

// newPullRig starts a local AvePoint with lcfg and stores a valid token for it. The first window
// starts hours before now, aligned to the hour, and hours windows are due.
func newPullRig(t *testing.T, e *awsEnv, lcfg localavepoint.Config, hours int) *pullRig {
	t.Helper()
	now := lcfg.Now
	if now == nil {
		now = time.Now
	}
	ap := localavepoint.New(lcfg)
	if err := ap.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ap.Close)
	r := &pullRig{
		aws: e, ap: ap, bucket: e.bucket(t), prefix: "audit/",
		param: "/tokens/aos-" + randHex(4),
		start: window.Align(now().Add(-time.Duration(hours)*time.Hour), time.Hour),
	}
	r.end = r.start.Add(time.Duration(hours) * time.Hour)
	r.storeToken(t, ap.IssueToken(localavepoint.AuditScope, 0))
	return r
}

// storeToken writes tok as the stored value the audit pull reads.
func (r *pullRig) storeToken(t testing.TB, tok string) {
	secrets.addToken(tok)
	now := time.Now().UTC().Truncate(time.Second)
	v, err := paramstore.Encode(paramstore.Value{AccessToken: tok, TokenType: "Bearer", IssuedAt: now,
		ExpiresAt: now.Add(time.Hour), Scope: localavepoint.AuditScope}, paramstore.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	r.aws.putParam(t, r.param, v)
}

func (r *pullRig) env() map[string]string {
	api := "http://127.0.0.1:9" // a rig whose API is a fake
	if r.ap != nil {
		api = r.ap.URL()
	}
	return map[string]string{
		"TOKEN_PARAMETER": r.param,
		"AUDIT_API_URL":   api,
		"BUCKET":          r.bucket,
		"PREFIX":          r.prefix,
		"WINDOW":          "1h",
		"LAG":             "5m",
		"START_TIME":      r.start.Format(time.RFC3339),
	}
}

func (r *pullRig) config(t testing.TB) auditpull.Config {
	t.Helper()
	env := r.env()
	cfg, err := auditpull.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// api is the audit API client the function builds, with a short retry policy.
func (r *pullRig) api(t testing.TB, timeout time.Duration) *auditapi.Client {
	base, err := url.Parse(r.ap.URL())
	if err != nil {
		t.Fatal(err)
	}
	return &auditapi.Client{
		HTTP:    httpclient.New(timeout),
		BaseURL: base,
		Tokens:  &auditpull.TokenSource{SSM: r.aws.ssm, Name: r.param},
		Retry:   retry.Policy{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		Stream:  true, // as functions/auditpull wires it
	}
}

// puller is the function's Puller on the rig, through awsfault, with api (nil: r.api).
func (r *pullRig) puller(t testing.TB, w *witness, api auditpull.PagesAPI) *auditpull.Puller {
	if api == nil {
		api = r.api(t, 10*time.Second) // the function's timeout is 1m
	}
	cfg := r.config(t)
	now := func() time.Time { return r.end.Add(10 * time.Minute) }
	return &auditpull.Puller{
		Config:      cfg,
		API:         api,
		Checkpoints: &checkpoint.Store{S3: r.aws.s3, Bucket: cfg.Bucket, Key: cfg.CheckpointKey(), Now: now},
		Archive:     &archive.Archive{Bucket: r.bucket, Uploader: archive.NewUploader(r.aws.s3)},
		S3:          r.aws.s3,
		Logger:      w.logger(),
		Metrics:     w,
		Now:         now,
		// The tests' deadlines are seconds, not the function's minutes.
		MinMargin: 200 * time.Millisecond,
		Cleanup:   200 * time.Millisecond,
	}
}

// run runs a scheduled pull within deadline.
func (r *pullRig) run(t testing.TB, w *witness, p *auditpull.Puller, deadline time.Duration) (auditpull.Result, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	res, err := p.Run(ctx, auditpull.Event{})
	took := time.Since(start)
	w.note(res, err)
	return res, took, err
}

// checkpoint reads the stored checkpoint straight from moto.
func (r *pullRig) checkpoint(t testing.TB) (time.Time, bool) {
	t.Helper()
	s := &checkpoint.Store{S3: r.aws.directS3, Bucket: r.bucket, Key: r.prefix + "_checkpoint.json"}
	cp, found, err := s.Load(context.Background())
	if err != nil {
		t.Fatalf("load checkpoint: %v", err)
	}
	return cp.NextStartTime, found
}

// object returns the lines of w's object, nil when there is none.
func (r *pullRig) object(t testing.TB, w window.Window) [][]byte {
	t.Helper()
	out, err := r.aws.directS3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(w.Key(r.prefix))})
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil
	}
	if err != nil {
		t.Fatalf("get %s: %v", w.Key(r.prefix), err)
	}
	defer out.Body.Close()
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		t.Fatalf("gunzip %s: %v", w.Key(r.prefix), err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", w.Key(r.prefix), err)
	}
	return lines
}

// assertComplete checks every window from the rig's start to end: its object holds exactly the
// records the API serves for it, each once, each with its _id.
func (r *pullRig) assertComplete(t testing.TB, end time.Time) {
	t.Helper()
	for ws := r.start; ws.Before(end); ws = ws.Add(time.Hour) {
		w := window.Window{Start: ws, End: ws.Add(time.Hour)}
		assertWindow(t, w, r.object(t, w), r.ap.Records(w.Start, w.End))
	}
}

// assertWindow compares a window's stored lines with the records the API serves, by fingerprint:
// the same set, no line repeated, every _id right.
func assertWindow(t testing.TB, w window.Window, lines, want [][]byte) {
	t.Helper()
	wantIDs := map[[32]byte]bool{}
	for _, rec := range want {
		id, err := canonjson.ID(rec)
		if err != nil {
			t.Fatalf("window %s: API record: %v", w, err)
		}
		wantIDs[id] = true
	}
	got := map[[32]byte]int{}
	for i, line := range lines {
		id, err := canonjson.ID(line)
		if err != nil {
			t.Fatalf("window %s: line %d: %v", w, i, err)
		}
		var rec struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(line, &rec); err != nil || rec.ID != hex.EncodeToString(id[:]) {
			t.Errorf("window %s: line %d: _id %q; want %x", w, i, rec.ID, id)
		}
		got[id]++
		if got[id] == 2 {
			t.Errorf("window %s: record %x stored twice", w, id)
		}
		if !wantIDs[id] {
			t.Errorf("window %s: record %x stored but not served by the API", w, id)
		}
	}
	missing := 0
	for id := range wantIDs {
		if got[id] == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("window %s: %d of %d records missing", w, missing, len(wantIDs))
	}
}

// assertNoMultipart checks that no multipart upload is left pending in the bucket.
func (r *pullRig) assertNoMultipart(t testing.TB) {
	t.Helper()
	out, err := r.aws.directS3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(r.bucket)})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	for _, u := range out.Uploads {
		t.Errorf("multipart upload of %s left pending; want it aborted", aws.ToString(u.Key))
	}
}
