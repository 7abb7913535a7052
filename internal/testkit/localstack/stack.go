package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// Region is the AWS region of the local stack.
const Region = "us-east-1"

// StateFile is the name of the stack's record in its directory.
const StateFile = "stack.json"

// Stack is a running local stack, as stack.json records it.
type Stack struct {
	// Dir is the stack's directory (stack.json, env.json, logs); not stored.
	Dir string `json:"-"`
	// Region is the AWS region the clients and functions use.
	Region string `json:"region"`
	// Moto is moto_server; MotoURL its endpoint, AWS_ENDPOINT_URL for the SDK.
	Moto    *Process `json:"moto"`
	MotoURL string   `json:"moto_url"`
	// AvePoint is the local AvePoint; AvePointURL is the base URL of both its
	// identity service (the issuer) and its audit API.
	AvePoint    *Process     `json:"avepoint"`
	AvePointURL string       `json:"avepoint_url"`
	AvePointCfg AvePointArgs `json:"avepoint_config"`
	// Seeded is what Seed stored; nil before it ran.
	Seeded *Seeded `json:"seeded,omitempty"`
}

// AvePointArgs are the local AvePoint's settings.
type AvePointArgs struct {
	// Bin is the scripts/localavepoint executable.
	Bin string `json:"bin"`
	// Port is its 127.0.0.1 port.
	Port int `json:"port"`
	// RecordsPerHour is the number of generated audit records in every hour.
	RecordsPerHour int `json:"records_per_hour"`
	// PageSize is the number of records in an audit page.
	PageSize int `json:"page_size"`
	// Seed selects the generated records.
	Seed int64 `json:"seed"`
	// Clients is the -clients file of app registrations; "" before Seed.
	Clients string `json:"clients,omitempty"`
}

// StartConfig says how to start a stack.
type StartConfig struct {
	// Dir is the stack's directory; it is created when missing.
	Dir string
	// AvePointBin is the built scripts/localavepoint (see BuildTool).
	AvePointBin string
	// MotoPort and AvePointPort are the 127.0.0.1 ports; 0 picks free ones.
	MotoPort, AvePointPort int
	// RecordsPerHour and PageSize configure the audit API; 0 means 60 and 25
	// (a few pages per hour, so that paging is exercised).
	RecordsPerHour, PageSize int
	// Detached leaves the services running after this process ends (the
	// scripts/stack CLI); otherwise they die with it.
	Detached bool
}

// Start starts moto_server and the local AvePoint, waits until both
// answer, and records them in Dir/stack.json. A stack already running from
// Dir is an error naming it; one that is recorded but gone is replaced.
func Start(ctx context.Context, cfg StartConfig) (*Stack, error) {
	if _, err := testenv.MotoBin(); err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}
	if old, err := Load(cfg.Dir); err == nil && (old.Moto.Running() || old.AvePoint.Running()) {
		return nil, fmt.Errorf("localstack: a stack is already running from %s (moto %s, AvePoint %s): stop it first", cfg.Dir, old.MotoURL, old.AvePointURL)
	}
	s := &Stack{Dir: cfg.Dir, Region: Region, AvePointCfg: AvePointArgs{
		Bin: cfg.AvePointBin, Port: cfg.AvePointPort,
		RecordsPerHour: orDefault(cfg.RecordsPerHour, 60), PageSize: orDefault(cfg.PageSize, 25), Seed: 1,
	}}
	ok := false
	defer func() {
		if !ok {
			_ = s.Stop()
		}
	}()
	if err := s.startMoto(ctx, cfg.MotoPort, cfg.Detached); err != nil {
		return nil, err
	}
	if s.AvePointCfg.Port == 0 {
		var err error
		if s.AvePointCfg.Port, err = testenv.FreePort(); err != nil {
			return nil, err
		}
	}
	if err := s.startAvePoint(ctx, cfg.Detached); err != nil {
		return nil, err
	}
	if err := s.Save(); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// startMoto starts moto_server, logging to Dir/moto.log.
func (s *Stack) startMoto(ctx context.Context, port int, detached bool) error {
	proc, endpoint, err := testenv.StartMoto(ctx, port, func(bin string, args []string) (*Process, error) {
		return spawn(bin, args, filepath.Join(s.Dir, "moto.log"), detached)
	})
	if err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	s.Moto, s.MotoURL = proc, endpoint
	return nil
}

// startAvePoint (re)starts the local AvePoint on its port with its clients.
func (s *Stack) startAvePoint(ctx context.Context, detached bool) error {
	a := s.AvePointCfg
	args := []string{
		"-addr", "127.0.0.1:" + strconv.Itoa(a.Port),
		"-records-per-hour", strconv.Itoa(a.RecordsPerHour),
		"-page-size", strconv.Itoa(a.PageSize),
		"-seed", strconv.FormatInt(a.Seed, 10),
	}
	if a.Clients != "" {
		args = append(args, "-clients", a.Clients)
	}
	proc, err := spawn(a.Bin, args, filepath.Join(s.Dir, "avepoint.log"), detached)
	if err != nil {
		return err
	}
	s.AvePoint, s.AvePointURL = proc, "http://127.0.0.1:"+strconv.Itoa(a.Port)
	if err := testenv.WaitReady(ctx, proc, s.AvePointURL+"/.well-known/openid-configuration"); err != nil {
		return fmt.Errorf("localstack: start the local AvePoint: %w", err)
	}
	return nil
}

// restartAvePoint replaces the local AvePoint by one with the current
// settings, on the same port, so that URLs stay valid.
func (s *Stack) restartAvePoint(ctx context.Context) error {
	detached := s.AvePoint != nil && s.AvePoint.exited == nil
	if s.AvePoint != nil {
		if err := s.AvePoint.Stop(); err != nil {
			return err
		}
	}
	return s.startAvePoint(ctx, detached)
}

// Output is the end of the process's log, for testenv.WaitReady's errors.
func (p *Process) Output() string {
	return "log " + p.Log + ":\n" + p.logTail()
}

// Load reads the stack recorded in dir.
func Load(dir string) (*Stack, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("localstack: no stack in %s: start one first", dir)
		}
		return nil, fmt.Errorf("localstack: %w", err)
	}
	s := &Stack{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("localstack: %s: %w", filepath.Join(dir, StateFile), err)
	}
	s.Dir = dir
	return s, nil
}

// Save writes the stack to Dir/stack.json.
func (s *Stack) Save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, StateFile), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	return nil
}

// Stop stops every service of the stack and removes stack.json. It is
// idempotent: services already gone are skipped.
func (s *Stack) Stop() error {
	var errs []error
	for _, p := range []*Process{s.AvePoint, s.Moto} {
		if p != nil {
			errs = append(errs, p.Stop())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.Dir, StateFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localstack: %w", err)
	}
	return nil
}

// StopDir stops the stack recorded in dir; with none recorded it does
// nothing and reports false.
func StopDir(dir string) (stopped bool, err error) {
	s, err := Load(dir)
	if err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, StateFile)); errors.Is(statErr, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, s.Stop()
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
