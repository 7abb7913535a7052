package awsfault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Rule fails some of the requests of one operation with a Fault.
type Rule struct {
	// Op is the operation, as Operation names it. Required.
	Op string
	// When, if set, narrows the rule to the requests it returns true for (a part number, a
	// key). It must not read the body.
	When func(r *http.Request) bool
	// First fails the first First matching requests. Every fails every Every-th matching
	// request (the Every-th, the 2·Every-th, ...). With both zero, every matching request fails.
	First, Every int
	// Fault is the error answered. A zero Fault (Status 0) forwards the request after Delay.
	Fault Fault
	// Delay, when positive, holds the request that long before answering or forwarding it
	// (a slow service); a client that gives up ends the wait.
	Delay time.Duration
	// Lost forwards the request to moto_server first and answers the Fault instead of its
	// response: the operation took effect but its answer was lost, as when a connection drops
	// after AWS has acted. The SDK retries an operation that already succeeded.
	Lost bool
}

type rule struct {
	Rule
	matched int
}

// applies counts r against the rule and reports whether it is to be faulted (or delayed).
func (ru *rule) applies(r *http.Request, op string) bool {
	if ru.Op != op || (ru.When != nil && !ru.When(r)) {
		return false
	}
	ru.matched++
	switch {
	case ru.First == 0 && ru.Every == 0:
		return true
	case ru.First > 0 && ru.matched <= ru.First:
		return true
	case ru.Every > 0 && ru.matched%ru.Every == 0:
		return true
	}
	return false
}

// Proxy is a running fault-injecting proxy. Its methods are safe for concurrent use.
type Proxy struct {
	url   string
	srv   *http.Server
	ln    net.Listener
	rp    *httputil.ReverseProxy
	done  chan struct{}
	mu    sync.Mutex
	rules []*rule
	seen  map[string]int
	fault map[string]int
}

// Start listens on a free 127.0.0.1 port and forwards to target (moto_server's endpoint URL,
// such as "http://127.0.0.1:5000") every request no rule fails. Close stops it.
func Start(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("awsfault: target %q is not an http(s) URL", target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("awsfault: listen: %w", err)
	}
	p := &Proxy{
		url:   "http://" + ln.Addr().String(),
		ln:    ln,
		done:  make(chan struct{}),
		seen:  map[string]int{},
		fault: map[string]int{},
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:  func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		ErrorLog: log.New(io.Discard, "", 0),
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(p.done)
		_ = p.srv.Serve(ln)
	}()
	return p, nil
}

// URL is the proxy's endpoint, to be used as the SDK's base endpoint (AWS_ENDPOINT_URL).
func (p *Proxy) URL() string { return p.url }

// Close stops the proxy and drops its open connections.
func (p *Proxy) Close() {
	_ = p.srv.Close()
	<-p.done
}

// Add installs r. Rules are tried in the order they were added; the first that applies to a
// request decides it. Every rule counts the requests it matches from its own installation on.
func (p *Proxy) Add(r Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &rule{Rule: r})
}

// Clear removes every rule; the counters are kept.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// Requests returns how many requests of op the proxy received, faulted or not: the attempts
// the SDK made.
func (p *Proxy) Requests(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[op]
}

// Injected returns how many requests of op were answered with a fault.
func (p *Proxy) Injected(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fault[op]
}

// Reset zeroes the request counters (not the rules' own counts).
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = map[string]int{}
	p.fault = map[string]int{}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	op := Operation(r)
	p.mu.Lock()
	p.seen[op]++
	var hit *rule
	for _, ru := range p.rules {
		if ru.applies(r, op) {
			hit = ru
			break
		}
	}
	if hit != nil && hit.Fault.Status != 0 {
		p.fault[op]++
	}
	p.mu.Unlock()

	if hit != nil && hit.Delay > 0 {
		if err := sleep(r.Context(), hit.Delay); err != nil {
			return
		}
	}
	if hit == nil || hit.Fault.Status == 0 {
		p.rp.ServeHTTP(w, r)
		return
	}
	if hit.Lost {
		p.rp.ServeHTTP(&discard{h: http.Header{}}, r)
	}
	// AWS reads the request before it refuses it; answering early would make the client see a
	// reset connection instead of the error.
	_, _ = io.Copy(io.Discard, r.Body)
	proto := JSON
	if strings.HasPrefix(op, "s3.") {
		proto = XML
	}
	hit.Fault.write(w, proto)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return errors.New("awsfault: client gave up")
	}
}

// discard is a ResponseWriter that drops the response of a forwarded request whose answer is
// to be lost.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
