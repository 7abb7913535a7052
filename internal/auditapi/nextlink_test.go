package auditapi

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestPagesFollowsNextLink delivers every record of every page exactly once
// and in order (elastic/beats#31372), whatever form nextLink takes, and
// follows a page with no records but a nextLink.
func TestPagesFollowsNextLink(t *testing.T) {
	tests := []struct {
		name string
		base string // path of the base URL
		link func(srvURL string, page int) string
	}{
		{"absolute", "", func(u string, p int) string { return fmt.Sprintf("%s/aos/audit?skipToken=p%d&startTime=x", u, p) }},
		{"path-absolute", "", func(_ string, p int) string { return fmt.Sprintf("/aos/audit?skipToken=p%d", p) }},
		{"relative path", "", func(_ string, p int) string { return fmt.Sprintf("aos/audit?skipToken=p%d", p) }},
		{"relative path under a base path", "/api", func(_ string, p int) string { return fmt.Sprintf("aos/audit?skipToken=p%d", p) }},
		{"query only", "", func(_ string, p int) string { return fmt.Sprintf("?skipToken=p%d", p) }},
		{"escaped ampersand and default-port-free host", "", func(u string, p int) string {
			return fmt.Sprintf("%s/aos/audit?a=1&skipToken=p%d#frag", strings.ToUpper(u[:4])+u[4:], p)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *server
			srv = newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/aos/audit") || !strings.HasPrefix(r.URL.Path, tt.base+"/") {
					t.Errorf("got path %q; want %s/aos/audit", r.URL.Path, tt.base)
				}
				switch r.URL.Query().Get("skipToken") {
				case "":
					writePage(w, tt.link(srv.URL, 2), rec(1), rec(2))
				case "p2":
					writePage(w, tt.link(srv.URL, 3)) // no records, but more pages
				case "p3":
					writePage(w, tt.link(srv.URL, 4), rec(3))
				case "p4":
					writePage(w, "", rec(4), rec(5))
				default:
					t.Errorf("unexpected request %s", r.URL)
					w.WriteHeader(http.StatusNotFound)
				}
			})
			c, _, _ := setup(t, srv)
			c.BaseURL = mustURL(t, srv.URL+tt.base)
			pages, err := collect(c, q1)
			if err != nil {
				t.Fatalf("Pages error: %v", err)
			}
			want := [][]string{{rec(1), rec(2)}, nil, {rec(3)}, {rec(4), rec(5)}}
			if !reflect.DeepEqual(pages, want) {
				t.Errorf("got pages %q; want %q", pages, want)
			}
			if srv.count() != 4 {
				t.Errorf("got %d requests %q; want 4", srv.count(), srv.uris())
			}
			for _, r := range srv.requests {
				if got := r.Header.Get("Authorization"); got != "Bearer "+token1 {
					t.Errorf("request %s Authorization %q; want the token", r.URL, got)
				}
			}
		})
	}
}

// TestPagesStopsAtLastPage requests no page 2 when nextLink is null, empty
// or absent (elastic/beats#30693).
func TestPagesStopsAtLastPage(t *testing.T) {
	for name, body := range map[string]string{
		"null":        `{"nextLink":null,"data":[{"a":1}]}`,
		"empty":       `{"nextLink":"","data":[{"a":1}]}`,
		"white space": `{"nextLink":" \t\r\n ","data":[{"a":1}]}`,
		"absent":      `{"data":[{"a":1}]}`,
		"data first":  `{"data":[{"a":1}],"nextLink":null}`,
		"other names": `{"NextLink":null,"Data":[{"a":1}],"count":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) })
			c, _, _ := setup(t, srv)
			pages, err := collect(c, q1)
			if err != nil {
				t.Fatalf("Pages error: %v", err)
			}
			if want := [][]string{{`{"a":1}`}}; !reflect.DeepEqual(pages, want) {
				t.Errorf("got pages %q; want %q", pages, want)
			}
			if srv.count() != 1 {
				t.Errorf("got %d requests; want 1", srv.count())
			}
		})
	}
}

func TestPagesForeignNextLink(t *testing.T) {
	foreign := newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, "") })
	tests := []struct {
		name string
		link func(own string) string
	}{
		{"other host", func(string) string { return foreign.URL + "/aos/audit?skipToken=2" }},
		{"other port", func(own string) string { return "http://127.0.0.1:1/aos/audit?skipToken=2" }},
		{"other host name, same port", func(own string) string {
			return strings.Replace(own, "127.0.0.1", "localhost", 1) + "/aos/audit?skipToken=2"
		}},
		{"other scheme", func(own string) string {
			return strings.Replace(own, "http://", "https://", 1) + "/aos/audit?skipToken=2"
		}},
		{"protocol-relative", func(string) string { return "//" + strings.TrimPrefix(foreign.URL, "http://") + "/aos/audit" }},
		{"user info", func(own string) string {
			return strings.Replace(own, "http://", "http://user:pw@", 1) + "/aos/audit?skipToken=2"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *server
			srv = newServer(t, func(w http.ResponseWriter, r *http.Request) { writePage(w, tt.link(srv.URL), rec(1)) })
			c, _, _ := setup(t, srv)
			before := foreign.count()
			pages, err := collect(c, q1)
			if err == nil || !strings.Contains(err.Error(), "the token is not sent there") {
				t.Fatalf("Pages error = %v; want a foreign nextLink error", err)
			}
			if foreign.count() != before {
				t.Errorf("the foreign server got %d requests; want none", foreign.count()-before)
			}
			if srv.count() != 1 {
				t.Errorf("got %d requests; want 1", srv.count())
			}
			if len(pages) != 1 {
				t.Errorf("got %d pages delivered; want the first one only", len(pages))
			}
			if strings.Contains(err.Error(), "skipToken") || strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q repeats the link's query or password", err)
			}
			assertNoToken(t, err)
		})
	}
}

func TestPagesLoop(t *testing.T) {
	tests := []struct {
		name  string
		link  func(srvURL, skip string) string
		pages int
	}{
		{"repeats itself", func(u, skip string) string {
			if skip == "" {
				return "/aos/audit?skipToken=2"
			}
			return "/aos/audit?skipToken=" + skip
		}, 2},
		{"back to page 1, parameters reordered", func(u, skip string) string {
			if skip == "" {
				return "/aos/audit?skipToken=2"
			}
			return u + "/aos/audit?endTime=2024-10-10T09%3A00%3A00Z&startTime=2024-10-10T08%3A00%3A00Z"
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *server
			srv = newServer(t, func(w http.ResponseWriter, r *http.Request) {
				writePage(w, tt.link(srv.URL, r.URL.Query().Get("skipToken")), rec(1))
			})
			c, _, _ := setup(t, srv)
			_, err := collect(c, q1)
			if err == nil || !strings.Contains(err.Error(), "loop") {
				t.Fatalf("Pages error = %v; want a loop error", err)
			}
			if srv.count() != tt.pages {
				t.Errorf("got %d requests; want %d", srv.count(), tt.pages)
			}
		})
	}
}
