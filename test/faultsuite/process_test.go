package faultsuite

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tokenrelay/tokenrelay/internal/auditpull"
	"github.com/tokenrelay/tokenrelay/internal/testkit/awsfault"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// scheduledEvent is an EventBridge Scheduled Event, as the schedule sends it.
const scheduledEvent = `{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",
"source":"aws.events","account":"123456789012","time":"2026-12-01T18:00:00Z","region":"us-east-1",
"resources":["arn:aws:events:us-east-1:123456789012:rule/tokenrelay-auditpull"],"detail":{}}`

// processFaults runs the built auditpull bootstrap under the Lambda Runtime Interface Emulator:
// killed in the middle of a run, and two at once on one bucket and prefix.
func processFaults(t *testing.T, e *awsEnv) {
	bootstrap := testenv.GoBuild(t, "./functions/auditpull", t.TempDir())
	t.Run("killed mid-run and run again", func(t *testing.T) { killedMidRun(t, e, bootstrap, oneWindow) })
	t.Run("killed with 8 windows in flight and run again", func(t *testing.T) { killedMidRun(t, e, bootstrap, eightWindows) })
	t.Run("two pulls at once", func(t *testing.T) { twoAtOnce(t, e, bootstrap, oneWindow) })
	t.Run("two pulls at once, 8 windows in flight each", func(t *testing.T) { twoAtOnce(t, e, bootstrap, eightWindows) })
	t.Run("two pulls at once in one process, checkpoint answers lost", func(t *testing.T) { twoInProcess(t, e) })
	t.Run("refresher bootstrap on every token endpoint failure", func(t *testing.T) { refresherBootstrap(t, e) })
}

// inFlight is how many windows a process fault runs at once (AUDIT_CONCURRENCY, README: "Audit
// pull", "Backlogs"), with a backlog and a page delay long enough to catch a run in the middle.
type inFlight struct {
	concurrency, windows int
	pageDelay            time.Duration
}

var (
	oneWindow    = inFlight{concurrency: 1, windows: 30, pageDelay: 10 * time.Millisecond}
	eightWindows = inFlight{concurrency: 8, windows: 48, pageDelay: 30 * time.Millisecond}
)

// startFunction starts the bootstrap for the rig under the emulator at 256 MB (which holds 8
// windows in flight), its output going to w.
func startFunction(t *testing.T, r *pullRig, bootstrap string, w *witness, f inFlight) *rie.Emulator {
	t.Helper()
	env := testenv.AWSEnv(r.aws.proxy.URL())
	for k, v := range r.env() {
		env = append(env, k+"="+v)
	}
	return rie.StartTest(t, rie.Config{
		Bootstrap: bootstrap, FunctionName: "auditpull", Timeout: 2 * time.Minute, MemoryMB: 256, Output: w,
		Env: append(env, "AWS_LAMBDA_LOG_LEVEL=DEBUG", "AUDIT_CONCURRENCY="+strconv.Itoa(f.concurrency)),
	})
}

// observer polls the checkpoint and the stored objects while runs go on, and records every
// violation of the two promises: the checkpoint never moves backwards, and every window before
// it has its object (it is never ahead of the data).
type observer struct {
	r      *pullRig
	mu     sync.Mutex
	last   time.Time
	seen   int
	errs   []string
	stop   chan struct{}
	done   chan struct{}
	onSeen func(cp time.Time)
}

func observe(t *testing.T, r *pullRig, onSeen func(time.Time)) *observer {
	o := &observer{r: r, stop: make(chan struct{}), done: make(chan struct{}), onSeen: onSeen}
	go func() {
		defer close(o.done)
		for {
			select {
			case <-o.stop:
				return
			case <-time.After(15 * time.Millisecond):
			}
			o.look(t)
		}
	}()
	return o
}

func (o *observer) look(t *testing.T) {
	// The checkpoint first, then the objects: an object written after the checkpoint was read
	// can only help, so a missing one is a real violation.
	cp, found := o.r.checkpoint(t)
	if !found {
		return
	}
	keys := map[string]bool{}
	p := s3.NewListObjectsV2Paginator(o.r.aws.directS3, &s3.ListObjectsV2Input{Bucket: aws.String(o.r.bucket), Prefix: aws.String(o.r.prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return // the observer's own failure proves nothing either way
		}
		for _, obj := range page.Contents {
			keys[aws.ToString(obj.Key)] = true
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen++
	if cp.Before(o.last) {
		o.errs = append(o.errs, "checkpoint moved back from "+o.last.Format(time.RFC3339)+" to "+cp.Format(time.RFC3339))
	}
	o.last = cp
	for ws := o.r.start; ws.Before(cp); ws = ws.Add(time.Hour) {
		w := window.Window{Start: ws, End: ws.Add(time.Hour)}
		if !keys[w.Key(o.r.prefix)] {
			o.errs = append(o.errs, "checkpoint "+cp.Format(time.RFC3339)+" is ahead of the data: no object for "+w.String())
			break
		}
	}
	if o.onSeen != nil {
		o.onSeen(cp)
	}
}

// finish stops the observer, looks once more, and reports what it saw.
func (o *observer) finish(t *testing.T) {
	t.Helper()
	close(o.stop)
	<-o.done
	o.look(t)
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.errs {
		t.Error(e)
	}
	if o.seen < 3 {
		t.Errorf("the checkpoint was observed %d times; want a run long enough to watch", o.seen)
	}
	t.Logf("checkpoint observed %d times", o.seen)
}

// decode reads a run's result.
func decode(t *testing.T, res rie.Result) auditpull.Result {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("function error: %v", res.Error)
	}
	var out auditpull.Result
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		t.Fatalf("result %s: %v", res.Payload, err)
	}
	return out
}

// ranTo checks that a complete scheduled run with LAG 5m reached the last due window, and
// returns where it ended. The hour may have turned during the test, so the window before the
// one due now is accepted too.
func ranTo(t *testing.T, checkpoint string) time.Time {
	t.Helper()
	end, err := time.Parse(time.RFC3339, checkpoint)
	now := window.Align(time.Now().Add(-5*time.Minute), time.Hour)
	if err != nil || (!end.Equal(now) && !end.Equal(now.Add(-time.Hour))) {
		t.Fatalf("got checkpoint %q; want %v, the end of the last due window", checkpoint, now)
	}
	return end
}

// killedMidRun kills the bootstrap (SIGKILL) while a scheduled run is a third of the way through
// 30 windows, and runs it again: every record lands, none is repeated within a window, and the
// checkpoint was never ahead of the data.
func killedMidRun(t *testing.T, e *awsEnv, bootstrap string, f inFlight) {
	e.fresh()
	w := newWitness(t)
	r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 40, PageSize: 10}, f.windows)
	r.ap.SetFaults(localavepoint.Faults{PageDelay: f.pageDelay})
	rt := startFunction(t, r, bootstrap, w, f)

	killAt := r.start.Add(10 * time.Hour)
	var once sync.Once
	killed := make(chan struct{})
	o := observe(t, r, func(cp time.Time) {
		if !cp.Before(killAt) {
			once.Do(func() {
				if err := rt.KillBootstrap(); err != nil {
					t.Errorf("kill: %v", err)
				}
				close(killed)
			})
		}
	})
	first := rt.InvokeTest(t, scheduledEvent)
	w.note(first.Payload)
	if first.Error == nil || first.Error.ErrorType != "Runtime.ExitError" || !strings.Contains(first.Error.ErrorMessage, "signal: killed") {
		t.Fatalf("first run: got %s; want it killed mid-run (is the run too fast to catch?)", first.Payload)
	}
	<-killed
	atKill, _ := r.checkpoint(t)
	ahead := 0
	for ws := atKill; ws.Before(r.end); ws = ws.Add(time.Hour) {
		if r.object(t, window.Window{Start: ws, End: ws.Add(time.Hour)}) != nil {
			ahead++
		}
	}
	t.Logf("killed with the checkpoint at %v, %v into the run; %d windows stored past it", atKill, atKill.Sub(r.start), ahead)

	res := rt.InvokeTest(t, scheduledEvent)
	if res.PID == 0 || res.PID == first.PID {
		t.Errorf("second run in process %d after %d was killed; want a fresh process", res.PID, first.PID)
	}
	out := decode(t, res)
	w.note(out)
	o.finish(t)
	if !out.Complete {
		t.Fatalf("second run: got %+v; want complete", out)
	}
	end := ranTo(t, out.Checkpoint)
	if first := window.At(atKill, time.Hour); len(out.Objects) == 0 || out.Objects[0] != first.Key(r.prefix) {
		t.Errorf("second run started at %v; want the first unfinished window %v", out.Objects, first)
	}
	r.assertComplete(t, end)
	total := 0
	for ws := r.start; ws.Before(end); ws = ws.Add(time.Hour) {
		total += len(r.object(t, window.Window{Start: ws, End: ws.Add(time.Hour)}))
	}
	if want := r.ap.Count(r.start, end); total != want {
		t.Errorf("got %d records stored; want %d", total, want)
	}
	if out.Verify == nil || !out.Verify.Complete {
		t.Errorf("second run's verify = %+v; want every window it pulled verified", out.Verify)
	}
}

// twoAtOnce starts two bootstraps on the same bucket and prefix at the same time: the
// checkpoint never moves backwards, and every record lands once per window.
func twoAtOnce(t *testing.T, e *awsEnv, bootstrap string, f inFlight) {
	e.fresh()
	w := newWitness(t)
	r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 40, PageSize: 10}, f.windows*2/3)
	r.ap.SetFaults(localavepoint.Faults{PageDelay: f.pageDelay / 2})
	rts := []*rie.Emulator{startFunction(t, r, bootstrap, w, f), startFunction(t, r, bootstrap, w, f)}
	o := observe(t, r, nil)
	results := make([]rie.Result, len(rts))
	errs := make([]error, len(rts))
	var wg sync.WaitGroup
	for i, rt := range rts {
		wg.Go(func() { results[i], errs[i] = rt.Invoke(context.Background(), []byte(scheduledEvent)) })
	}
	wg.Wait()
	o.finish(t)
	var outcomes []string
	complete := 0
	for i := range rts {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		w.note(results[i].Payload)
		if results[i].Error != nil {
			w.note(results[i].Error.ErrorMessage)
			// A run overtaken by the other stops without error (its checkpoint write found the
			// other's ahead); no failure is allowed.
			t.Errorf("run %d failed: %s; want success", i, results[i].Error.ErrorMessage)
			outcomes = append(outcomes, "error: "+results[i].Error.ErrorMessage)
			continue
		}
		out := decode(t, results[i])
		if out.Complete {
			complete++
		}
		outcomes = append(outcomes, string(results[i].Payload))
	}
	sort.Strings(outcomes)
	t.Logf("outcomes of the two runs:\n  %s", outcomes)
	if complete == 0 {
		t.Errorf("no run completed; want at least one")
	}
	cp, _ := r.checkpoint(t)
	end := ranTo(t, cp.Format(time.RFC3339))
	r.assertComplete(t, end)
}

// twoInProcess runs two Pullers at once in goroutines on one bucket and prefix, with every third
// checkpoint write's answer lost (the SDK retries a conditional write that took effect): the
// checkpoint never moves backwards, neither run fails (an overtaken run stops), and every record
// lands once per window.
func twoInProcess(t *testing.T, e *awsEnv) {
	e.fresh()
	r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 20, PageSize: 10}, 24)
	e.proxy.Add(awsfault.Rule{Op: "s3.PutObject", Every: 3, Lost: true, Fault: awsfault.S3InternalError,
		When: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "_checkpoint.json") }})
	o := observe(t, r, nil)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		w := newWitness(t)
		p := r.puller(t, w, nil)
		wg.Go(func() { _, _, errs[i] = r.run(t, w, p, 60*time.Second) })
	}
	wg.Wait()
	o.finish(t)
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v; want success (an overtaken run stops without error)", i, err)
		}
	}
	if n := e.proxy.Injected("s3.PutObject"); n == 0 {
		t.Errorf("no checkpoint answer was lost; the test proves less than it says")
	}
	if cp, _ := r.checkpoint(t); !cp.Equal(r.end) {
		t.Errorf("got checkpoint %v; want %v", cp, r.end)
	}
	r.assertComplete(t, r.end)
}
