package main_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

const (
	bucket    = "audit"
	tokenName = "/tokens/aos-audit"
)

// stack is the built bootstrap's world: moto_server with the bucket and
// the token, and a local AvePoint.
type stack struct {
	s3  *s3.Client
	api *localavepoint.Server
	env []string
	// memoryMB is the function's memory; 0 means 128.
	memoryMB int
}

func startStack(t testing.TB, apc localavepoint.Config, vars ...string) *stack {
	t.Helper()
	moto := testenv.Moto(t)
	cfg := testenv.AWSConfig(t, moto)
	st := &stack{s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true })}
	ctx := context.Background()
	if _, err := st.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	st.api = localavepoint.New(apc)
	if err := st.api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.api.Close)
	v, err := paramstore.Encode(paramstore.Value{AccessToken: st.api.IssueToken(localavepoint.AuditScope, 2*time.Hour),
		TokenType: "Bearer", ExpiresAt: time.Now().Add(2 * time.Hour), IssuedAt: time.Now()}, paramstore.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := (paramstore.Store{SSM: ssm.NewFromConfig(cfg)}).Put(ctx, tokenName, v, ""); err != nil {
		t.Fatal(err)
	}
	st.env = append(testenv.AWSEnv(moto), "TOKEN_PARAMETER="+tokenName, "AUDIT_API_URL="+st.api.URL(), "BUCKET="+bucket)
	st.env = append(st.env, vars...)
	return st
}

// start runs the built bootstrap under the Lambda Runtime Interface
// Emulator, as `sam local invoke` runs it.
func (st *stack) start(t testing.TB, bootstrap string, timeout time.Duration, logs io.Writer) *rie.Emulator {
	t.Helper()
	mem := st.memoryMB
	if mem == 0 {
		mem = 128
	}
	return rie.StartTest(t, rie.Config{Bootstrap: bootstrap, Env: st.env,
		FunctionName: "auditpull", Timeout: timeout, MemoryMB: mem, Output: logs})
}

// result is the function's result payload.
type result struct {
	Windows    int      `json:"windows"`
	Records    int      `json:"records"`
	Objects    []string `json:"objects"`
	Checkpoint string   `json:"checkpoint"`
	Complete   bool     `json:"complete"`
}

// invoke runs one invocation and decodes its result.
func invoke(t testing.TB, e *rie.Emulator, event string) (result, rie.Result) {
	t.Helper()
	out := e.InvokeTest(t, event)
	if out.Error != nil {
		t.Fatalf("invoke %s: function error %v", event, out.Error)
	}
	var res result
	if err := json.Unmarshal(out.Payload, &res); err != nil {
		t.Fatalf("result %s: %v", out.Payload, err)
	}
	return res, out
}

// eachLine calls fn with every line of the object under key.
func (st *stack) eachLine(t testing.TB, key string, fn func(line []byte)) {
	t.Helper()
	out, err := st.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		t.Fatalf("gunzip %s: %v", key, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fn(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
}

// backfill is the event of a backfill of [start, end).
func backfill(start, end time.Time) string {
	return `{"start_time":"` + start.Format(time.RFC3339) + `","end_time":"` + end.Format(time.RFC3339) + `"}`
}
