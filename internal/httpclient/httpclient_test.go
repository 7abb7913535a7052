package httpclient

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: "https://identity.avepointonlineservices.com/connect/token"},
		{in: "http://127.0.0.1:8080/token"},
		{in: "http://localhost/token"},
		{in: "http://[::1]:9/token"},
		{in: "http://example.com/token", wantErr: "must be https"},
		{in: "ftp://example.com/token", wantErr: "scheme must be https"},
		{in: "/relative", wantErr: "scheme must be https"},
		{in: "https://user:pw@example.com/", wantErr: "user information"},
		{in: "https:///nohost", wantErr: "no host"},
		{in: "http://example.com/t?client_secret=s3cr3t", wantErr: "must be https"},
	}
	for _, tt := range tests {
		_, err := CheckURL(tt.in)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("CheckURL(%q) = %v; want nil", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("CheckURL(%q) = %v; want error containing %q", tt.in, err, tt.wantErr)
		}
		if err != nil && (strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "pw@")) {
			t.Errorf("CheckURL(%q) error leaks a credential: %v", tt.in, err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "a.localhost": false, "127.0.0.1": true, "127.9.9.9": true,
		"::1": true, "[::1]": true, "10.0.0.1": false, "example.com": false, "localhost.example.com": false, "": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v; want %v", host, got, want)
		}
	}
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	if b, err := ReadBody(strings.NewReader("abc"), 3); err != nil || string(b) != "abc" {
		t.Errorf("ReadBody(abc, 3) = %q, %v; want abc, nil", b, err)
	}
	if _, err := ReadBody(strings.NewReader("abcd"), 3); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadBody(abcd, 3) error = %v; want ErrTooLarge", err)
	}
}

func TestNewDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	hit := false
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	}))
	defer srv.Close()
	resp, err := New(5 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || hit {
		t.Fatalf("got status %d, redirect target hit %v; want 302 and no hit", resp.StatusCode, hit)
	}
}

func TestNewRefusesOldTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	srv.StartTLS()
	defer srv.Close()
	c := New(5 * time.Second)
	c.Transport.(*http.Transport).TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	if _, err := c.Get(srv.URL); err == nil {
		t.Fatal("Get over TLS 1.1 succeeded; want a handshake error")
	}
	if c.Timeout != 5*time.Second {
		t.Errorf("Timeout = %v; want 5s", c.Timeout)
	}
}
