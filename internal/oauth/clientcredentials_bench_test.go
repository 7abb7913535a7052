package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// BenchmarkTokenFetch fetches a token with client_secret_post from one
// loopback endpoint, over the same keep-alive transport, with Client.Token
// and with golang.org/x/oauth2/clientcredentials (which sends the same form
// with AuthStyleInParams), one after the other in each iteration so that a
// noisy machine slows both alike. time-ratio and allocs-ratio are this
// package's figure over clientcredentials' (below 1: cheaper); the time is
// the process's CPU time (client and endpoint), which other processes on a
// loaded machine do not inflate as they do wall time. The endpoint checks
// the form, so neither side can skip work.
func BenchmarkTokenFetch(b *testing.B) {
	const id, secret, scope = "bench-app", "s+e=c:r%et", "audit.read.all"
	body := []byte(`{"access_token":"opaque-access-token-Zq8vX2","token_type":"Bearer","expires_in":3600,"scope":"` + scope + `"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/token" || r.PostFormValue("grant_type") != "client_credentials" ||
			r.PostFormValue("client_id") != id || r.PostFormValue("client_secret") != secret || r.PostFormValue("scope") != scope {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	hc := srv.Client()
	hc.Timeout = 10 * time.Second

	ours := &Client{HTTP: hc}
	req := Request{TokenURL: srv.URL + "/token", Method: ClientSecretPost, ClientID: id, ClientSecret: secret, Scope: scope}
	cc := &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: srv.URL + "/token",
		Scopes: []string{scope}, AuthStyle: oauth2.AuthStyleInParams}
	ccCtx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	fetch := [2]func(){
		func() {
			if tok, err := ours.Token(context.Background(), req); err != nil || tok.AccessToken == "" {
				b.Fatalf("Client.Token: %v", err)
			}
		},
		func() {
			if tok, err := cc.Token(ccCtx); err != nil || tok.AccessToken == "" {
				b.Fatalf("clientcredentials: %v", err)
			}
		},
	}
	var allocs [2]float64
	for i, f := range fetch {
		f() // warm the connection
		allocs[i] = testing.AllocsPerRun(200, f)
	}
	var took [2]time.Duration
	n := 0
	for b.Loop() {
		for k := range 2 {
			i := (n + k) % 2 // alternate which goes first
			t := cpuTime()
			fetch[i]()
			took[i] += cpuTime() - t
		}
		n++
	}
	b.ReportMetric(float64(took[0].Nanoseconds())/float64(n), "cpu-ns/fetch")
	b.ReportMetric(float64(took[1].Nanoseconds())/float64(n), "clientcredentials-cpu-ns/fetch")
	b.ReportMetric(allocs[0], "allocs/fetch")
	b.ReportMetric(allocs[1], "clientcredentials-allocs/fetch")
	b.ReportMetric(float64(took[0])/float64(took[1]), "time-ratio")
	b.ReportMetric(allocs[0]/allocs[1], "allocs-ratio")
}

// cpuTime is the process's user and system time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
