package main

import (
	"strings"
	"testing"
)

func events(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantCode int
		wantOut  []string
	}{
		{"all pass", events(
			`{"Action":"run","Package":"p","Test":"TestA"}`,
			`{"Action":"output","Package":"p","Test":"TestA","Output":"noise\n"}`,
			`{"Action":"pass","Package":"p","Test":"TestA"}`,
			`{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}`,
			`{"Action":"pass","Package":"p"}`,
		), 0, []string{"ok  \tp\t0.1s", "1 passed, 0 failed, 0 skipped"}},
		{"a failure shows its output", events(
			`{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: got 1; want 2\n"}`,
			`{"Action":"fail","Package":"p","Test":"TestA"}`,
			`{"Action":"fail","Package":"p"}`,
		), 1, []string{"got 1; want 2", "0 passed, 1 failed, 0 skipped"}},
		{"a skip is a failure", events(
			`{"Action":"pass","Package":"p","Test":"TestA"}`,
			`{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:3: moto_server not found\n"}`,
			`{"Action":"skip","Package":"p","Test":"TestB"}`,
			`{"Action":"pass","Package":"p"}`,
		), 1, []string{"moto_server not found", "SKIPPED (counts as a failure): p TestB", "1 passed, 0 failed, 1 skipped"}},
		{"a build failure fails", events(
			`{"ImportPath":"p","Action":"build-output","Output":"p/x.go:1: syntax error\n"}`,
			`{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}`,
			`{"Action":"fail","Package":"p"}`,
		), 1, []string{"syntax error", "FAIL\tp [build failed]"}},
		{"no test ran", events(`{"Action":"pass","Package":"p"}`), 1, []string{"0 passed, 0 failed, 0 skipped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if got := run(strings.NewReader(tt.in), &out); got != tt.wantCode {
				t.Errorf("got exit code %d; want %d\n%s", got, tt.wantCode, out.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("got output\n%s\nwant it to contain %q", out.String(), w)
				}
			}
		})
	}
}
