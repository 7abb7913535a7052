package auditpull_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

// pagesServer serves pages[skipToken] (the first without one) as the
// audit API, each linking to the next.
func pagesServer(t *testing.T, pages ...string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		i := 0
		if tok := req.URL.Query().Get("skipToken"); tok != "" {
			i = int(tok[0] - '0')
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pages[i]))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestBadPagesStoreNothing(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	const good = `{"nextLink":"/aos/audit?skipToken=1","data":[{"actionName":"Login","actionTime":"2024-10-10T00:00:01Z"}]}`
	tests := []struct {
		name  string
		page2 string
		want  string
	}{
		{"not JSON", `<!DOCTYPE html><html><body>Service unavailable</body></html>`, "page 2"},
		{"data not an array", `{"nextLink":null,"data":{"actionName":"Login"}}`, "data"},
		{"truncated", `{"nextLink":null,"data":[{"actionName":"Lo`, "page 2"},
		// Bad only after records the streaming reader has already written.
		{"bad after the records", `{"data":[{"actionName":"Logout","actionTime":"2024-10-10T00:00:02Z"}],"nextLink":null} <html>`, "page 2"},
		{"bad between records", `{"nextLink":null,"data":[{"actionName":"Logout","actionTime":"2024-10-10T00:00:02Z"} {"actionName":"x"}]}`, "page 2"},
		{"data twice", `{"data":[{"actionName":"Logout","actionTime":"2024-10-10T00:00:02Z"}],"nextLink":null,"Data":[]}`, `"data" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := pagesServer(t, good, tt.page2)
			r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL})
			r.setCheckpoint(day0)
			r.now = day0.Add(2 * time.Hour)
			_, err := r.invoke(context.Background(), scheduledEvent)
			if err == nil || !strings.Contains(err.Error(), "window 2024-10-10T00:00:00Z/2024-10-10T01:00:00Z") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v; want one naming the window and %q", err, tt.want)
			}
			r.checkOnlyCheckpoint(day0)
		})
	}
}

func TestNotJSONPageKeepsEarlierObjects(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 8, RecordsPerHour: 30, PageSize: 10}, nil)
	ctx := context.Background()
	r.mustInvoke(ctx, backfillEvent(day0, day0.Add(2*time.Hour)))
	r.setCheckpoint(day0)
	keys := r.keys()

	r.api.SetFaults(localavepoint.Faults{NotJSONPage: 2})
	r.now = day0.Add(3 * time.Hour)
	_, err := r.invoke(ctx, scheduledEvent)
	if err == nil || !strings.Contains(err.Error(), "page 2") || !strings.Contains(err.Error(), "text/html") {
		t.Fatalf("error = %v; want one naming page 2 and its content type", err)
	}
	if got := r.keys(); !slices.Equal(got, keys) {
		t.Errorf("bucket holds %v; want %v", got, keys)
	}
	r.api.SetFaults(localavepoint.Faults{})
	r.checkWindows(day0, day0.Add(2*time.Hour)) // the earlier objects, intact
	if got := r.checkpoint(); got != stamp(day0) {
		t.Errorf("checkpoint = %s; want %s unchanged", got, stamp(day0))
	}
}

func TestBadBackfillEvents(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	r := newRig(t, env, localavepoint.Config{Seed: 1}, map[string]string{"MAX_BACKFILL": "48h"})
	r.setCheckpoint(day0)
	tests := []struct {
		name, event, want string
	}{
		{"end before start", backfillEvent(day0.Add(time.Hour), day0), "end_time 2024-10-10T00:00:00Z is not after start_time 2024-10-10T01:00:00Z"},
		{"longer than MAX_BACKFILL", backfillEvent(day0, day0.Add(49*time.Hour)), "longer than the 48h0m0s allowed"},
		{"unknown field", `{"start_time":"2024-10-10T00:00:00Z","end_time":"2024-10-10T01:00:00Z","force":true}`, `unknown field "force"`},
		{"missing end", `{"start_time":"2024-10-10T00:00:00Z"}`, "end_time is required"},
		{"bad time", `{"start_time":"yesterday","end_time":"2024-10-10T01:00:00Z"}`, `start_time "yesterday" is not an RFC 3339 time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.invoke(context.Background(), tt.event)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v; want %q", err, tt.want)
			}
		})
	}
	if st := r.api.Stats(); st.AuditRequests != 0 {
		t.Errorf("audit requests = %d; want 0", st.AuditRequests)
	}
	r.checkOnlyCheckpoint(day0)
}

func TestRecordsRepeatedAcrossPagesAreStoredOnce(t *testing.T) {
	t.Parallel()
	env := startAWS(t)
	// The second page repeats the first page's last record, and a record at
	// the windows' boundary is returned for both windows (elastic/beats#34304).
	const (
		a = `{"actionName":"A","actionTime":"2024-10-10T00:10:00Z"}`
		b = `{"actionName":"B","actionTime":"2024-10-10T00:59:59Z","status":"Successful"}`
		c = `{"actionName":"C","actionTime":"2024-10-10T01:00:00Z"}`
	)
	api := pagesServer(t,
		`{"nextLink":"/aos/audit?skipToken=1","data":[`+a+`,`+b+`]}`,
		`{"nextLink":null,"data":[ {"status":"Successful", "actionTime":"2024-10-10T00:59:59Z","actionName":"B"} ,`+c+`]}`)
	r := newRig(t, env, localavepoint.Config{}, map[string]string{"AUDIT_API_URL": api.URL})
	res := r.mustInvoke(context.Background(), backfillEvent(day0, day0.Add(2*time.Hour)))
	if res.Records != 6 || res.Windows != 2 {
		t.Errorf("result = %+v; want 2 windows of 3 records", res)
	}
	for _, w := range windows(day0, day0.Add(2*time.Hour), time.Hour) {
		r.checkWindow(w, [][]byte{[]byte(a), []byte(b), []byte(c)})
	}
	if !strings.Contains(r.logs.String(), `"duplicates":1`) {
		t.Errorf("logs do not count the repeated record: %s", r.logs.String())
	}
}
