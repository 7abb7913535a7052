package localstack

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// TestDemo runs `make demo`'s path end to end (Demo.Run, the same code) and
// asserts on what it left in SSM and S3 before the stack is stopped, then
// that every process it started is gone.
func TestDemo(t *testing.T) {
	// Demo writes from one goroutine at a time (the checkpoint watcher is
	// joined before the next line), so a plain builder will do.
	out := &strings.Builder{}
	var procs []*Process
	var dir string
	d := &Demo{Root: moduleRoot(t), Dir: t.TempDir(), Out: out, Check: func(ctx context.Context, s *Stack, rep *Report) error {
		procs, dir = []*Process{s.Moto, s.AvePoint}, s.Dir
		checkRefresherRuns(t, rep)
		checkTokens(t, ctx, s, rep)
		checkObjects(t, ctx, s, rep)
		checkEmulatorLogs(t, s)
		return nil
	}}
	// Generous for a cold build cache (the first go build of both functions
	// takes most of a minute on two cores); the demo itself takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	_, err := d.Run(ctx)
	t.Logf("demo output (%s):\n%s", time.Since(began).Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(procs) != 2 {
		t.Fatalf("Check did not run")
	}
	for _, p := range procs {
		if p.Running() {
			t.Errorf("process %d (%s) still running after the demo", p.PID, p.Log)
		}
	}
	if _, err := Load(dir); err == nil {
		t.Errorf("stack.json left in %s after the demo", dir)
	}
}

// checkEmulatorLogs: the functions ran under the emulator, which printed
// START, END and REPORT lines with the template's memory size, and logged
// as the template's JSON logging asks.
func checkEmulatorLogs(t *testing.T, s *Stack) {
	t.Helper()
	for _, name := range []string{Refresher.Name, AuditPull.Name} {
		b, err := os.ReadFile(filepath.Join(s.Dir, "logs", name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"START RequestId: ", "END RequestId: ", "Memory Size: 256 MB", `"requestId":"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s.log lacks %q:\n%s", name, want, b)
			}
		}
	}
}

func checkRefresherRuns(t *testing.T, rep *Report) {
	t.Helper()
	want := []string{AuditTarget, BackupTarget}
	if !slices.Equal(rep.FirstRun.Refreshed, want) || len(rep.FirstRun.Skipped)+len(rep.FirstRun.Failed) != 0 {
		t.Errorf("got first refresher run %+v; want both refreshed", rep.FirstRun)
	}
	if !slices.Equal(rep.SecondRun.Skipped, want) || len(rep.SecondRun.Refreshed)+len(rep.SecondRun.Failed) != 0 {
		t.Errorf("got second refresher run %+v; want both skipped", rep.SecondRun)
	}
}

// checkTokens: each parameter is a SecureString holding the JSON value of
// the README's "The stored token", and its token is one the local AvePoint issued: the audit
// API takes the audit.read.all token, and knows the other one but refuses it
// for lack of scope (403, not 401).
func checkTokens(t *testing.T, ctx context.Context, s *Stack, rep *Report) {
	t.Helper()
	params := ssm.NewFromConfig(s.AWSConfig())
	now := time.Now()
	wantStatus := map[string]int{AuditTarget: http.StatusOK, BackupTarget: http.StatusForbidden}
	if len(rep.Tokens) != 2 {
		t.Fatalf("got %d tokens; want 2", len(rep.Tokens))
	}
	for _, tok := range rep.Tokens {
		out, err := params.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(tok.Target.Parameter), WithDecryption: aws.Bool(true)})
		if err != nil {
			t.Fatalf("GetParameter %s: %v", tok.Target.Parameter, err)
		}
		if got := string(out.Parameter.Type); got != "SecureString" {
			t.Errorf("%s: got type %s; want SecureString", tok.Target.Parameter, got)
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(out.Parameter.Value)), &fields); err != nil {
			t.Fatalf("%s: value is not JSON: %v", tok.Target.Parameter, err)
		}
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"access_token", "expires_at", "issued_at", "scope", "token_type"}; !slices.Equal(keys, want) {
			t.Errorf("%s: got fields %v; want %v", tok.Target.Parameter, keys, want)
		}
		v, f, err := paramstore.Decode(aws.ToString(out.Parameter.Value))
		if err != nil || f != paramstore.FormatJSON {
			t.Fatalf("%s: Decode: format %q, %v; want json", tok.Target.Parameter, f, err)
		}
		if v.TokenType != "Bearer" || v.Scope != tok.Target.Scope {
			t.Errorf("%s: got token_type %q scope %q; want Bearer, %q", tok.Target.Parameter, v.TokenType, v.Scope, tok.Target.Scope)
		}
		if life := v.ExpiresAt.Sub(v.IssuedAt); life < 59*time.Minute || life > time.Hour+time.Minute || v.ExpiresAt.Before(now.Add(50*time.Minute)) {
			t.Errorf("%s: got issued_at %v expires_at %v; want the local AvePoint's 1h lifetime, from about now", tok.Target.Parameter, v.IssuedAt, v.ExpiresAt)
		}
		if got := auditStatus(t, s, v.AccessToken); got != wantStatus[tok.Target.Name] {
			t.Errorf("%s: audit API answered its token %d; want %d", tok.Target.Name, got, wantStatus[tok.Target.Name])
		}
	}
	if got := auditStatus(t, s, "not-a-token"); got != http.StatusUnauthorized {
		t.Errorf("audit API answered an unknown token %d; want 401", got)
	}
}

func auditStatus(t *testing.T, s *Stack, token string) int {
	t.Helper()
	end := time.Now().UTC().Truncate(time.Hour)
	q := url.Values{"startTime": {end.Add(-time.Hour).Format(time.RFC3339)}, "endTime": {end.Format(time.RFC3339)}}
	req, _ := http.NewRequest(http.MethodGet, s.AvePointURL+"/aos/audit?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("audit API: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// checkObjects: one object per window from START_TIME, under the documented
// key, gzip NDJSON holding exactly the records the local AvePoint serves for
// that window, each with its _id; the checkpoint at the end of the last one.
func checkObjects(t *testing.T, ctx context.Context, s *Stack, rep *Report) {
	t.Helper()
	res := rep.Audit
	if due := dueWindows(rep.AuditStart, time.Now()); res.Windows != due && res.Windows != due-1 {
		t.Errorf("got %d windows; want %d (every hour from START_TIME %v up to now − LAG)", res.Windows, due, rep.AuditStart)
	}
	var windows []window.Window
	var keys, manifests []string
	for i := range res.Windows {
		w := window.At(rep.AuditStart.Add(time.Duration(i)*time.Hour), time.Hour)
		windows, keys = append(windows, w), append(keys, w.Key(Prefix))
		manifests = append(manifests, w.ManifestKey(Prefix))
	}
	objects := slices.Sorted(slices.Values(res.Objects))
	if want := slices.Sorted(slices.Values(append(slices.Clone(keys), manifests...))); !slices.Equal(rep.Keys, want) || !slices.Equal(objects, keys) {
		t.Fatalf("got keys in S3 %v and in the result %v; want one object and one manifest per window in S3, the objects %v in the result", rep.Keys, res.Objects, keys)
	}
	if wantNext := windows[len(windows)-1].End; !rep.Checkpoint.NextStartTime.Equal(wantNext) {
		t.Errorf("got checkpoint next_start_time %v; want %v", rep.Checkpoint.NextStartTime, wantNext)
	}
	var cp string
	if err := json.Unmarshal(res.Checkpoint, &cp); err != nil || cp != rep.Checkpoint.NextStartTime.Format(time.RFC3339) {
		t.Errorf("got result checkpoint %s; want %q", res.Checkpoint, rep.Checkpoint.NextStartTime.Format(time.RFC3339))
	}
	want := localavepoint.New(localavepoint.Config{Seed: s.AvePointCfg.Seed, RecordsPerHour: s.AvePointCfg.RecordsPerHour})
	c := s.S3()
	total := 0
	for i, w := range windows {
		got := objectIDs(t, ctx, c, keys[i])
		var wantIDs []string
		for _, rec := range want.Records(w.Start, w.End) {
			id, err := canonjson.ID(rec)
			if err != nil {
				t.Fatalf("canonjson.ID: %v", err)
			}
			wantIDs = append(wantIDs, hex.EncodeToString(id[:]))
		}
		if !slices.Equal(got, wantIDs) {
			t.Errorf("%s: got %d records %v; want the %d the API serves for %v", keys[i], len(got), got, len(wantIDs), w)
		}
		total += len(got)
	}
	if res.Records != total || total != res.Windows*s.AvePointCfg.RecordsPerHour {
		t.Errorf("got %d records in the result, %d in S3; want %d", res.Records, total, res.Windows*s.AvePointCfg.RecordsPerHour)
	}
}

// objectIDs reads a stored window and returns its records' _id, in order,
// after checking each one is the fingerprint of the record without it.
func objectIDs(t *testing.T, ctx context.Context, c *s3.Client, key string) []string {
	t.Helper()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	if ct := aws.ToString(out.ContentType); ct != "application/x-ndjson" {
		t.Errorf("%s: got content type %q; want application/x-ndjson", key, ct)
	}
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		t.Fatalf("%s: not gzip: %v", key, err)
	}
	var ids []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		ids = append(ids, lineID(t, key, sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return ids
}

func lineID(t *testing.T, key string, line []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber() // keep numbers as they were
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil {
		t.Fatalf("%s: line %q: %v", key, line, err)
	}
	id, _ := rec["_id"].(string)
	delete(rec, "_id")
	b, _ := json.Marshal(rec)
	sum, err := canonjson.ID(b)
	if err != nil || hex.EncodeToString(sum[:]) != id {
		t.Errorf("%s: got _id %q; want the record's fingerprint %x (%v)", key, id, sum, err)
	}
	return id
}

// moduleRoot is the checkout holding this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}
