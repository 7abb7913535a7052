package refresh

import (
	"slices"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// freshness is the verdict on a stored value.
type freshness struct {
	// fresh is true when the value may be left alone.
	fresh bool
	// expiresAt is the stored token's expiry, zero when unknown.
	expiresAt time.Time
	// reason says why a refresh is due, for the logs.
	reason string
}

// judge decides whether the stored value of t is fresh at now (§1.4).
func judge(t targets.Target, stored string, found bool, now time.Time) freshness {
	if !found {
		return freshness{reason: "no stored value"}
	}
	v, format, err := paramstore.Decode(stored)
	if err != nil {
		return freshness{reason: "stored value unreadable"}
	}
	f := freshness{expiresAt: v.ExpiresAt}
	switch {
	case v.ExpiresAt.IsZero():
		f.reason = "stored value has no expiry"
	case v.ExpiresAt.Sub(now) <= t.RefreshBefore:
		f.reason = "stored token expires within refresh_before"
	case format != t.ValueFormat:
		f.reason = "stored value_format differs"
	case format == paramstore.FormatJSON && !coversScope(v.Scope, t.Scope):
		f.reason = "stored scope lacks a configured scope"
	default:
		f.fresh = true
	}
	return f
}

// coversScope reports whether the stored scope holds every configured one.
// Scopes are space-separated names compared as sets, so order and repeats do
// not matter. The stored scope is the granted one, and servers may grant more
// than asked (Keycloak adds its default "profile email"): extra scopes are
// accepted, or such a value would never be fresh and every run would ask for
// a token. An unconfigured scope accepts any stored one: the server chose it.
func coversScope(stored, configured string) bool {
	got := strings.Fields(stored)
	for _, s := range strings.Fields(configured) {
		if !slices.Contains(got, s) {
			return false
		}
	}
	return true
}
