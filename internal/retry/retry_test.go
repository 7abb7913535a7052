package retry

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

type fakeErr struct {
	temp  bool
	after time.Duration
}

func (e fakeErr) Error() string             { return "fake" }
func (e fakeErr) Temporary() bool           { return e.temp }
func (e fakeErr) RetryAfter() time.Duration { return e.after }

// recorder is a Sleep that records the waits instead of sleeping.
type recorder struct{ waits []time.Duration }

func (r *recorder) sleep(_ context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	return nil
}

func TestDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		errs      []error // returned by successive calls; nil after the list
		attempts  int
		wantCalls int
		wantErr   bool
		wantWaits []time.Duration
	}{
		{name: "success first", wantCalls: 1},
		{name: "temporary then success", errs: []error{fakeErr{temp: true}, fakeErr{temp: true}}, wantCalls: 3,
			wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{name: "permanent stops", errs: []error{fakeErr{temp: false}}, wantCalls: 1, wantErr: true},
		{name: "retry-after wins over backoff", errs: []error{fakeErr{temp: true, after: 3 * time.Second}}, wantCalls: 2,
			wantWaits: []time.Duration{3 * time.Second}},
		{name: "attempts exhausted", attempts: 3, errs: []error{fakeErr{temp: true}, fakeErr{temp: true}, fakeErr{temp: true}, fakeErr{temp: true}},
			wantCalls: 3, wantErr: true, wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{name: "Temporary helper", errs: []error{Temporary(errors.New("x"), time.Second)}, wantCalls: 2, wantWaits: []time.Duration{time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			p := Policy{Attempts: tt.attempts, Sleep: rec.sleep, Rand: func() float64 { return 0.5 }}
			calls := 0
			err := p.Do(context.Background(), func(context.Context) error {
				calls++
				if calls <= len(tt.errs) {
					return tt.errs[calls-1]
				}
				return nil
			})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Do() error = %v; want error %v", err, tt.wantErr)
			}
			if calls != tt.wantCalls {
				t.Errorf("calls = %d; want %d", calls, tt.wantCalls)
			}
			if len(rec.waits) != len(tt.wantWaits) {
				t.Fatalf("waits = %v; want %v", rec.waits, tt.wantWaits)
			}
			for i := range rec.waits {
				if rec.waits[i] != tt.wantWaits[i] {
					t.Errorf("wait[%d] = %v; want %v", i, rec.waits[i], tt.wantWaits[i])
				}
			}
			if err != nil {
				var fe fakeErr
				if len(tt.errs) > 0 && errors.As(tt.errs[0], &fe) && !errors.As(err, &fe) {
					t.Errorf("errors.As lost the last error: %v", err)
				}
			}
		})
	}
}

func TestDoStopsBeforeDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	rec := &recorder{}
	calls := 0
	err := Policy{Sleep: rec.sleep}.Do(ctx, func(context.Context) error {
		calls++
		return fakeErr{temp: true, after: 5 * time.Second}
	})
	if err == nil || calls != 1 || len(rec.waits) != 0 {
		t.Fatalf("got err=%v calls=%d waits=%v; want an error after 1 call and no wait", err, calls, rec.waits)
	}
	var fe fakeErr
	if !errors.As(err, &fe) {
		t.Errorf("errors.As(%v, fakeErr) = false; want true", err)
	}
	if !errors.Is(err, ErrDeadline) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, ErrDeadline / context.DeadlineExceeded) = false; want true", err)
	}
	var de *DeadlineError
	if want, _ := ctx.Deadline(); !errors.As(err, &de) || !de.Deadline.Equal(want) || de.Wait != 5*time.Second || de.Attempts != 1 {
		t.Errorf("got %#v; want a *DeadlineError of 1 attempt, wait 5s, deadline %v", de, want)
	}
	if want := "retry: gave up after 1 attempts, next wait 5s would pass the deadline: fake"; err.Error() != want {
		t.Errorf("got error %q; want %q", err, want)
	}
}

// TestDoOtherFailuresAreNotDeadline: giving up for any other reason is no lack of time.
func TestDoOtherFailuresAreNotDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for name, fn := range map[string]func(context.Context) error{
		"attempts exhausted": func(context.Context) error { return fakeErr{temp: true} },
		"permanent":          func(context.Context) error { return fakeErr{} },
	} {
		err := Policy{Attempts: 2, Sleep: (&recorder{}).sleep}.Do(ctx, fn)
		if err == nil || errors.Is(err, ErrDeadline) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v; want an error that is not ErrDeadline", name, err)
		}
	}
}

func TestDoCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Policy{Base: time.Hour, Max: time.Hour, Rand: func() float64 { return 1 }}.Do(ctx, func(context.Context) error {
		calls++
		cancel()
		return fakeErr{temp: true}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Do() = %v; want context.Canceled", err)
	}
	if calls != 1 {
		t.Errorf("calls = %d; want 1", calls)
	}
}

func TestBackoffCapped(t *testing.T) {
	t.Parallel()
	p := Policy{Base: time.Second, Max: 4 * time.Second, Rand: func() float64 { return 0.999999 }}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: 4 * time.Second} {
		if got := p.backoff(n); got > want || got < want*99/100 {
			t.Errorf("backoff(%d) = %v; want about %v", n, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 2 ", 2 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"999999", 24 * time.Hour},
		{now.Add(30 * 24 * time.Hour).Format(http.TimeFormat), MaxRetryAfter},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
