package refresh

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
)

// BenchmarkConcurrentRefresh refreshes 100 targets against a loopback token
// endpoint answering after 50 ms, with REFRESHER_CONCURRENCY=8 and in-memory
// credentials and store, so that only the endpoint's latency counts. It
// reports the wall time, the ideal ceil(100/8)×50 ms, their ratio (the
// target is at most 1.5) and the speedup over a sequential run.
func BenchmarkConcurrentRefresh(b *testing.B) {
	const targets, concurrency, latency = 100, 8, 50 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"opaque-token","token_type":"Bearer","expires_in":3600}`)
	}))
	defer srv.Close()
	doc := manyTargetsAt(targets, srv.URL+"/token")
	run := func(concurrency int) time.Duration {
		r := newRefresher(b, doc, newStore(nil))
		r.Now = nil
		r.Concurrency = concurrency
		r.Tokens = &oauth.Client{HTTP: httpclient.New(10 * time.Second)}
		start := time.Now()
		res, err := r.Run(context.Background(), Event{Force: true})
		elapsed := time.Since(start)
		if err != nil || len(res.Refreshed) != targets {
			b.Fatalf("Run: %v, %d refreshed", err, len(res.Refreshed))
		}
		return elapsed
	}
	var wall time.Duration
	for b.Loop() {
		wall += run(concurrency)
	}
	b.StopTimer()
	sequential := run(1)
	avg := wall / time.Duration(b.N)
	ideal := time.Duration((targets+concurrency-1)/concurrency) * latency
	b.ReportMetric(ms(avg), "wall-ms")
	b.ReportMetric(ms(ideal), "ideal-ms")
	b.ReportMetric(float64(avg)/float64(ideal), "ratio-to-ideal")
	b.ReportMetric(ms(sequential), "sequential-ms")
	b.ReportMetric(float64(sequential)/float64(avg), "speedup")
}

// cannedTransport answers every request from memory: the benchmark below
// measures the refresher's own work, not the network.
type cannedTransport []byte

func (c cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(bytes.NewReader(c)),
		Request: req,
	}, nil
}

// BenchmarkRefreshCPU measures one target's refresh without network: read
// and judge the stored value, build the request (with private_key_jwt, an
// RS256 signature by a 2048-bit key, x5t and kid), parse the response,
// encode and write the value. Each iteration refreshes a batch, so that
// -benchtime 1x still measures something; the per-refresh figures are the
// custom metrics.
func BenchmarkRefreshCPU(b *testing.B) {
	keys := refreshtest.NewKeypair(b, "bench")
	for _, tt := range []struct {
		name  string
		creds credentials.Credentials
	}{
		{"private_key_jwt", credentials.Credentials{ClientID: "bench-app", PrivateKey: keys.Key, Certificate: keys.Cert}},
		{"client_secret_post", credentials.Credentials{ClientID: "bench-app", ClientSecret: "bench-secret"}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			const batch = 200
			doc := `{"targets":[{"name":"a","secret_id":"s","token_url":"https://idp.example.com/connect/token","scope":"audit.read.all","parameter_name":"/a"}]}`
			store := newStore(map[string]string{"/a": jsonValueAt(time.Minute, "audit.read.all")})
			r := newRefresher(b, doc, store)
			r.Now = nil
			r.Credentials = credsFn(func(context.Context, string) (credentials.Credentials, error) { return tt.creds, nil })
			body := cannedTransport(fmt.Appendf(nil, `{"access_token":%q,"token_type":"Bearer","expires_in":3600,"scope":"audit.read.all"}`, unsignedJWT(time.Now().Add(time.Hour))))
			r.Tokens = &oauth.Client{HTTP: &http.Client{Transport: body, Timeout: 10 * time.Second}}
			cfg, err := r.Config.Load(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			target := cfg.Targets[0]
			ctx := context.Background()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				for range batch {
					if o := r.refreshTarget(ctx, ctx, target, false); o.err != nil || !o.refreshed {
						b.Fatalf("refresh: %v", o.err)
					}
					store.values["/a"] = jsonValueAt(time.Minute, "audit.read.all")
				}
			}
			runtime.ReadMemStats(&after)
			n := float64(b.N * batch)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/refresh")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/refresh")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B/refresh")
		})
	}
}

// BenchmarkRS256Floor is the signature alone that private_key_jwt costs:
// the floor under BenchmarkRefreshCPU/private_key_jwt.
func BenchmarkRS256Floor(b *testing.B) {
	const batch = 200
	keys := refreshtest.NewKeypair(b, "floor")
	digest := sha256.Sum256([]byte("header.claims"))
	for b.Loop() {
		for range batch {
			if _, err := rsa.SignPKCS1v15(nil, keys.Key, crypto.SHA256, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/signature")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
