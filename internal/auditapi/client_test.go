package auditapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPagesRequest(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "", rec(1))
	})
	c, tokens, _ := setup(t, srv)
	q := Query{Start: t0, End: t0.Add(time.Hour), ProductTypes: []string{"Cloud Backup", "", "Policies"}, GeoLocations: []string{"NAM", "EUR"}}
	pages, err := collect(c, q)
	if err != nil {
		t.Fatalf("Pages error: %v", err)
	}
	if want := [][]string{{rec(1)}}; !reflect.DeepEqual(pages, want) {
		t.Errorf("got pages %q; want %q", pages, want)
	}
	if srv.count() != 1 {
		t.Fatalf("got %d requests; want 1", srv.count())
	}
	r := srv.requests[0]
	if r.Method != http.MethodGet || r.URL.Path != "/aos/audit" {
		t.Errorf("got %s %s; want GET /aos/audit", r.Method, r.URL.Path)
	}
	if got, want := r.Header.Get("Authorization"), "Bearer "+token1; got != want {
		t.Errorf("got Authorization %q; want %q", got, want)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("got Accept %q; want application/json", got)
	}
	v := r.URL.Query()
	checks := map[string][]string{
		"startTime":    {"2024-10-10T08:00:00Z"},
		"endTime":      {"2024-10-10T09:00:00Z"},
		"productTypes": {"Cloud Backup", "Policies"},
		"geoLocations": {"NAM", "EUR"},
	}
	for k, want := range checks {
		if got := v[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("got %s = %q; want %q", k, got, want)
		}
	}
	if len(v) != len(checks) {
		t.Errorf("got query %q; want only %v", r.URL.RawQuery, checks)
	}
	if got := tokens.rereads(); !reflect.DeepEqual(got, []bool{false}) {
		t.Errorf("got Token calls (reread) %v; want [false]", got)
	}
}

func TestPagesTimesInUTC(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, "") })
	c, _, _ := setup(t, srv)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("load America/New_York: %v (install tzdata)", err)
	}
	q := Query{Start: t0.In(ny), End: t0.Add(90 * time.Minute).In(ny)}
	if _, err := collect(c, q); err != nil {
		t.Fatal(err)
	}
	v := srv.requests[0].URL.Query()
	if got, want := v.Get("startTime")+" "+v.Get("endTime"), "2024-10-10T08:00:00Z 2024-10-10T09:30:00Z"; got != want {
		t.Errorf("got startTime endTime %q; want %q", got, want)
	}
}

func TestPagesBadPages(t *testing.T) {
	tests := []struct {
		name, body, want string
		index            int
	}{
		{"html", "<!DOCTYPE html><html><body>maintenance</body></html>", "not JSON", -1},
		{"truncated", `{"nextLink":null,"data":[{"a":1}`, "not JSON", -1},
		{"empty body", ``, "not JSON", -1},
		{"array body", `[{"a":1}]`, "the body is an array, not an object", -1},
		{"data not an array", `{"nextLink":null,"data":{"a":1}}`, `"data" is an object, not an array`, -1},
		{"data a string", `{"nextLink":null,"data":"[]"}`, `"data" is a string, not an array`, -1},
		{"no data", `{"nextLink":null,"items":[]}`, `no "data" member`, -1},
		{"record not an object", `{"nextLink":null,"data":[{"a":1},{"b":2},"x"]}`, "record 2: a string, not an object", 2},
		{"record null", `{"nextLink":null,"data":[null]}`, "record 0: null, not an object", 0},
		{"nextLink a number", `{"nextLink":5,"data":[]}`, "nextLink is a number, not a string", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, tt.body)
			})
			c, _, _ := setup(t, srv)
			pages, err := collect(c, q1)
			var pe *PageError
			if !errors.As(err, &pe) || pe.Index != tt.index || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Pages error = %v; want *PageError (index %d) saying %q", err, tt.index, tt.want)
			}
			if !strings.Contains(err.Error(), "Content-Type text/html") {
				t.Errorf("error %q; want it to name the content type", err)
			}
			if len(pages) != 0 || srv.count() != 1 {
				t.Errorf("got %d pages delivered, %d requests; want 0, 1 (bad pages are not retried)", len(pages), srv.count())
			}
		})
	}
}

func TestPagesQueryChecks(t *testing.T) {
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"8 days", Query{Start: t0, End: t0.Add(8 * 24 * time.Hour)}, "more than the API's 7 days"},
		{"7 days and a second", Query{Start: t0, End: t0.Add(MaxRange + time.Second)}, "more than the API's 7 days"},
		{"end before start", Query{Start: t0, End: t0.Add(-time.Hour)}, "end is not after start"},
		{"empty range", Query{Start: t0, End: t0}, "end is not after start"},
		{"no start", Query{End: t0}, "needs a start and an end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, "") })
			c, tokens, _ := setup(t, srv)
			_, err := collect(c, tt.q)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Pages error = %v; want %q", err, tt.want)
			}
			if srv.count() != 0 || len(tokens.rereads()) != 0 {
				t.Errorf("got %d requests, %d token reads; want none", srv.count(), len(tokens.rereads()))
			}
		})
	}
	t.Run("exactly 7 days", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, "") })
		c, _, _ := setup(t, srv)
		if _, err := collect(c, Query{Start: t0, End: t0.Add(MaxRange)}); err != nil {
			t.Errorf("Pages(7 days) error: %v", err)
		}
	})
}

func TestPagesTokenSourceError(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, "") })
	c, tokens, _ := setup(t, srv)
	tokens.err = errors.New("auditpull: token in /tokens/aos-audit expired at 2024-10-10T07:00:00Z")
	_, err := collect(c, q1)
	if err == nil || !strings.Contains(err.Error(), "/tokens/aos-audit expired") {
		t.Fatalf("Pages error = %v; want the token source's error", err)
	}
	if srv.count() != 0 {
		t.Errorf("got %d requests; want none", srv.count())
	}
}

func TestPagesCallbackError(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, "/aos/audit?skipToken=2", rec(1)) })
	c, _, _ := setup(t, srv)
	stop := errors.New("archive: upload failed")
	err := c.Pages(context.Background(), q1, func(*Records) error { return stop })
	if err != stop {
		t.Errorf("Pages error = %v; want the callback's error as it is", err)
	}
	if srv.count() != 1 {
		t.Errorf("got %d requests; want 1", srv.count())
	}
}

func TestPagesMaxPageBytes(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "", rec(1), rec(2), rec(3), rec(4))
	})
	c, _, _ := setup(t, srv)
	c.MaxPageBytes = 100
	_, err := collect(c, q1)
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("Pages error = %v; want a too-large error", err)
	}
	if srv.count() != 1 {
		t.Errorf("got %d requests; want 1 (not retried)", srv.count())
	}
}

func TestPagesNeedsClientFields(t *testing.T) {
	c := &Client{}
	if err := c.Pages(context.Background(), q1, nil); err == nil || !strings.Contains(err.Error(), "needs HTTP, BaseURL and Tokens") {
		t.Errorf("Pages with an empty client error = %v; want a configuration error", err)
	}
}

// A Stream client's pages end as a Lenient client's that reads them whole: a
// page found bad, even after some of its records were handed out, fails
// with the whole reading's error; a record canonjson refuses but that is
// JSON (a name twice, nesting deeper than canonjson's limit, not an object)
// is delivered.
func TestPagesStream(t *testing.T) {
	for n, body := range []string{
		`{"nextLink":null,"data":[{"a":1},{"b":}]}`,
		`{"nextLink":null,"data":[{"a":1},{"b":01}]}`,
		"{\"nextLink\":null,\"data\":[{\"a\":\"x\ty\"}]}",
		`{"nextLink":null,"data":[{"a":[1}]}`,
		`{"nextLink":null,"data":[{"a":"\x"}]}`,
		`{"nextLink":null,"data":[{"a" 1}]}`,
		`{"nextLink":null,"data":[{"a":1,}]}`,
		`{"nextLink":null,"data":[{"a":tru}]}`,
		`{"nextLink":null,"data":[{"a":1}`,
		`<!DOCTYPE html><html><body>maintenance</body></html>`,
		`{"data":[{"a":1}],"nextLink":null,"Data":[{"b":2}]}`,
		`{"data":[{"a":1}],"nextLink":null} x`,
		`{"data":[{"a":1} {"b":2}]}`,
		`{"data":[{"a":1},]}`,
		`{"data":[{"a":1}],"nextLink":null,"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
		`{"nextLink":null,"data":[{"a":1},"x"]}`,
		`{"nextLink":null,"data":[{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}]}`,
		`{"nextLink":null,"data":[{"a":1,"a":2},{"b":"\u00e9"}]}`,
		`{"nextLink":null,"data":[{"a":"\"}"},{"b":"\\"}]}`,
		`{"data":[ {"a":1} , {"b":[2]} ],"nextLink":null}`,
		`{"nextLink":null,"data":null}`,
		`{"nextLink":null,"data":[]}`,
	} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, body)
		})
		c, _, _ := setup(t, srv)
		c.Lenient = true
		want, werr := collect(c, q1)
		c.Lenient, c.Stream = false, true // Stream reads as Lenient does
		var got [][]string
		gerr := c.Pages(context.Background(), q1, func(r *Records) error {
			recs, err := readByScan(r)
			got = append(got, recs)
			return err
		})
		if fails := n < 14; (werr != nil) != fails {
			t.Fatalf("%s: whole reading's error %v; want failure %v", body, werr, fails)
		}
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("%s: streamed error %v; whole reading's %v", body, gerr, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: streamed pages %q; whole reading's %q", body, got, want)
		}
	}
}

// An error of fn is returned as it is, and the rest of the page is not read.
func TestPagesStreamCallbackError(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writePage(w, "", `{"a":1}`, `{"b":2}`)
	})
	c, _, _ := setup(t, srv)
	c.Stream = true
	stop := errors.New("stop")
	read := 0
	err := c.Pages(context.Background(), q1, func(r *Records) error {
		for r.Next() {
			read++
			return stop
		}
		return nil
	})
	if err != stop || read != 1 {
		t.Fatalf("Pages = %v after %d records; want the callback's error after 1", err, read)
	}
}
