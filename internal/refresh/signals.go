package refresh

import (
	"context"
	"math"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/eventbus"
	"github.com/tokenrelay/tokenrelay/internal/metrics"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// The refresher's metrics, per target and run, in the namespace TokenRelay
// with the dimensions FunctionName and Target, rolled up to FunctionName
// (README: "Metrics and alarms").
const (
	// MetricTokenSecondsToExpiry is the stored token's time left after the
	// run, negative once it expired; absent when its expiry is unknown.
	MetricTokenSecondsToExpiry = "TokenSecondsToExpiry"
	// MetricRefreshFailures is 1 when the target failed, else 0.
	MetricRefreshFailures = "RefreshFailures"
	// MetricCredentialDaysToExpiry is the days left before the NotAfter of
	// the target's certificate (PEM with certificate, or PFX), on the runs
	// that read the secret.
	MetricCredentialDaysToExpiry = "CredentialDaysToExpiry"
)

// EventPublisher publishes a Token Refreshed event; *eventbus.Publisher is
// one.
type EventPublisher interface {
	TokenRefreshed(ctx context.Context, e eventbus.Refreshed) error
}

// certExpiry is the NotAfter of the credentials' certificate, zero when
// they hold none.
func certExpiry(c credentials.Credentials) time.Time {
	if c.Certificate == nil {
		return time.Time{}
	}
	return c.Certificate.NotAfter
}

// signal tells operators how target t stands after its outcome o: its
// metrics line, a warning when its certificate expires within warn_before,
// and a Token Refreshed event when it was refreshed. None of them fails the
// target: its token is stored, or its failure already reported.
func (r *Refresher) signal(ctx context.Context, t targets.Target, o outcome) {
	now := r.now()
	failures := 0.0
	if o.err != nil {
		failures = 1
	}
	ms := []metrics.Metric{{Name: MetricRefreshFailures, Unit: metrics.Count, Value: failures}}
	if !o.expiresAt.IsZero() {
		ms = append(ms, metrics.Metric{Name: MetricTokenSecondsToExpiry, Unit: metrics.Seconds, Value: math.Round(o.expiresAt.Sub(now).Seconds())})
	}
	if !o.certNotAfter.IsZero() {
		left := o.certNotAfter.Sub(now)
		ms = append(ms, metrics.Metric{Name: MetricCredentialDaysToExpiry, Unit: metrics.None, Value: math.Round(left.Hours()/24*100) / 100})
		if left < t.WarnBefore {
			r.logger().WarnContext(ctx, "certificate expires soon", "target", t.Name, "secret_id", t.SecretID,
				"not_after", o.certNotAfter.UTC().Format(time.RFC3339), "days_left", math.Floor(left.Hours()/24))
		}
	}
	dims, rollup := map[string]string{"Target": t.Name}, []string{}
	if r.FunctionName != "" {
		dims["FunctionName"], rollup = r.FunctionName, []string{"FunctionName"}
	}
	if err := r.Metrics.Put(now, "target metrics", dims, rollup, ms...); err != nil {
		r.logger().WarnContext(ctx, "metrics not written", "target", t.Name, "error", err.Error())
	}
	if !o.refreshed || r.Events == nil {
		return
	}
	e := eventbus.Refreshed{Target: t.Name, ParameterName: t.ParameterName, ExpiresAt: o.expiresAt}
	if err := r.Events.TokenRefreshed(ctx, e); err != nil {
		r.logger().WarnContext(ctx, "event not published", "target", t.Name, "error", err.Error())
	}
}
