package samlocal

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testTemplate exercises each rule: Globals beside a function's own
// properties, Ref to parameters (with and without a default, Number and
// String), to pseudo parameters and to resources, Fn::If on conditions,
// Fn::Sub, Fn::Join, Fn::GetAtt (unresolvable locally), booleans and numbers.
const testTemplate = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Timeout: { Type: Number, Default: 60 }
  Memory: { Type: Number, Default: 512 }
  Stage: { Type: String, Default: dev }
  NoDefault: { Type: String }
  Config: { Type: String, Default: "" }
  Names: { Type: CommaDelimitedList, Default: "a,b" }
Conditions:
  HasConfig: !Not [!Equals [!Ref Config, ""]]
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Timeout: !Ref Timeout
    MemorySize: !Ref Memory
    Environment:
      Variables:
        SHARED: from-globals
        OVERRIDDEN: from-globals
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  ConfigParam:
    Type: AWS::SSM::Parameter
  One:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 900
      Environment:
        Variables:
          OVERRIDDEN: from-function
          STAGE: !Ref Stage
          NO_DEFAULT: !Ref NoDefault
          BUCKET: !Ref Bucket
          CONFIG: !If [HasConfig, !Ref ConfigParam, /default/config]
          PROD: !If [IsProd, "yes", "no"]
          SUB: !Sub "${AWS::Region}/${AWS::AccountId}/${Stage}/${!Literal}"
          SUB_ATTR: !Sub "${Bucket.Arn}/x"
          JOIN: !Join ["-", [!Ref Stage, x]]
          ARN: !GetAtt Bucket.Arn
          NAMES: !Ref Names
          FLAG: true
          COUNT: 8
          EMPTY: ""
  Two:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 1024
      Environment:
        Variables:
          ONLY_TWO: two
  Bare:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
`

const bareTemplate = `
Resources:
  Bare:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: . }
`

func write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(t *testing.T, src string) *Template {
	t.Helper()
	tmpl, err := Load(write(t, "template.yaml", src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return tmpl
}

func TestResolveSettings(t *testing.T) {
	tmpl := load(t, testTemplate)
	tests := []struct {
		name      string
		fn        string
		overrides map[string]string
		timeout   time.Duration
		memory    int
	}{
		{"the function's own Timeout beats Globals'", "One", nil, 900 * time.Second, 512},
		{"Globals through Ref to parameter defaults", "Two", nil, 60 * time.Second, 1024},
		{"parameter overrides reach Globals", "Two", map[string]string{"Timeout": "10"}, 10 * time.Second, 1024},
		{"Globals for a function that sets nothing", "Bare", map[string]string{"Memory": "128"}, 60 * time.Second, 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tmpl.Resolve(tt.fn, Options{ParameterOverrides: tt.overrides})
			if err != nil {
				t.Fatal(err)
			}
			if f.Timeout != tt.timeout || f.MemoryMB != tt.memory {
				t.Errorf("got timeout %v, memory %d; want %v, %d", f.Timeout, f.MemoryMB, tt.timeout, tt.memory)
			}
		})
	}
	t.Run("Lambda's defaults without Globals", func(t *testing.T) {
		f, err := load(t, bareTemplate).Resolve("Bare", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if f.Timeout != 3*time.Second || f.MemoryMB != 128 || len(f.Env) != 0 {
			t.Errorf("got %+v; want 3s, 128 MB, no environment", f)
		}
	})
}

func TestResolveTemplateValues(t *testing.T) {
	tmpl := load(t, testTemplate)
	f, err := tmpl.Resolve("One", Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"SHARED":     "from-globals",
		"OVERRIDDEN": "from-function",
		"STAGE":      "dev",
		"NO_DEFAULT": "", // a parameter with neither default nor override
		"BUCKET":     "Bucket",
		"CONFIG":     "/default/config",
		"PROD":       "no",
		"SUB":        "eu-west-1/123456789012/dev/${Literal}",
		"SUB_ATTR":   "", // an attribute is not resolvable locally
		"JOIN":       "dev-x",
		"ARN":        "",
		"NAMES":      "", // a list is not a string
		"FLAG":       "true",
		"COUNT":      "8",
		"EMPTY":      "",
	}
	if !maps.Equal(f.Env, want) {
		t.Errorf("got env %v;\nwant %v", f.Env, want)
	}
	f, err = tmpl.Resolve("One", Options{ParameterOverrides: map[string]string{"Config": "{}", "Stage": "prod", "NoDefault": "given"}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"CONFIG": "ConfigParam", "PROD": "yes", "STAGE": "prod", "NO_DEFAULT": "given", "SUB": "us-east-1/123456789012/prod/${Literal}"} {
		if f.Env[k] != v {
			t.Errorf("with overrides: got %s=%q; want %q", k, f.Env[k], v)
		}
	}
	if got := f.Environ(); len(got) != len(f.Env) || got[0] != "ARN=" || !strings.HasPrefix(got[len(got)-1], "SUB_ATTR=") {
		t.Errorf("Environ() = %v; want sorted KEY=VALUE entries", got)
	}
}

// TestResolveEnvVars checks SAM CLI's documented priorities: the function's
// block over Parameters over the shell over the template, and only
// declared variables.
func TestResolveEnvVars(t *testing.T) {
	tmpl := load(t, testTemplate)
	envVars := write(t, "env.json", `{
		"Parameters": {"SHARED": "from-parameters", "STAGE": "from-parameters", "ONLY_TWO": "from-parameters"},
		"One": {"STAGE": "from-one", "COUNT": 9, "FLAG": false}
	}`)
	shell := []string{"SHARED=from-shell", "OVERRIDDEN=from-shell", "UNDECLARED=shell", "PATH=/bin"}
	one, err := tmpl.Resolve("One", Options{EnvVars: envVars, Shell: shell})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"SHARED":     "from-parameters", // Parameters beats the shell
		"STAGE":      "from-one",        // the function's block beats Parameters
		"OVERRIDDEN": "from-shell",      // the shell beats the template
		"COUNT":      "9",
		"FLAG":       "false",
		"BUCKET":     "Bucket",
	} {
		if one.Env[k] != v {
			t.Errorf("One: got %s=%q; want %q", k, one.Env[k], v)
		}
	}
	for _, k := range []string{"UNDECLARED", "PATH", "ONLY_TWO"} {
		if v, ok := one.Env[k]; ok {
			t.Errorf("One: got %s=%q; want no variable the function does not declare", k, v)
		}
	}
	two, err := tmpl.Resolve("Two", Options{EnvVars: envVars})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"SHARED": "from-parameters", "OVERRIDDEN": "from-globals", "ONLY_TWO": "from-parameters"}
	if !maps.Equal(two.Env, want) {
		t.Errorf("Two: got %v; want %v", two.Env, want)
	}
}

// TestBadInput: each a one-line error naming the file and the fix.
func TestBadInput(t *testing.T) {
	tmpl := load(t, testTemplate)
	tests := []struct {
		name    string
		envVars string
		fn      string
		over    map[string]string
		want    []string
	}{
		{"env vars not JSON", `{"One": {"STAGE": "x"`, "One", nil, []string{"env.json is not an --env-vars file", `write {"Parameters"`}},
		{"env vars not objects", `{"One": "x"}`, "One", nil, []string{"env.json is not an --env-vars file", `block "One"`}},
		{"undeclared in the function's block", `{"One": {"ONLY_TWO": "x"}}`, "Two", nil, []string{"env.json: One.ONLY_TWO", "does not declare ONLY_TWO for One", "remove it from"}},
		{"undeclared anywhere", `{"Parameters": {"NOPE": "x"}}`, "One", nil, []string{"Parameters.NOPE: no function", "declare it under Globals"}},
		{"block naming no function", `{"Three": {"X": "x"}}`, "One", nil, []string{`block "Three" names no function`, "Bare, One, Two"}},
		{"unknown function", "", "Three", nil, []string{`no function "Three"`, "use one of Bare, One, Two"}},
		{"unknown parameter override", "", "One", map[string]string{"Nope": "1"}, []string{"parameter override Nope", `no parameter "Nope"`}},
		{"timeout not a number", "", "Two", map[string]string{"Timeout": "soon"}, []string{`Timeout of Two resolves to "soon"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{ParameterOverrides: tt.over}
			if tt.envVars != "" {
				o.EnvVars = write(t, "env.json", tt.envVars)
			}
			_, err := tmpl.Resolve(tt.fn, o)
			if err == nil {
				t.Fatal("got no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q spans lines; want one", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q; want it to say %q", msg, w)
				}
			}
		})
	}
	_, err := tmpl.Resolve("Three", Options{})
	if !errors.Is(err, ErrNoFunction) {
		t.Errorf("got %v for an unknown function; want ErrNoFunction", err)
	}
	for name, src := range map[string]string{
		"not YAML":     "Resources: [a\n  b: {",
		"unknown tag":  "Resources:\n  A: !Reff B\n",
		"no Resources": "Parameters: {}\n",
	} {
		path := write(t, "template.yaml", src)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v; want one line naming %s", name, err, path)
		}
	}
}

// TestProjectTemplate resolves the project's functions with the committed
// events/env.local.json, which `sam local invoke --env-vars` takes too.
func TestProjectTemplate(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	tmpl, err := Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tmpl.Functions(), ","); got != "AuditPullFunction,RefresherFunction" {
		t.Errorf("Functions() = %s", got)
	}
	envVars := filepath.Join(root, "events", "env.local.json")
	r, err := tmpl.Resolve("RefresherFunction", Options{EnvVars: envVars})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "REFRESHER_CONFIG_PARAMETER": "/tokenrelay/refresher-config", "REFRESHER_CONCURRENCY": "8", "EVENT_BUS_NAME": "default"}
	if r.Timeout != 300*time.Second || r.MemoryMB != 256 || !maps.Equal(r.Env, want) {
		t.Errorf("refresher: got %+v; want 300s, 256 MB, %v", r, want)
	}
	// Globals' LoggingConfig merges with the function's own (LogGroup).
	if r.LogFormat != "JSON" || r.LogLevel != "INFO" {
		t.Errorf("refresher: got log format %q, level %q; want JSON, INFO", r.LogFormat, r.LogLevel)
	}
	env := " " + strings.Join(r.LambdaEnv(Credentials{}), " ") + " "
	for _, kv := range []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=INFO"} {
		if !strings.Contains(env, " "+kv+" ") {
			t.Errorf("refresher: LambdaEnv lacks %s: %s", kv, env)
		}
	}
	a, err := tmpl.Resolve("AuditPullFunction", Options{ParameterOverrides: map[string]string{"FunctionTimeoutSeconds": "900", "AuditWindow": "6h"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Timeout != 900*time.Second || a.Env["WINDOW"] != "6h" || a.Env["BUCKET"] != "AuditBucket" || a.Env["AWS_ENDPOINT_URL"] != "" || a.Env["AUDIT_CONCURRENCY"] != "4" || len(a.Env) != 13 {
		t.Errorf("audit pull: got %+v; want 900s, WINDOW 6h, BUCKET the bucket's logical id, AUDIT_CONCURRENCY 4 (a Number default), 13 variables", a)
	}
}

func TestParseParameterOverrides(t *testing.T) {
	got, err := ParseParameterOverrides(`Stage=prod ParameterKey=Timeout,ParameterValue=30 Note="two words" Empty=`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Stage": "prod", "Timeout": "30", "Note": "two words", "Empty": ""}
	if !maps.Equal(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
	for _, bad := range []string{"Stage", "=x", "ParameterKey=Timeout"} {
		if _, err := ParseParameterOverrides(bad); err == nil {
			t.Errorf("ParseParameterOverrides(%q) succeeded; want an error", bad)
		}
	}
}

func TestLambdaEnv(t *testing.T) {
	f := Function{LogicalID: "One", Timeout: 30 * time.Second, MemoryMB: 256, Env: map[string]string{"AWS_REGION": "from-template", "X": "y"}}
	got := strings.Join(f.LambdaEnv(Credentials{Region: "eu-west-1"}), " ")
	for _, want := range []string{"AWS_SAM_LOCAL=true", "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_NAME=One", "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=from-template", "AWS_ACCESS_KEY_ID=defaultkey", "X=y"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("LambdaEnv lacks %s: %s", want, got)
		}
	}
	if strings.Contains(got, "AWS_SESSION_TOKEN") {
		t.Errorf("LambdaEnv has a session token without one: %s", got)
	}
}
