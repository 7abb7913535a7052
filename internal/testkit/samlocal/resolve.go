package samlocal

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Lambda's defaults for a function that sets neither Timeout nor MemorySize.
const (
	DefaultTimeout  = 3 * time.Second
	DefaultMemoryMB = 128
)

// Options are what `sam local invoke` takes besides the template and the
// function.
type Options struct {
	// EnvVars is the path of an `--env-vars` JSON file; "" for none.
	EnvVars string
	// ParameterOverrides are `--parameter-overrides`, by parameter name (see
	// ParseParameterOverrides).
	ParameterOverrides map[string]string
	// Shell is the shell environment SAM CLI reads a declared variable from
	// when the env-vars file does not set it (os.Environ() in a command; nil
	// in tests, for none).
	Shell []string
	// Region is AWS::Region; "" means us-east-1, SAM CLI's default.
	Region string
}

// Function is a function's settings as `sam local invoke` resolves them.
type Function struct {
	// LogicalID is its resource name in the template.
	LogicalID string
	// Timeout is the function timeout, in whole seconds as the template
	// gives it.
	Timeout time.Duration
	// MemoryMB is the memory size.
	MemoryMB int
	// LogFormat and LogLevel are LoggingConfig's LogFormat and
	// ApplicationLogLevel (the function's keys over Globals'), which Lambda
	// hands the runtime as AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL;
	// "" when unset.
	LogFormat, LogLevel string
	// Env holds the variables the template declares for the function, with
	// their resolved values.
	Env map[string]string
}

// Environ returns Env as sorted KEY=VALUE entries.
func (f Function) Environ() []string {
	keys := make([]string, 0, len(f.Env))
	for k := range f.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	env := make([]string, 0, len(keys))
	for _, k := range keys {
		env = append(env, k+"="+f.Env[k])
	}
	return env
}

// Resolve returns the settings of the function logicalID, as `sam local
// invoke` gives them to the function (see the package comment for the
// rules). A bad input (an unknown function, an override of a parameter the
// template lacks, an env-vars file that is not JSON or sets a variable the
// template does not declare) is a one-line error naming the file and the
// fix.
func (t *Template) Resolve(logicalID string, o Options) (Function, error) {
	props, err := t.function(logicalID)
	if err != nil {
		return Function{}, err
	}
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	ev, err := newEvaluator(t, o.ParameterOverrides, region)
	if err != nil {
		return Function{}, err
	}
	globals := mapAt(t.Doc, "Globals", "Function")
	f := Function{LogicalID: logicalID}
	timeout, err := t.number(ev, "Timeout", props, globals, int(DefaultTimeout/time.Second), logicalID)
	if err != nil {
		return Function{}, err
	}
	f.Timeout = time.Duration(timeout) * time.Second
	if f.MemoryMB, err = t.number(ev, "MemorySize", props, globals, DefaultMemoryMB, logicalID); err != nil {
		return Function{}, err
	}

	logging := map[string]any{}
	for k, v := range mapAt(t.Doc, "Globals", "Function", "LoggingConfig") {
		logging[k] = v
	}
	for k, v := range mapAt(props, "LoggingConfig") {
		logging[k] = v
	}
	if v, ok := logging["LogFormat"]; ok {
		f.LogFormat = stringify(ev.eval(v))
	}
	if v, ok := logging["ApplicationLogLevel"]; ok {
		f.LogLevel = stringify(ev.eval(v))
	}

	declared := t.declared(logicalID)
	var overrides map[string]string
	if o.EnvVars != "" {
		if overrides, err = t.envVarsFor(o.EnvVars, logicalID); err != nil {
			return Function{}, err
		}
	}
	shell := map[string]string{}
	for _, kv := range o.Shell {
		for i := range len(kv) {
			if kv[i] == '=' {
				shell[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	f.Env = make(map[string]string, len(declared))
	for name, v := range declared {
		value := stringify(ev.eval(v))
		if s, ok := shell[name]; ok {
			value = s
		}
		if s, ok := overrides[name]; ok {
			value = s
		}
		f.Env[name] = value
	}
	return f, nil
}

// declared returns the environment variables the template declares for
// the function: Globals' merged with its own, unresolved.
func (t *Template) declared(logicalID string) map[string]any {
	vars := map[string]any{}
	for k, v := range mapAt(t.Doc, "Globals", "Function", "Environment", "Variables") {
		vars[k] = v
	}
	for k, v := range mapAt(t.resources()[logicalID], "Properties", "Environment", "Variables") {
		vars[k] = v
	}
	return vars
}

// number resolves the integer property key of the function, else of
// Globals, else def.
func (t *Template) number(ev *evaluator, key string, props, globals map[string]any, def int, logicalID string) (int, error) {
	raw, ok := props[key]
	if !ok {
		if raw, ok = globals[key]; !ok {
			return def, nil
		}
	}
	v := ev.eval(raw)
	s := stringify(v)
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("samlocal: %s: %s of %s resolves to %q, not a positive whole number: fix the template or its parameter", t.Path, key, logicalID, s)
	}
	return n, nil
}

// Credentials are what SAM CLI passes the function of the caller's AWS
// session.
type Credentials struct {
	Region, AccessKeyID, SecretAccessKey, SessionToken string
}

// LambdaEnv returns the environment `sam local invoke` gives the function:
// SAM CLI's AWS_* variables (the function's settings, the region and the
// credentials; defaultkey and defaultsecret where none are given), then the
// declared variables of Env, which win.
func (f Function) LambdaEnv(c Credentials) []string {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.AccessKeyID == "" {
		c.AccessKeyID, c.SecretAccessKey = "defaultkey", "defaultsecret"
	}
	env := map[string]string{
		"AWS_SAM_LOCAL":                   "true",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(f.Timeout / time.Second)),
		"AWS_LAMBDA_FUNCTION_HANDLER":     "bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME":        f.LogicalID,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "aws/lambda/" + f.LogicalID,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "$LATEST",
		"AWS_REGION":                      c.Region,
		"AWS_DEFAULT_REGION":              c.Region,
		"AWS_ACCESS_KEY_ID":               c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           c.SecretAccessKey,
		"AWS_ACCOUNT_ID":                  AccountID,
	}
	if c.SessionToken != "" {
		env["AWS_SESSION_TOKEN"] = c.SessionToken
	}
	if f.LogFormat != "" {
		env["AWS_LAMBDA_LOG_FORMAT"] = f.LogFormat
	}
	if f.LogLevel != "" {
		env["AWS_LAMBDA_LOG_LEVEL"] = f.LogLevel
	}
	for k, v := range f.Env {
		env[k] = v
	}
	return Function{Env: env}.Environ()
}
