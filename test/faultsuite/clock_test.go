package faultsuite

import (
	"fmt"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/refresh"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/targets"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// clockFaults runs the refresher's private_key_jwt assertions and the audit pull's window
// arithmetic on a host clock a few minutes off.
func clockFaults(t *testing.T, e *awsEnv) {
	k := newKeypair(t)
	ap := localavepoint.New(localavepoint.Config{Clients: []localavepoint.Client{
		{ID: clientID, Certificate: k.Cert, Scopes: []string{localavepoint.AuditScope}},
	}})
	if err := ap.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ap.Close)
	pemID, pfxID := "faultsuite/pem-"+randHex(4), "faultsuite/pfx-"+randHex(4)
	e.createSecret(t, pemID, k.PEMSecret(clientID))
	e.createSecret(t, pfxID, k.PFXSecret(clientID))

	// IdentityServer allows 5 minutes of skew and the assertion is backdated a minute: a host
	// clock up to 6 minutes ahead, or (exp being 5 minutes ahead) 10 minutes behind, passes.
	for _, tt := range []struct {
		skew time.Duration
		ok   bool
	}{{4 * time.Minute, true}, {-4 * time.Minute, true}, {-9 * time.Minute, true}, {7 * time.Minute, false}} {
		for _, secret := range []struct{ name, id string }{{"PEM", pemID}, {"PFX", pfxID}} {
			t.Run(fmt.Sprintf("assertion from a clock %v off, %s key", tt.skew, secret.name), func(t *testing.T) {
				w := newWitness(t)
				param := "/tokens/skew-" + randHex(4)
				before, early := ap.Stats().TokensIssued, clockRejections(ap)
				r := skewedRefresher(w, e, ap, secret.id, param, tt.skew)
				res, err := r.Run(t.Context(), refresh.Event{Force: true})
				w.note(res, err)
				if !tt.ok {
					if err == nil || res == nil || len(res.Failed) != 1 {
						t.Fatalf("got %+v, %v; want the provider to refuse the assertion", res, err)
					}
					if _, found, _ := (paramstore.Store{SSM: e.directSSM}).Get(t.Context(), param); found {
						t.Errorf("got a stored value after a refused assertion; want none")
					}
					if got := clockRejections(ap) - early; got != 1 {
						t.Errorf("got %d rejections for the assertion's times (all: %v); want 1", got, ap.Stats().TokenRejections)
					}
					t.Logf("refused as expected: %v", err)
					return
				}
				if err != nil || len(res.Refreshed) != 1 {
					t.Fatalf("got %+v, %v; want refreshed (rejections %v)", res, err, ap.Stats().TokenRejections)
				}
				if got := ap.Stats().TokensIssued - before; got != 1 {
					t.Errorf("got %d tokens issued; want 1", got)
				}
				v, _, err := paramstore.Decode(e.getParam(t, param))
				if err != nil {
					t.Fatal(err)
				}
				secrets.addToken(v.AccessToken)
				// Stored expiry follows the host clock: off by the skew, never by more.
				if d := v.ExpiresAt.Sub(time.Now().Add(tt.skew + time.Hour)); d < -5*time.Second || d > 5*time.Second {
					t.Errorf("got expires_at %v; want an hour from the host clock", v.ExpiresAt)
				}
			})
		}
	}

	t.Run("audit pull on a clock that jumps skips no window", func(t *testing.T) { pullOnSkewedClock(t, e) })
}

// clockRejections counts the assertions the provider refused for their times.
func clockRejections(ap *localavepoint.Server) int {
	r := ap.Stats().TokenRejections
	return r["not_yet_valid"] + r["issued_in_future"] + r["exp_too_far"] + r["expired"]
}

func skewedRefresher(w *witness, e *awsEnv, ap *localavepoint.Server, secretID, param string, skew time.Duration) *refresh.Refresher {
	now := func() time.Time { return time.Now().Add(skew) }
	doc := fmt.Sprintf(`{"targets":[{"name":"skewed","secret_id":%q,"issuer":%q,"scope":%q,"parameter_name":%q}]}`,
		secretID, ap.URL(), localavepoint.AuditScope, param)
	hc := httpclient.New(5 * time.Second)
	return &refresh.Refresher{
		Config: targets.Loader{Getenv: func(k string) string {
			if k == targets.EnvInline {
				return doc
			}
			return ""
		}},
		Credentials: credentials.Source{API: e.sm},
		Discovery:   &oauth.Discovery{HTTP: hc},
		Tokens:      &oauth.Client{HTTP: hc, Now: now, Retry: retry.Policy{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}},
		Store:       paramstore.Store{SSM: e.ssm},
		Now:         now,
		Logger:      w.logger(),
	}
}

// pullOnSkewedClock runs scheduled pulls whose clock runs ahead, steps back, and catches up: the
// checkpoint never moves back, and every window from the start to the last checkpoint is stored
// complete.
func pullOnSkewedClock(t *testing.T, e *awsEnv) {
	e.fresh()
	w := newWitness(t)
	r := newPullRig(t, e, localavepoint.Config{RecordsPerHour: 12, PageSize: 5}, 7)
	top := window.Align(time.Now(), time.Hour) // the current hour; r.start is 7h before it, aligned
	clocks := []struct {
		name string
		now  time.Time
		want time.Time // checkpoint after the run
	}{
		{"4m ahead, just past a window's end and lag", top.Add(-4*time.Hour + 6*time.Minute), top.Add(-4 * time.Hour)},
		{"stepped back 9m, before that window's end", top.Add(-4*time.Hour - 3*time.Minute), top.Add(-4 * time.Hour)},
		{"4m behind", top.Add(-2*time.Hour + 1*time.Minute), top.Add(-3 * time.Hour)},
		{"caught up", top.Add(6 * time.Minute), top},
	}
	var last time.Time
	for _, c := range clocks {
		p := r.puller(t, w, nil)
		p.Now = func() time.Time { return c.now }
		res, _, err := r.run(t, w, p, 30*time.Second)
		if err != nil || !res.Complete {
			t.Fatalf("%s: got %+v, %v; want a complete run", c.name, res, err)
		}
		cp, _ := r.checkpoint(t)
		if cp.Before(last) {
			t.Errorf("%s: checkpoint moved back from %v to %v", c.name, last, cp)
		}
		if !cp.Equal(c.want) {
			t.Errorf("%s: got checkpoint %v; want %v", c.name, cp, c.want)
		}
		last = cp
	}
	r.assertComplete(t, last)
}
