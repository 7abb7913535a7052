package main_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

const scheduled = `{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2024-10-10T00:00:00Z","region":"us-east-1","resources":[],"detail":{}}`

func TestBootstrap(t *testing.T) {
	t.Parallel()
	bootstrap := testenv.GoBuild(t, "./functions/auditpull", t.TempDir())
	// The bootstrap reads the real clock: a LAG ending due windows half an hour before the
	// current hour keeps the three windows from START_TIME due for the next 30 minutes.
	now := time.Now().UTC()
	hour := window.Align(now, time.Hour)
	start := hour.Add(-4 * time.Hour)
	lag := (now.Sub(hour) + 30*time.Minute).Round(time.Second)
	st := startStack(t, localavepoint.Config{Seed: 21, RecordsPerHour: 45, PageSize: 20},
		"START_TIME="+start.Format(time.RFC3339), "LAG="+lag.String(), "PREFIX=aos/")
	var logs testenv.Buffer
	r := st.start(t, bootstrap, 30*time.Second, &logs)

	// Scheduled: the three windows from START_TIME that ended LAG ago.
	res, first := invoke(t, r, scheduled)
	ws := []window.Window{window.At(start, time.Hour), window.At(start.Add(time.Hour), time.Hour), window.At(start.Add(2*time.Hour), time.Hour)}
	if res.Windows != 3 || res.Records != 135 || !res.Complete || res.Checkpoint != start.Add(3*time.Hour).Format(time.RFC3339) {
		t.Errorf("scheduled result = %+v; want 3 windows, 135 records, complete, checkpoint %s", res, start.Add(3*time.Hour).Format(time.RFC3339))
	}
	var want []string
	for _, w := range ws {
		want = append(want, w.Key("aos/"))
	}
	if !slices.Equal(res.Objects, want) {
		t.Errorf("objects = %v; want %v", res.Objects, want)
	}
	// Backfill: two earlier hours, in the same warm process; the checkpoint
	// is reported, not moved.
	bstart := start.Add(-2 * time.Hour)
	res, second := invoke(t, r, backfill(bstart, start))
	if second.PID == 0 || second.PID != first.PID {
		t.Errorf("the invocations ran in processes %d and %d; want one kept warm", first.PID, second.PID)
	}
	if res.Windows != 2 || res.Records != 90 || !res.Complete || res.Checkpoint != start.Add(3*time.Hour).Format(time.RFC3339) {
		t.Errorf("backfill result = %+v; want 2 windows, 90 records, the checkpoint unchanged", res)
	}
	for _, w := range append(ws, window.At(bstart, time.Hour), window.At(bstart.Add(time.Hour), time.Hour)) {
		var got [][]byte
		st.eachLine(t, w.Key("aos/"), func(line []byte) {
			got = append(got, append([]byte{'{'}, line[len(`{"_id":"`)+64+2:]...))
		})
		if want := st.api.Records(w.Start, w.End); !slices.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("window %s: got %d records, want the API's %d", w, len(got), len(want))
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"CheckpointLagSeconds":`) || !strings.Contains(out, `"FunctionName":"auditpull"`) {
		t.Errorf("no CheckpointLagSeconds metric for the function in the output:\n%s", out)
	}
	if !strings.Contains(out, `"message":"window pulled"`) {
		t.Errorf("no window log line in the output:\n%s", out)
	}
}

func TestBootstrapRefusesABadConfiguration(t *testing.T) {
	t.Parallel()
	bootstrap := testenv.GoBuild(t, "./functions/auditpull", t.TempDir())
	var logs testenv.Buffer
	e := rie.StartTest(t, rie.Config{Bootstrap: bootstrap,
		Env: []string{"TOKEN_PARAMETER=/t", "AUDIT_API_URL=us", "WINDOW=2d"}, Output: &logs})
	res := e.InvokeTest(t, scheduled)
	// The caller sees why, through /runtime/init/error, not a bare exit.
	if res.Status != 502 || res.Error == nil || res.Error.ErrorType != "Runtime.InitError" ||
		!strings.Contains(res.Error.ErrorMessage, "BUCKET is required") || !strings.Contains(res.Error.ErrorMessage, "WINDOW") {
		t.Errorf("got %d %+v; want Runtime.InitError naming BUCKET and WINDOW", res.Status, res.Error)
	}
	logs.WaitFor(t, "BUCKET is required", 1)
	for _, want := range []string{"BUCKET is required", `WINDOW \"2d\" is not a Go duration`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("init output %q does not say %q", logs.String(), want)
		}
	}
}
