package faultsuite

//lint:file-ignore SA1019 archive uses feature/s3/manager (in go.mod); this test sizes its parts.

import (
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// awsFaults injects real AWS errors (awsfault in front of moto) into the refresher's and the
// audit pull's calls.
func awsFaults(t *testing.T, e *awsEnv) {
	rig := newTokenRig(t, e)
	const deadline = 5 * time.Second
	const getSecret, getParam, putParam = "secretsmanager.GetSecretValue", "AmazonSSM.GetParameter", "AmazonSSM.PutParameter"

	refreshFails := func(t *testing.T, want ...string) {
		t.Helper()
		w := newWitness(t)
		res, took, err := rig.run(t, w, deadline)
		rig.assertFailedIntact(t, res, err, took, deadline, want...)
		if n := rig.idp.requests.Load(); n != 0 {
			t.Errorf("got %d token requests; want none after the credentials failed", n)
		}
	}
	refreshes := func(t *testing.T) {
		t.Helper()
		w := newWitness(t)
		res, _, err := rig.run(t, w, deadline)
		if err != nil || len(res.Refreshed) != 1 {
			t.Fatalf("got %+v, %v; want %q refreshed", res, err, idpTarget)
		}
		rig.assertReplaced(t)
	}
	withSecret := func(id string) func() {
		old := rig.secretID
		rig.secretID = id
		return func() { rig.secretID = old }
	}
	setup := func(t *testing.T) {
		e.fresh()
		rig.storeOld(t)
		rig.idp.set(rig.idp.good)
	}

	t.Run("secret missing", func(t *testing.T) {
		setup(t)
		defer withSecret("faultsuite/no-such-secret")()
		refreshFails(t, "get credentials", "faultsuite/no-such-secret", "ResourceNotFoundException")
		if n := e.proxy.Requests(getSecret); n != 1 {
			t.Errorf("got %d GetSecretValue attempts; want 1 (not retryable)", n)
		}
	})
	t.Run("secret access denied", func(t *testing.T) {
		setup(t)
		e.proxy.Add(awsfault.Rule{Op: getSecret, Fault: awsfault.AccessDenied})
		refreshFails(t, "get credentials", rig.secretID, "AccessDeniedException")
		if n := e.proxy.Requests(getSecret); n != 1 {
			t.Errorf("got %d GetSecretValue attempts; want 1 (not retryable)", n)
		}
	})
	t.Run("malformed secret JSON", func(t *testing.T) {
		setup(t)
		// A secret cut short in the middle of its value: the fragment must not reach any message.
		fragment := "Cut-0ff+s3cr3t=fragment%x"
		secrets.add("malformed secret fragment", fragment)
		id := "faultsuite/malformed-" + randHex(4)
		e.createSecret(t, id, `{"client_id":"`+clientID+`","client_secret":"`+fragment)
		defer withSecret(id)()
		refreshFails(t, "get credentials", id)
	})
	t.Run("secret missing a field", func(t *testing.T) {
		setup(t)
		id := "faultsuite/nofield-" + randHex(4)
		e.createSecret(t, id, secretJSON(map[string]string{"client_id": clientID, "pfx_password": "Pfx-p4ss+w0rd=%:kX81"}))
		secrets.add("pfx password", "Pfx-p4ss+w0rd=%:kX81")
		defer withSecret(id)()
		refreshFails(t, "get credentials", id, "pfx")
	})
	t.Run("secrets manager throttled, then read", func(t *testing.T) {
		setup(t)
		e.proxy.Add(awsfault.Rule{Op: getSecret, First: 2, Fault: awsfault.Throttling})
		refreshes(t)
		if n := e.proxy.Requests(getSecret); n != 3 {
			t.Errorf("got %d GetSecretValue attempts; want 3", n)
		}
	})
	t.Run("ssm throttled on read, then read", func(t *testing.T) {
		setup(t)
		e.proxy.Add(awsfault.Rule{Op: getParam, First: 2, Fault: awsfault.Throttling})
		refreshes(t)
		if n := e.proxy.Requests(getParam); n != 3 {
			t.Errorf("got %d GetParameter attempts; want 3", n)
		}
	})
	t.Run("ssm throttled on write, then written", func(t *testing.T) {
		setup(t)
		e.proxy.Add(awsfault.Rule{Op: putParam, First: 2, Fault: awsfault.Throttling})
		refreshes(t)
		if n := e.proxy.Requests(putParam); n != 3 {
			t.Errorf("got %d PutParameter attempts; want 3", n)
		}
	})
	t.Run("ssm throttled on every write", func(t *testing.T) {
		setup(t)
		e.proxy.Add(awsfault.Rule{Op: putParam, Fault: awsfault.Throttling})
		w := newWitness(t)
		res, took, err := rig.run(t, w, deadline)
		rig.assertFailedIntact(t, res, err, took, deadline, "store token", "ThrottlingException")
		if n := e.proxy.Requests(putParam); n != 3 {
			t.Errorf("got %d PutParameter attempts; want 3", n)
		}
	})
	t.Run("ssm read access denied still refreshes", func(t *testing.T) {
		// An unreadable stored value is refreshed; the write decides.
		setup(t)
		e.proxy.Add(awsfault.Rule{Op: getParam, Fault: awsfault.AccessDenied})
		refreshes(t)
	})

	pullSurvives := func(name string, rules ...awsfault.Rule) {
		t.Run(name, func(t *testing.T) {
			e.fresh()
			r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 20, PageSize: 10}, 3)
			for _, ru := range rules {
				e.proxy.Add(ru)
			}
			w := newWitness(t)
			res, _, err := r.run(t, w, r.puller(t, w, nil), 20*time.Second)
			if err != nil || !res.Complete {
				t.Fatalf("got %+v, %v; want a complete run", res, err)
			}
			injected := 0
			for _, ru := range rules {
				injected += e.proxy.Injected(ru.Op)
			}
			if injected == 0 {
				t.Errorf("no fault was injected; the test proves nothing")
			}
			if cp, _ := r.checkpoint(t); !cp.Equal(r.end) {
				t.Errorf("got checkpoint %v; want %v", cp, r.end)
			}
			r.assertComplete(t, r.end)
		})
	}
	isCheckpoint := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "_checkpoint.json") }
	pullSurvives("ssm throttled on the audit pull's token read",
		awsfault.Rule{Op: getParam, First: 2, Fault: awsfault.Throttling})
	pullSurvives("s3 SlowDown on the checkpoint read",
		awsfault.Rule{Op: "s3.GetObject", First: 2, Fault: awsfault.SlowDown, When: isCheckpoint})
	// The checkpoint is written, but S3's answer is lost: the SDK retries a conditional write that
	// already took effect, S3 refuses it (412), and the store must recognise its own checkpoint.
	pullSurvives("first checkpoint write's answer lost",
		awsfault.Rule{Op: "s3.PutObject", First: 1, Lost: true, Fault: awsfault.S3InternalError, When: isCheckpoint})
	pullSurvives("later checkpoint writes' answers lost",
		awsfault.Rule{Op: "s3.PutObject", Every: 2, Lost: true, Fault: awsfault.S3InternalError, When: isCheckpoint})
	pullSurvives("window object's answer lost",
		awsfault.Rule{Op: "s3.PutObject", First: 1, Lost: true, Fault: awsfault.S3InternalError,
			When: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, ".jsonl.gz") }})

	t.Run("corrupt checkpoint is an error, never a reset", func(t *testing.T) {
		e.fresh()
		r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 20, PageSize: 10}, 2)
		key := r.prefix + "_checkpoint.json"
		if _, err := e.directS3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(key),
			Body: strings.NewReader(`{"next_start_time": "not a time"`)}); err != nil {
			t.Fatal(err)
		}
		w := newWitness(t)
		res, _, err := r.run(t, w, r.puller(t, w, nil), 20*time.Second)
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Fatalf("got %+v, %v; want an error naming %s", res, err, key)
		}
		out, err := e.directS3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		if b, _ := io.ReadAll(out.Body); string(b) != `{"next_start_time": "not a time"` {
			t.Errorf("checkpoint rewritten to %s; want it left for an operator", b)
		}
		if n := r.ap.Stats().AuditRequests; n != 0 {
			t.Errorf("got %d audit requests; want none before the checkpoint is understood", n)
		}
	})
	t.Run("token parameter missing", func(t *testing.T) {
		e.fresh()
		r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 20, PageSize: 10}, 2)
		r.param = "/tokens/never-written-" + randHex(4)
		w := newWitness(t)
		res, _, err := r.run(t, w, r.puller(t, w, nil), 20*time.Second)
		if err == nil || !strings.Contains(err.Error(), r.param) {
			t.Fatalf("got %+v, %v; want an error naming %s", res, err, r.param)
		}
		if n := r.ap.Stats().AuditRequests; n != 0 {
			t.Errorf("got %d audit requests; want none without a token", n)
		}
		if _, found := r.checkpoint(t); found {
			t.Errorf("got a checkpoint; want none")
		}
	})

	t.Run("s3 fails mid-upload", func(t *testing.T) { s3MidUpload(t, e) })
	t.Run("s3 fails on the checkpoint write", func(t *testing.T) { s3CheckpointWrite(t, e) })
	t.Run("s3 SlowDown on an object is retried", func(t *testing.T) {
		e.fresh()
		r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 20, PageSize: 10}, 2)
		e.proxy.Add(awsfault.Rule{Op: "s3.PutObject", First: 1, Fault: awsfault.SlowDown,
			When: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, ".jsonl.gz") }})
		w := newWitness(t)
		res, _, err := r.run(t, w, r.puller(t, w, nil), 20*time.Second)
		if err != nil || !res.Complete {
			t.Fatalf("got %+v, %v; want a complete run", res, err)
		}
		if n := e.proxy.Injected("s3.PutObject"); n != 1 {
			t.Errorf("got %d SlowDown answers; want 1", n)
		}
		cp, _ := r.checkpoint(t)
		r.assertComplete(t, cp)
	})
}

// noiseAPI serves, for the window starting at big, records of base64 noise totalling size bytes
// (gzip cannot shrink them below 3/4), and three small records for every other window.
type noiseAPI struct {
	big  time.Time
	size int
}

func (a noiseAPI) Pages(ctx context.Context, q auditapi.Query, fn func(*auditapi.Records) error) error {
	if !q.Start.Equal(a.big) {
		var page []json.RawMessage
		for i := range 3 {
			page = append(page, json.RawMessage(fmt.Sprintf(`{"actionName":"Login","n":%d,"actionTime":%q}`, i, q.Start.Format(time.RFC3339))))
		}
		return fn(auditapi.RecordsOf(page))
	}
	rng := rand.NewChaCha8([32]byte{7})
	raw := make([]byte, 48<<10)
	for n, i := 0, 0; n < a.size; i++ {
		_, _ = rng.Read(raw)
		rec := json.RawMessage(fmt.Sprintf(`{"actionName":"Export","n":%d,"additionalDetails":%q}`, i, base64.StdEncoding.EncodeToString(raw)))
		if err := fn(auditapi.RecordsOf([]json.RawMessage{rec})); err != nil {
			return err
		}
		n += len(rec)
	}
	return nil
}

// s3MidUpload makes one part of a multipart object fail for good: the SDK retries it, the upload
// manager aborts the upload, nothing is stored under the window's key and the checkpoint stays
// at the window's start, after the window before it, which was stored.
func s3MidUpload(t *testing.T, e *awsEnv) {
	e.fresh()
	w := newWitness(t)
	r := &pullRig{aws: e, bucket: e.bucket(t), prefix: "audit/", param: "/tokens/unused"}
	now := time.Now().UTC()
	r.start = window.Align(now.Add(-3*time.Hour), time.Hour)
	small := window.Window{Start: r.start, End: r.start.Add(time.Hour)}
	big := window.Window{Start: small.End, End: small.End.Add(time.Hour)}
	e.proxy.Add(awsfault.Rule{Op: "s3.UploadPart", Fault: awsfault.S3InternalError,
		When: func(r *http.Request) bool { return r.URL.Query().Get("partNumber") == "2" }})
	// The smallest part S3 allows, one at a time, and Huffman-only gzip: the object needs two
	// parts with 7 MiB of noise rather than 11, and the test is not about compression.
	up := manager.NewUploader(e.s3, func(u *manager.Uploader) {
		u.PartSize = manager.MinUploadPartSize
		u.Concurrency = 1
	})
	p := r.puller(t, w, noiseAPI{big: big.Start, size: 7 << 20})
	p.Archive = &archive.Archive{Bucket: r.bucket, Uploader: up, Level: gzip.HuffmanOnly}
	p.Now = func() time.Time { return big.End.Add(10 * time.Minute) }
	res, _, err := r.run(t, w, p, 60*time.Second)
	if err == nil {
		t.Fatalf("got %+v and no error; want the run to fail on the window whose part failed", res)
	}
	if !strings.Contains(err.Error(), big.String()) || !strings.Contains(err.Error(), "InternalError") {
		t.Errorf("got error %q; want it to name window %s and the S3 error", err, big)
	}
	if n := e.proxy.Requests("s3.UploadPart"); n < 1+3 {
		t.Errorf("got %d UploadPart requests; want part 1 and three attempts at part 2", n)
	}
	if n := e.proxy.Requests("s3.AbortMultipartUpload"); n < 1 {
		t.Errorf("got %d AbortMultipartUpload requests; want the upload aborted", n)
	}
	if n := e.proxy.Requests("s3.CompleteMultipartUpload"); n != 0 {
		t.Errorf("got %d CompleteMultipartUpload requests; want none", n)
	}
	r.assertNoMultipart(t)
	if lines := r.object(t, big); lines != nil {
		t.Errorf("got an object of %d lines for the failed window; want none", len(lines))
	}
	if lines := r.object(t, small); len(lines) != 3 {
		t.Errorf("got %d lines for the stored window; want 3", len(lines))
	}
	if cp, found := r.checkpoint(t); !found || !cp.Equal(big.Start) {
		t.Errorf("got checkpoint %v (found %v); want %v, the end of the last stored window", cp, found, big.Start)
	}
}

// s3CheckpointWrite makes every write of the checkpoint fail: the first window's object is
// stored, the run fails, and the checkpoint is not moved (data ahead of the checkpoint is fine,
// the reverse never). The next run, with S3 healthy, pulls the window again into the same key
// and every record is stored once.
func s3CheckpointWrite(t *testing.T, e *awsEnv) {
	e.fresh()
	r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 20, PageSize: 10}, 3)
	e.proxy.Add(awsfault.Rule{Op: "s3.PutObject", Fault: awsfault.S3InternalError,
		When: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "_checkpoint.json") }})
	w := newWitness(t)
	res, _, err := r.run(t, w, r.puller(t, w, nil), 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("got %+v, %v; want the run to fail on the checkpoint", res, err)
	}
	if _, found := r.checkpoint(t); found {
		t.Errorf("got a checkpoint; want none written")
	}
	first := window.Window{Start: r.start, End: r.start.Add(time.Hour)}
	if lines := r.object(t, first); len(lines) == 0 {
		t.Errorf("got no object for %s; want it stored before the checkpoint write", first)
	}
	e.fresh()
	res, _, err = r.run(t, w, r.puller(t, w, nil), 20*time.Second)
	if err != nil || !res.Complete {
		t.Fatalf("second run: got %+v, %v; want complete", res, err)
	}
	cp, _ := r.checkpoint(t)
	if !cp.Equal(r.end) {
		t.Errorf("got checkpoint %v; want %v", cp, r.end)
	}
	r.assertComplete(t, cp)
}
