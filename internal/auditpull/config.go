package auditpull

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// Defaults of the optional settings (README: "Audit pull", "Environment").
const (
	DefaultPrefix      = "avepoint/audit/"
	DefaultWindow      = time.Hour
	DefaultLag         = 5 * time.Minute
	DefaultMaxBackfill = 744 * time.Hour
	// MaxMaxBackfill is the longest MAX_BACKFILL: the three years (1,096 days) AvePoint keeps
	// audit records, and the longest range a verify event may check.
	MaxMaxBackfill = 26304 * time.Hour
	// DefaultConcurrency and MaxConcurrency bound AUDIT_CONCURRENCY, the windows in flight.
	DefaultConcurrency = 4
	MaxConcurrency     = 16
	// FirstRunLookback is how far before the first run it starts when there
	// is neither a checkpoint nor START_TIME.
	FirstRunLookback = 24 * time.Hour
)

// Config is the audit pull's configuration, from the environment.
type Config struct {
	// TokenParameter is the SSM parameter holding the token (TOKEN_PARAMETER).
	TokenParameter string
	// BaseURL is the audit API's root (AUDIT_API_URL, a URL or a data-center code).
	BaseURL *url.URL
	// Bucket is the destination bucket (BUCKET).
	Bucket string
	// Prefix is the key prefix of the objects and the checkpoint (PREFIX).
	Prefix string
	// ProductTypes and GeoLocations filter the records (PRODUCT_TYPES,
	// GEO_LOCATIONS); nil means all.
	ProductTypes, GeoLocations []string
	// Window is the window length (WINDOW), at most 168h.
	Window time.Duration
	// Lag is how far in the past a window must end to be pulled (LAG).
	Lag time.Duration
	// StartTime is where the first run starts without a checkpoint
	// (START_TIME); zero means FirstRunLookback before that run.
	StartTime time.Time
	// Rescan is how far before the checkpoint windows are pulled again (RESCAN).
	Rescan time.Duration
	// MaxBackfill caps the range of a backfill event (MAX_BACKFILL).
	MaxBackfill time.Duration
	// FunctionName is the CheckpointLagSeconds metric's dimension
	// (AWS_LAMBDA_FUNCTION_NAME).
	FunctionName string
	// Concurrency is the number of windows pulled at a time (AUDIT_CONCURRENCY),
	// 1 to MaxConcurrency; a run lowers it to what MemoryMB fits.
	Concurrency int
	// MemoryMB is the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE); 0
	// when unknown, which puts no bound on Concurrency.
	MemoryMB int
}

// CheckpointKey is the key of the checkpoint object.
func (c Config) CheckpointKey() string { return c.Prefix + "_checkpoint.json" }

// FromEnv reads the configuration through getenv (os.Getenv). An empty
// variable counts as unset. Every problem is reported, each naming its
// variable.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	required := func(name string) string {
		v := get(name)
		if v == "" {
			bad("%s is required", name)
		}
		return v
	}
	duration := func(name string, def time.Duration, positive bool) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			bad("%s %q is not a Go duration such as 5m or 1h", name, v)
		case d < 0 || (positive && d == 0):
			bad("%s %q must be positive", name, v)
		}
		return d
	}

	c := Config{
		TokenParameter: required("TOKEN_PARAMETER"),
		Bucket:         required("BUCKET"),
		Prefix:         get("PREFIX"),
		ProductTypes:   list(get("PRODUCT_TYPES")),
		GeoLocations:   list(get("GEO_LOCATIONS")),
		Window:         DefaultWindow,
		Lag:            duration("LAG", DefaultLag, false),
		Rescan:         duration("RESCAN", 0, false),
		MaxBackfill:    duration("MAX_BACKFILL", DefaultMaxBackfill, true),
		FunctionName:   get("AWS_LAMBDA_FUNCTION_NAME"),
		Concurrency:    DefaultConcurrency,
	}
	if c.MaxBackfill > MaxMaxBackfill {
		bad("MAX_BACKFILL %q is longer than 26304h (three years)", get("MAX_BACKFILL"))
	}
	if v := get("AUDIT_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxConcurrency {
			bad("AUDIT_CONCURRENCY %q is not a whole number from 1 to %d", v, MaxConcurrency)
		}
		c.Concurrency = n
	}
	if v := get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"); v != "" {
		c.MemoryMB, _ = strconv.Atoi(v) // set by Lambda; anything else means unknown
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	} else if strings.HasPrefix(c.Prefix, "/") {
		bad("PREFIX %q must not start with / (S3 keys have no leading slash)", c.Prefix)
	}
	if v := required("AUDIT_API_URL"); v != "" {
		u, err := auditapi.BaseURL(v)
		if err != nil {
			bad("AUDIT_API_URL: %v", err)
		}
		c.BaseURL = u
	}
	if v := get("WINDOW"); v != "" {
		d, err := window.ParseSize(v)
		if err != nil {
			errs = append(errs, strings.TrimPrefix(err.Error(), "window: "))
		}
		c.Window = d
	}
	if v := get("START_TIME"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad("START_TIME %q is not an RFC 3339 time such as 2024-10-10T08:00:00Z", v)
		}
		c.StartTime = t.UTC()
	}
	if len(errs) > 0 {
		return Config{}, errors.New("auditpull: configuration: " + strings.Join(errs, "; "))
	}
	return c, nil
}

// list splits a comma list, dropping empty items.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
