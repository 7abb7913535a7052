package auditpull

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// env returns a getenv over the required variables plus extra.
func env(extra map[string]string) func(string) string {
	m := map[string]string{"TOKEN_PARAMETER": "/tokens/aos-audit", "AUDIT_API_URL": "us", "BUCKET": "audit"}
	for k, v := range extra {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func TestFromEnvDefaults(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"START_TIME": "", "RESCAN": "0", "PREFIX": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BaseURL.String(); got != "https://graph-us.avepointonlineservices.com" {
		t.Errorf("BaseURL = %q; want the us data center", got)
	}
	if c.Prefix != "avepoint/audit/" || c.Window != time.Hour || c.Lag != 5*time.Minute || !c.StartTime.IsZero() ||
		c.Rescan != 0 || c.MaxBackfill != 744*time.Hour || c.ProductTypes != nil || c.GeoLocations != nil {
		t.Errorf("defaults = %+v", c)
	}
	if got := c.CheckpointKey(); got != "avepoint/audit/_checkpoint.json" {
		t.Errorf("CheckpointKey() = %q", got)
	}
}

func TestFromEnvAll(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"AUDIT_API_URL": "http://127.0.0.1:8080/", "PREFIX": "p/", "WINDOW": "15m", "LAG": "0s",
		"START_TIME": "2024-10-10T10:00:00+02:00", "RESCAN": "2h", "MAX_BACKFILL": "48h",
		"PRODUCT_TYPES": "Portal, SMP,", "GEO_LOCATIONS": "NAM", "AWS_LAMBDA_FUNCTION_NAME": "fn",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL.Host != "127.0.0.1:8080" || c.Prefix != "p/" || c.Window != 15*time.Minute || c.Lag != 0 ||
		!c.StartTime.Equal(time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC)) || c.Rescan != 2*time.Hour ||
		c.MaxBackfill != 48*time.Hour || !slices.Equal(c.ProductTypes, []string{"Portal", "SMP"}) ||
		!slices.Equal(c.GeoLocations, []string{"NAM"}) || c.FunctionName != "fn" {
		t.Errorf("config = %+v", c)
	}
}

func TestFromEnvConcurrency(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"AUDIT_CONCURRENCY": "8", "MAX_BACKFILL": "26304h", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Concurrency != 8 || c.MaxBackfill != 26304*time.Hour || c.MemoryMB != 256 {
		t.Errorf("config = %+v; want concurrency 8, MAX_BACKFILL 26304h, 256 MB", c)
	}
	if c, _ := FromEnv(env(nil)); c.Concurrency != DefaultConcurrency {
		t.Errorf("default concurrency = %d; want %d", c.Concurrency, DefaultConcurrency)
	}
}

func TestFitConcurrency(t *testing.T) {
	tests := []struct{ want, memMB, got int }{
		{8, 256, 8}, {16, 256, 9}, {4, 128, 3}, {4, 0, 4}, {1, 64, 1}, {16, 1024, 16},
	}
	for _, tt := range tests {
		if got := fitConcurrency(tt.want, tt.memMB); got != tt.got {
			t.Errorf("fitConcurrency(%d, %d) = %d; want %d", tt.want, tt.memMB, got, tt.got)
		}
	}
}

func TestFromEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"missing", map[string]string{"TOKEN_PARAMETER": "", "BUCKET": " ", "AUDIT_API_URL": ""},
			[]string{"TOKEN_PARAMETER is required", "BUCKET is required", "AUDIT_API_URL is required"}},
		{"bad window", map[string]string{"WINDOW": "1d"}, []string{`WINDOW "1d" is not a Go duration`}},
		{"window too long", map[string]string{"WINDOW": "169h"}, []string{`WINDOW "169h" is longer than 168h`}},
		{"bad lag", map[string]string{"LAG": "-5m"}, []string{`LAG "-5m" must be positive`}},
		{"bad start", map[string]string{"START_TIME": "2024-10-10"}, []string{`START_TIME "2024-10-10" is not an RFC 3339 time`}},
		{"bad rescan", map[string]string{"RESCAN": "3"}, []string{`RESCAN "3" is not a Go duration`}},
		{"bad max backfill", map[string]string{"MAX_BACKFILL": "0"}, []string{`MAX_BACKFILL "0" must be positive`}},
		{"unknown data center", map[string]string{"AUDIT_API_URL": "mars"}, []string{`AUDIT_API_URL: auditapi: unknown data center "mars"`}},
		{"plain http", map[string]string{"AUDIT_API_URL": "http://graph-us.avepointonlineservices.com"}, []string{"AUDIT_API_URL"}},
		{"prefix", map[string]string{"PREFIX": "/audit/"}, []string{`PREFIX "/audit/" must not start with /`}},
		{"max backfill past three years", map[string]string{"MAX_BACKFILL": "26305h"}, []string{`MAX_BACKFILL "26305h" is longer than 26304h`}},
		{"concurrency 0", map[string]string{"AUDIT_CONCURRENCY": "0"}, []string{`AUDIT_CONCURRENCY "0" is not a whole number from 1 to 16`}},
		{"concurrency 17", map[string]string{"AUDIT_CONCURRENCY": "17"}, []string{`AUDIT_CONCURRENCY "17"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnv(env(tt.env))
			if err == nil {
				t.Fatal("FromEnv succeeded; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) || !strings.HasPrefix(err.Error(), "auditpull: configuration: ") {
					t.Errorf("error = %q; want it to say %q", err, w)
				}
			}
		})
	}
}
