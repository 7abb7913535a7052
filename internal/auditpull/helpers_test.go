package auditpull_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/internal/throttle"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// day0 is the first hour of the records the tests pull.
var day0 = time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)

// aws holds the moto_server clients of one test.
type awsEnv struct {
	s3  *s3.Client
	ssm *ssm.Client
}

// startAWS starts a moto_server for S3 and SSM.
func startAWS(t testing.TB) awsEnv {
	t.Helper()
	cfg := testenv.AWSConfig(t, testenv.Moto(t))
	return awsEnv{
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.DisableLogOutputChecksumValidationSkipped = true // moto returns no checksums
		}),
		ssm: ssm.NewFromConfig(cfg),
	}
}

// rig is one audit pull wired to a local AvePoint and moto_server, the way
// functions/auditpull wires it, in its own bucket and parameter.
type rig struct {
	t       testing.TB
	aws     awsEnv
	api     *localavepoint.Server
	puller  *auditpull.Puller
	handler *auditpull.Handler
	cfg     auditpull.Config
	logs    *testenv.Buffer
	metrics *testenv.Buffer
	now     time.Time
}

// newRig starts a local AvePoint for apc, stores a valid token, creates a
// bucket named after the test and returns the rig; env overrides the
// audit variables (AUDIT_API_URL, BUCKET and TOKEN_PARAMETER are set).
func newRig(t testing.TB, env awsEnv, apc localavepoint.Config, vars map[string]string) *rig {
	t.Helper()
	api := localavepoint.New(apc)
	if err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	bucket := bucketName(t)
	if _, err := env.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	all := map[string]string{
		"TOKEN_PARAMETER": "/tokens/" + bucket, "AUDIT_API_URL": api.URL(), "BUCKET": bucket,
		"AWS_LAMBDA_FUNCTION_NAME": "auditpull-test",
	}
	for k, v := range vars {
		all[k] = v
	}
	cfg, err := auditpull.FromEnv(func(k string) string { return all[k] })
	if err != nil {
		t.Fatalf("FromEnv: %v", err)
	}
	r := &rig{t: t, aws: env, api: api, cfg: cfg, logs: &testenv.Buffer{}, metrics: &testenv.Buffer{},
		now: day0.Add(72 * time.Hour)}
	r.putToken(api.IssueToken(localavepoint.AuditScope, time.Hour), time.Now().Add(time.Hour))
	log := testenv.Logger(r.logs)
	hc := httpclient.New(10 * time.Second)
	hc.Transport = &throttle.Gate{Base: hc.Transport} // as functions/auditpull wires it
	r.puller = &auditpull.Puller{
		Config: cfg,
		API: &auditapi.Client{
			HTTP:    hc,
			BaseURL: cfg.BaseURL,
			Tokens:  &auditpull.TokenSource{SSM: env.ssm, Name: cfg.TokenParameter},
			Retry:   retry.Policy{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
			Lenient: true,
			Stream:  true, // as functions/auditpull wires it
		},
		Archive:     &archive.Archive{Bucket: bucket, Uploader: archive.NewUploader(env.s3)},
		Checkpoints: &checkpoint.Store{S3: env.s3, Bucket: bucket, Key: cfg.CheckpointKey(), Now: func() time.Time { return r.now }},
		S3:          env.s3,
		Logger:      log,
		Metrics:     r.metrics,
		Now:         func() time.Time { return r.now },
	}
	r.handler = &auditpull.Handler{Puller: r.puller, Logger: log}
	return r
}

// putToken stores token as the §1.4 JSON value expiring at exp.
func (r *rig) putToken(token string, exp time.Time) {
	r.t.Helper()
	v, err := paramstore.Encode(paramstore.Value{AccessToken: token, TokenType: "Bearer", ExpiresAt: exp, IssuedAt: exp.Add(-time.Hour), Scope: localavepoint.AuditScope}, paramstore.FormatJSON)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := (paramstore.Store{SSM: r.aws.ssm}).Put(context.Background(), r.cfg.TokenParameter, v, ""); err != nil {
		r.t.Fatal(err)
	}
}

// invoke runs the handler on event the way the Lambda runtime does.
func (r *rig) invoke(ctx context.Context, event string) (auditpull.Result, error) {
	r.t.Helper()
	return r.handler.Handle(ctx, json.RawMessage(event))
}

// mustInvoke is invoke failing the test on an error.
func (r *rig) mustInvoke(ctx context.Context, event string) auditpull.Result {
	r.t.Helper()
	res, err := r.invoke(ctx, event)
	if err != nil {
		r.t.Fatalf("invoke %s: %v", event, err)
	}
	return res
}

// backfillEvent is the event of a backfill of [start, end).
func backfillEvent(start, end time.Time) string {
	return `{"start_time":"` + start.Format(time.RFC3339) + `","end_time":"` + end.Format(time.RFC3339) + `"}`
}

// scheduledEvent is an EventBridge Scheduled Event.
const scheduledEvent = `{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2024-10-13T00:10:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/tokenrelay-audit"],"detail":{}}`

// windows returns the size-long windows of [start, end).
func windows(start, end time.Time, size time.Duration) []window.Window {
	ws, err := window.Cover(start, end, size, 0)
	if err != nil {
		panic(err)
	}
	return ws
}

// objectLines downloads and gunzips an object and checks its content
// type; found is false when there is no object under key.
func objectLines(t testing.TB, client *s3.Client, bucket, key string) (lines [][]byte, found bool) {
	t.Helper()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	if got := aws.ToString(out.ContentType); got != archive.ContentType {
		t.Errorf("s3://%s/%s content type = %q; want %q", bucket, key, got, archive.ContentType)
	}
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		t.Fatalf("gunzip s3://%s/%s: %v", bucket, key, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read s3://%s/%s: %v", bucket, key, err)
	}
	return lines, true
}

// stripID checks that line starts with the _id of the rest and returns the
// record as the API sent it (a compact object: the local AvePoint's are).
func stripID(t testing.TB, line []byte) []byte {
	t.Helper()
	const head = len(`{"_id":"`) + 64 + len(`",`)
	if len(line) < head+1 || !bytes.HasPrefix(line, []byte(`{"_id":"`)) {
		t.Fatalf("line does not start with an _id: %.120s", line)
	}
	rec := append([]byte{'{'}, line[head:]...)
	id, err := canonjson.ID(rec)
	if err != nil {
		t.Fatalf("record %.120s: %v", rec, err)
	}
	if got, want := string(line[8:8+64]), hex.EncodeToString(id[:]); got != want {
		t.Fatalf("_id = %s; want canonjson.ID %s for %.120s", got, want, rec)
	}
	return rec
}

// checkWindow checks that the object of w holds exactly want (in order),
// each once and with its _id; no records means no object.
func (r *rig) checkWindow(w window.Window, want [][]byte) {
	r.t.Helper()
	lines, found := objectLines(r.t, r.aws.s3, r.cfg.Bucket, w.Key(r.cfg.Prefix))
	if len(want) == 0 {
		if found {
			r.t.Errorf("window %s: got an object of %d lines; want none", w, len(lines))
		}
		return
	}
	if !found {
		r.t.Fatalf("window %s: no object at %s; want %d records", w, w.Key(r.cfg.Prefix), len(want))
	}
	if len(lines) != len(want) {
		r.t.Fatalf("window %s: got %d lines; want %d records", w, len(lines), len(want))
	}
	for i, line := range lines {
		if got := stripID(r.t, line); !bytes.Equal(got, want[i]) {
			r.t.Fatalf("window %s line %d = %.200s; want %.200s", w, i, got, want[i])
		}
	}
}

// checkWindows checks every window of [start, end) against the API's records.
func (r *rig) checkWindows(start, end time.Time) {
	r.t.Helper()
	for _, w := range windows(start, end, r.cfg.Window) {
		r.checkWindow(w, r.api.Records(w.Start, w.End))
	}
}

// keys lists the bucket's objects but the manifests and the quarantine,
// which the tests of those check on their own.
func (r *rig) keys() []string {
	r.t.Helper()
	out, err := r.aws.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(r.cfg.Bucket)})
	if err != nil {
		r.t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		if k := aws.ToString(o.Key); !strings.HasPrefix(k, r.cfg.Prefix+"_manifests/") && !strings.HasPrefix(k, r.cfg.Prefix+"_quarantine/") {
			keys = append(keys, k)
		}
	}
	uploads, err := r.aws.s3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(r.cfg.Bucket)})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, u := range uploads.Uploads {
		r.t.Errorf("multipart upload of %s left pending", aws.ToString(u.Key))
	}
	return keys
}

// checkpoint returns the stored next_start_time, "" when there is none.
func (r *rig) checkpoint() string {
	r.t.Helper()
	store := &checkpoint.Store{S3: r.aws.s3, Bucket: r.cfg.Bucket, Key: r.cfg.CheckpointKey()}
	cp, found, err := store.Load(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	if !found {
		return ""
	}
	return cp.NextStartTime.UTC().Format(time.RFC3339)
}

// setCheckpoint stores next as the checkpoint.
func (r *rig) setCheckpoint(next time.Time) {
	r.t.Helper()
	store := &checkpoint.Store{S3: r.aws.s3, Bucket: r.cfg.Bucket, Key: r.cfg.CheckpointKey()}
	if _, _, err := store.Load(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	if err := store.Advance(context.Background(), next); err != nil {
		r.t.Fatal(err)
	}
}

// bucketName is a valid bucket name unique to the test.
func bucketName(t testing.TB) string {
	name := strings.ToLower(t.Name())
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name)
	if len(name) > 63 {
		name = name[len(name)-63:]
	}
	return strings.Trim(name, "-")
}

// checkOnlyCheckpoint checks that the bucket holds only the checkpoint, at next.
func (r *rig) checkOnlyCheckpoint(next time.Time) {
	r.t.Helper()
	if keys := r.keys(); len(keys) != 1 || keys[0] != r.cfg.CheckpointKey() {
		r.t.Errorf("bucket holds %v; want only the checkpoint", keys)
	}
	if got, want := r.checkpoint(), next.UTC().Format(time.RFC3339); got != want {
		r.t.Errorf("checkpoint = %s; want %s", got, want)
	}
}
