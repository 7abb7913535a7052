package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// demoInvocation runs the functions with the stack's env.json and a
// function timeout of 45 s (template parameter FunctionTimeoutSeconds): the
// whole demo takes seconds, and a hang should fail it well within a minute.
var demoInvocation = Invocation{ParameterOverrides: map[string]string{"FunctionTimeoutSeconds": "45"}}

// Demo runs the whole pipeline on a fresh local stack: build, start, seed,
// the refresher twice (tokens land in SSM, then both are fresh and skipped),
// the audit pull over a few days of generated records (objects and the
// checkpoint land in S3), a summary, and stop. `make demo` and the
// end-to-end test both run it.
type Demo struct {
	// Root is the module root (events/, functions/, scripts/).
	Root string
	// Dir is the stack's directory: state, env.json, logs, built binaries.
	Dir string
	// Out receives the progress lines and the summary.
	Out io.Writer
	// AuditDays is how many days back the audit pull starts; 0 means 3.
	AuditDays int
	// Check, when set, runs on the live stack after the summary and before
	// the stop; its error fails the step "check". The end-to-end test asserts
	// through it.
	Check func(ctx context.Context, s *Stack, r *Report) error
}

// StepError is a failed step of the demo.
type StepError struct {
	// Step names it: tools, build, start, seed, refresher, refresher-again,
	// auditpull, summary, check or stop.
	Step string
	// Err is why.
	Err error
}

func (e *StepError) Error() string { return "step " + e.Step + " failed: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// ErrInterrupted is the cause of a step cut short by the context (Ctrl-C).
var ErrInterrupted = errors.New("interrupted; everything the demo started was stopped")

// RefresherResult is the refresher's result (README: "Refresher", "Invocation").
type RefresherResult struct {
	Refreshed []string `json:"refreshed"`
	Skipped   []string `json:"skipped"`
	Failed    []struct {
		Target string `json:"target"`
		Error  string `json:"error"`
	} `json:"failed"`
}

// AuditResult is the audit pull's result (README: "Audit pull", "Invocation").
type AuditResult struct {
	Windows    int             `json:"windows"`
	Records    int             `json:"records"`
	Objects    []string        `json:"objects"`
	Checkpoint json.RawMessage `json:"checkpoint"`
	Complete   bool            `json:"complete"`
}

// Run runs the demo. Whatever happens, on failure and on cancellation (Ctrl-C)
// too, every process it started is stopped before it returns. The error is a
// *StepError naming the step that failed.
func (d *Demo) Run(ctx context.Context) (rep *Report, err error) {
	began := time.Now()
	p := &progress{w: d.Out}
	binDir := filepath.Join(d.Dir, "bin")
	logDir := filepath.Join(d.Dir, "logs")
	fail := func(step string, err error) (*Report, error) {
		return nil, &StepError{Step: step, Err: err}
	}
	defer func() {
		// A step cut short by Ctrl-C fails with the cancellation's noise;
		// say what happened instead.
		var se *StepError
		if ctx.Err() != nil && errors.As(err, &se) && se.Step != "stop" {
			err = &StepError{Step: se.Step, Err: ErrInterrupted}
		}
	}()
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return fail("build", err)
	}
	if _, err := testenv.MotoBin(); err != nil { // before a build that may take a while
		return fail("tools", err)
	}

	t := time.Now()
	avepointBin := filepath.Join(binDir, "localavepoint")
	if err := BuildTool(ctx, d.Root, avepointBin, "./scripts/localavepoint"); err != nil {
		return fail("build", err)
	}
	if err := Build(ctx, d.Root, binDir, Functions...); err != nil {
		return fail("build", err)
	}
	if _, err := rie.Path(ctx, d.Root); err != nil {
		return fail("build", err)
	}
	p.step("build", "%s/refresher, %s/auditpull bootstraps (%s/%s), the local AvePoint and the Lambda emulator (go tool aws-lambda-rie)", t, relTo(d.Root, binDir), relTo(d.Root, binDir), runtime.GOOS, runtime.GOARCH)

	t = time.Now()
	s, err := Start(ctx, StartConfig{Dir: d.Dir, AvePointBin: avepointBin})
	if err != nil {
		return fail("start", err)
	}
	defer func() {
		if stopErr := s.Stop(); stopErr != nil && err == nil {
			rep, err = nil, &StepError{Step: "stop", Err: stopErr}
			return
		}
		p.line("stop", "moto_server and the local AvePoint stopped; done in %s", round(time.Since(began)))
	}()
	p.step("start", "moto_server %s (pid %d), local AvePoint %s (pid %d)", t, s.MotoURL, s.Moto.PID, s.AvePointURL, s.AvePoint.PID)

	t = time.Now()
	if err := s.Seed(ctx, SeedConfig{AuditDays: d.AuditDays}); err != nil {
		return fail("seed", err)
	}
	p.step("seed", "secrets %s (PFX) and %s (client secret), config %s, bucket %s", t, AuditSecret, BackupSecret, ConfigParameter, Bucket)

	rep = &Report{MotoURL: s.MotoURL, AvePointURL: s.AvePointURL, Dir: d.Dir, AuditStart: s.Seeded.AuditStart}
	if err := d.refresh(ctx, s, binDir, logDir, p, rep); err != nil {
		return nil, err
	}
	if err := d.auditPull(ctx, s, binDir, logDir, p, rep); err != nil {
		return nil, err
	}
	if err := rep.collect(ctx, s); err != nil {
		return fail("summary", err)
	}
	rep.Print(d.Out)
	if d.Check != nil {
		if err := d.Check(ctx, s, rep); err != nil {
			return fail("check", err)
		}
	}
	return rep, nil
}

// refresh runs the refresher twice in one warm process: the first run
// refreshes both targets, the second finds them fresh and skips them.
func (d *Demo) refresh(ctx context.Context, s *Stack, binDir, logDir string, p *progress, rep *Report) error {
	fn := Refresher
	logPath := filepath.Join(logDir, fn.Name+".log")
	r, logs, err := d.runtime(ctx, s, fn, binDir, logPath)
	if err != nil {
		return &StepError{Step: "refresher", Err: err}
	}
	defer logs.Close()
	defer r.Close()
	want := []string{AuditTarget, BackupTarget}
	for i, step := range []string{"refresher", "refresher-again"} {
		t := time.Now()
		event, err := scheduledEvent(d.Root, "refresher-scheduled.json", t)
		if err != nil {
			return &StepError{Step: step, Err: err}
		}
		var res RefresherResult
		if err := invoke(ctx, r, event, logPath, &res); err != nil {
			return &StepError{Step: step, Err: err}
		}
		got, what := res.Refreshed, "refreshed"
		if i == 1 {
			got, what = res.Skipped, "skipped"
		}
		if len(res.Failed) > 0 || !sameSet(got, want) {
			return &StepError{Step: step, Err: fmt.Errorf("got %s; want %s %s (log %s)", mustJSON(res), what, strings.Join(want, ", "), logPath)}
		}
		if i == 0 {
			rep.FirstRun = res
			p.step(step, "refreshed %s: tokens by certificate (private_key_jwt, discovered token endpoint) and by client secret", t, strings.Join(got, ", "))
		} else {
			rep.SecondRun = res
			p.step(step, "skipped %s: the stored tokens are fresh, no call to the identity service", t, strings.Join(got, ", "))
		}
	}
	return nil
}

// auditPull runs a scheduled audit pull from START_TIME up to now − LAG,
// printing the checkpoint as it advances.
func (d *Demo) auditPull(ctx context.Context, s *Stack, binDir, logDir string, p *progress, rep *Report) error {
	const step = "auditpull"
	fn := AuditPull
	logPath := filepath.Join(logDir, fn.Name+".log")
	r, logs, err := d.runtime(ctx, s, fn, binDir, logPath)
	if err != nil {
		return &StepError{Step: step, Err: err}
	}
	defer logs.Close()
	defer r.Close()
	t := time.Now()
	event, err := scheduledEvent(d.Root, "auditpull-scheduled.json", t)
	if err != nil {
		return &StepError{Step: step, Err: err}
	}
	due := dueWindows(rep.AuditStart, t)
	p.line(step, "pulling %d windows of 1h from %s (START_TIME) up to now − 5m (LAG)", due, rep.AuditStart.Format(time.RFC3339))
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.watchCheckpoint(watchCtx, func(next time.Time) {
			done := int(next.Sub(rep.AuditStart) / time.Hour)
			p.line(step, "checkpoint %s (%d of %d windows stored)", next.Format(time.RFC3339), done, due)
		})
	}()
	var res AuditResult
	err = invoke(ctx, r, event, logPath, &res)
	stopWatch()
	<-watched
	if err != nil {
		return &StepError{Step: step, Err: err}
	}
	if !res.Complete || res.Windows == 0 || len(res.Objects) == 0 {
		return &StepError{Step: step, Err: fmt.Errorf("got %s; want a complete run with objects (log %s)", mustJSON(res), logPath)}
	}
	rep.Audit = res
	p.step(step, "%d windows, %d records, %d objects, complete", t, res.Windows, res.Records, len(res.Objects))
	return nil
}

// runtime starts fn under the emulator with its logs appended to logPath.
func (d *Demo) runtime(ctx context.Context, s *Stack, fn Function, binDir, logPath string) (*rie.Emulator, io.WriteCloser, error) {
	logs, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.Emulator(ctx, d.Root, fn, binDir, demoInvocation, logs)
	if err != nil {
		logs.Close()
		return nil, nil, fmt.Errorf("%w\nlog %s:\n%s", err, logPath, tail(logPath, 15))
	}
	return r, logs, nil
}

// invoke runs one invocation and decodes its result into out; a function
// error or a failed invocation comes with the end of the function's log.
func invoke(ctx context.Context, r *rie.Emulator, event []byte, logPath string, out any) error {
	res, err := r.Invoke(ctx, event)
	if err == nil && res.Error != nil {
		err = res.Error
	}
	if err != nil {
		return fmt.Errorf("%w\nlog %s:\n%s", err, logPath, tail(logPath, 15))
	}
	if err := json.Unmarshal(res.Payload, out); err != nil {
		return fmt.Errorf("result %s: %w", res.Payload, err)
	}
	return nil
}

// scheduledEvent is the committed EventBridge scheduled event with the time
// of now, as EventBridge would send it.
func scheduledEvent(root, name string, now time.Time) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(root, "events", name))
	if err != nil {
		return nil, err
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, fmt.Errorf("events/%s: %w", name, err)
	}
	ev["time"] = now.UTC().Truncate(time.Second).Format(time.RFC3339)
	return json.Marshal(ev)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func relTo(root, path string) string {
	if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// progress writes the demo's lines: "==> step   what   (elapsed)".
type progress struct{ w io.Writer }

func (p *progress) line(step, format string, args ...any) {
	fmt.Fprintf(p.w, "==> %-16s %s\n", step, fmt.Sprintf(format, args...))
}

func (p *progress) step(step, format string, began time.Time, args ...any) {
	p.line(step, "%s  (%s)", fmt.Sprintf(format, args...), round(time.Since(began)))
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
