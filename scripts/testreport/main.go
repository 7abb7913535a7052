// Command testreport reads `go test -json` on stdin and prints what `go test`
// prints without -v (a line per package, the output of each failing test),
// then a closing line "N passed, N failed, N skipped". It exits non-zero when
// a test or a package failed, or when any test was skipped: every test here
// either runs or fails with the command that installs what it needs, so a
// skip means something did not run.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
	Elapsed    float64
}

func main() {
	os.Exit(run(os.Stdin, os.Stdout))
}

func run(in io.Reader, out io.Writer) int {
	var passed, failed, skipped, pkgFailed int
	var skips []string
	output := map[string]*strings.Builder{} // package + test → output so far
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintln(out, string(line)) // not test2json: pass it through
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "build-output":
			fmt.Fprint(out, e.Output)
		case "output":
			b := output[key]
			if b == nil {
				b = &strings.Builder{}
				output[key] = b
			}
			b.WriteString(e.Output)
		case "pass", "fail", "skip":
			b := output[key]
			delete(output, key)
			if e.Test == "" {
				if e.Action == "fail" {
					pkgFailed++
					if b != nil {
						fmt.Fprint(out, b.String())
					}
				} else if b != nil {
					// The package's own summary line: "ok  pkg  0.1s" or "?  pkg  [no test files]".
					for _, l := range strings.SplitAfter(b.String(), "\n") {
						if strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "?") {
							fmt.Fprint(out, l)
						}
					}
				}
				continue
			}
			switch e.Action {
			case "pass":
				passed++
			case "fail":
				failed++
				if b != nil {
					fmt.Fprint(out, b.String())
				}
			case "skip":
				skipped++
				skips = append(skips, e.Package+" "+e.Test)
				if b != nil {
					fmt.Fprint(out, b.String())
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(out, "testreport: read go test -json:", err)
		return 2
	}
	sort.Strings(skips)
	for _, s := range skips {
		fmt.Fprintln(out, "SKIPPED (counts as a failure):", s)
	}
	fmt.Fprintf(out, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || pkgFailed > 0 || skipped > 0 || passed == 0 {
		return 1
	}
	return 0
}
