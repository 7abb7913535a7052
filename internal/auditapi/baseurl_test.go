package auditapi

import (
	"strings"
	"testing"
)

func TestBaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"us", "https://graph-us.avepointonlineservices.com"},
		{" US ", "https://graph-us.avepointonlineservices.com"},
		{"gcp-us", "https://graph-gcp-us.avepointonlineservices.com"},
		{"aos2", "https://graph-aos2.avepointonlineservices.com"},
		{"gov", "https://graph-gov.avepointonlineservices.com"},
		{"https://graph-eu.example.com", "https://graph-eu.example.com"},
		{"https://graph-us.avepointonlineservices.com/", "https://graph-us.avepointonlineservices.com/"},
		{"http://127.0.0.1:8080/api", "http://127.0.0.1:8080/api"},
		{"http://localhost:9", "http://localhost:9"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := BaseURL(tt.in)
			if err != nil {
				t.Fatalf("BaseURL(%q) error: %v", tt.in, err)
			}
			if u.String() != tt.want {
				t.Errorf("BaseURL(%q) = %q; want %q", tt.in, u, tt.want)
			}
		})
	}
	for _, code := range DataCenters {
		if _, err := BaseURL(code); err != nil {
			t.Errorf("BaseURL(%q) error: %v", code, err)
		}
	}
}

func TestBaseURLErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"eu", `unknown data center "eu"; use a URL or one of au, sg, ca,`},
		{"gcp-eu", `unknown data center "gcp-eu"`},
		{"", `unknown data center ""`},
		{"http://graph-us.avepointonlineservices.com", "must be https"},
		{"ftp://x.example", "scheme must be https"},
		{"https://user:pw@graph.example", "user information"},
		{"https://graph.example/?key=secret", "must not have a query"},
		{"https://graph.example/#frag", "must not have a query or fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := BaseURL(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "auditapi: ") {
				t.Fatalf("BaseURL(%q) error = %v; want %q", tt.in, err, tt.want)
			}
			for _, secret := range []string{"secret", "pw@"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("BaseURL(%q) error %q repeats %q", tt.in, err, secret)
				}
			}
		})
	}
	_, err := BaseURL("xx")
	if err == nil || !strings.Contains(err.Error(), "gcp-kr") {
		t.Errorf("BaseURL(xx) error = %v; want the list of codes", err)
	}
}
