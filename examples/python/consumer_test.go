// Package python holds the Go test of the Python example consumer.py (README:
// "Reading a token from another Lambda"), run by go test like every other
// test: it needs python3 with boto3, which moto_server itself runs on.
package python

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenrelay/tokenrelay/internal/testkit/bearerapi"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
	"github.com/tokenrelay/tokenrelay/ssmtoken"
)

// driver is driver.py running consumer.py in one warm process.
type driver struct {
	t    *testing.T
	in   io.Writer
	out  *bufio.Scanner
	logs []string
}

// answer is one answer of driver.py.
type answer struct {
	OK    json.RawMessage `json:"ok"`
	Error string          `json:"error"`
	Type  string          `json:"type"`
}

// python3 returns the python3 that has boto3, or fails t with how to get it.
func python3(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 not found on PATH: install Python 3 and boto3 (pip install boto3; moto[server] brings it)")
	}
	if out, err := exec.Command(bin, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Fatalf("python3 cannot import boto3: pip install boto3 (moto[server] brings it): %v\n%s", err, out)
	}
	return bin
}

func startDriver(t *testing.T, env ...string) *driver {
	cmd := exec.Command(python3(t), "driver.py")
	cmd.Env = append(append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1"), env...)
	var stderr testenv.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("driver.py: %v\n%s", err, stderr.String())
		}
	})
	return &driver{t: t, in: in, out: bufio.NewScanner(out)}
}

// do sends one command and returns its answer; the log lines printed
// before it are kept in d.logs.
func (d *driver) do(cmd string) answer {
	d.t.Helper()
	if _, err := io.WriteString(d.in, cmd+"\n"); err != nil {
		d.t.Fatal(err)
	}
	for d.out.Scan() {
		var a answer
		if err := json.Unmarshal(d.out.Bytes(), &a); err != nil {
			d.t.Fatalf("driver.py printed %q: %v", d.out.Text(), err)
		}
		if a.OK != nil || a.Error != "" {
			return a
		}
		d.logs = append(d.logs, d.out.Text())
	}
	d.t.Fatalf("driver.py ended before answering %q: %v", cmd, d.out.Err())
	return answer{}
}

// TestConsumer runs lambda_handler in one warm process against moto_server
// and a loopback API that rotates its token once.
func TestConsumer(t *testing.T) {
	rot := bearerapi.NewRotation(t, "/tokens/example", "token-before")
	d := startDriver(t, append(testenv.AWSEnv(rot.Proxy.URL()), "AWS_DEFAULT_REGION="+testenv.Region, "TOKEN_PARAMETER=/tokens/example", "API_URL="+rot.API.URL()+"/v1/things")...)
	invoke := func() {
		t.Helper()
		a := d.do("invoke")
		if a.Error != "" || string(a.OK) != `{"status": 200, "body": {"ok": true}}` {
			t.Fatalf("got invoke = %+v; want status 200 and the API's answer", a)
		}
	}
	rot.Run(t, "token-before", "token-after", invoke)
	rot.API.Rotate("token-unknown")
	if a := d.do("invoke"); !strings.Contains(a.Error, "HTTP 401") || strings.Contains(a.Error, "token-after") {
		t.Errorf("got %+v; want an HTTP 401 error without the token", a)
	}
	if len(d.logs) != 4 || strings.Contains(strings.Join(d.logs, "\n"), "token-") {
		t.Errorf("got logs %q; want four records without the token", d.logs)
	}
}

// TestSameCacheRule checks that consumer.py keeps a token exactly as long
// as ssmtoken does, for each stored format, and refuses the same values.
func TestSameCacheRule(t *testing.T) {
	now := time.Unix(1_790_000_000, 0).UTC()
	jwtTok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": now.Add(30 * time.Minute).Unix()}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	stale, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": now.Add(-time.Second).Unix()}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	doc := func(tok, typ string, exp time.Time) string {
		return `{"access_token":"` + tok + `","token_type":"` + typ + `","expires_at":"` + exp.Format(time.RFC3339) + `"}`
	}
	tests := []struct {
		name, value, wantHeader, wantType string
		wantUntil                         time.Time
	}{
		{"json", doc("tok-json", "Bearer", now.Add(time.Hour)), "Bearer tok-json", "", now.Add(time.Hour - ssmtoken.DefaultMargin)},
		{"json lower-case type", doc("tok-lower", "bearer", now.Add(time.Hour)), "Bearer tok-lower", "", now.Add(time.Hour - ssmtoken.DefaultMargin)},
		{"json, the refresher late", doc("tok-late", "Bearer", now.Add(30*time.Second)), "Bearer tok-late", "", now.Add(ssmtoken.LateRecheck)},
		{"json about to expire", doc("tok-last", "Bearer", now.Add(5*time.Second)), "Bearer tok-last", "", now.Add(5 * time.Second)},
		{"raw jwt", jwtTok, "Bearer " + jwtTok, "", now.Add(30*time.Minute - ssmtoken.DefaultMargin)},
		{"raw opaque", "tok-opaque", "Bearer tok-opaque", "", now.Add(ssmtoken.DefaultRawTTL)},
		{"json expired", doc("tok-stale", "Bearer", now.Add(-time.Second)), "", "TokenExpired", time.Time{}},
		{"raw jwt expired", stale, "", "TokenExpired", time.Time{}},
		{"malformed", `{"access_token":"tok-half",`, "", "ValueError", time.Time{}},
	}
	d := startDriver(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arg, _ := json.Marshal(map[string]any{"value": tt.value, "now": now.Unix()})
			a := d.do("rule " + string(arg))
			var got struct {
				Header string  `json:"header"`
				Until  float64 `json:"until"`
			}
			_ = json.Unmarshal(a.OK, &got)
			if a.Type != tt.wantType || got.Header != tt.wantHeader || (tt.wantType == "" && int64(got.Until) != tt.wantUntil.Unix()) {
				t.Errorf("got python %+v (%+v); want header %q until %v, error type %q", got, a, tt.wantHeader, tt.wantUntil, tt.wantType)
			}
			if a.Error != "" && (strings.Contains(a.Error, "tok-") || strings.Contains(a.Error, stale) || !strings.Contains(a.Error, "/tokens/rule")) {
				t.Errorf("got python error %q; want the parameter named and no token", a.Error)
			}

			// ssmtoken on the same value at the same time.
			api := &staticValue{value: tt.value}
			src := ssmtoken.New(api, "/tokens/rule")
			src.Now = func() time.Time { return now }
			tok, err := src.Token()
			switch {
			case tt.wantType == "TokenExpired" && !errors.Is(err, ssmtoken.ErrExpired):
				t.Errorf("got ssmtoken %v; want ErrExpired as python", err)
			case tt.wantType == "" && (err != nil || tok.Type()+" "+tok.AccessToken != tt.wantHeader):
				t.Errorf("got ssmtoken %v, %v; want the header python sends", tok, err)
			case tt.wantType == "":
				src.Now = func() time.Time { return tt.wantUntil.Add(-time.Second) }
				if again, _ := src.Token(); again != tok || api.reads != 1 {
					t.Errorf("ssmtoken read again before python's until %v; want the same token kept", tt.wantUntil)
				}
				src.Now = func() time.Time { return tt.wantUntil }
				if _, _ = src.Token(); api.reads != 2 {
					t.Errorf("ssmtoken kept the token at python's until %v; want a second read", tt.wantUntil)
				}
			}
		})
	}
}

// staticValue is an ssmtoken.GetParameterAPI holding one value and
// counting its reads.
type staticValue struct {
	value string
	reads int
}

func (v *staticValue) GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v.reads++
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(v.value)}}, nil
}
