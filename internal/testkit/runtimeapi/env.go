package runtimeapi

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// lambdaEnv is the environment Lambda gives a provided.al2023 function
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// then cfg.Env, then the Runtime API address, which nothing overrides.
func lambdaEnv(cfg Config, bootstrap, apiAddr string, now time.Time) []string {
	region := lookupEnv(cfg.Env, "AWS_REGION", "us-east-1")
	dir := filepath.Dir(bootstrap)
	stream := sha256.Sum256([]byte(apiAddr + now.String()))
	env := []string{
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + dir,
		"LAMBDA_RUNTIME_DIR=" + dir,
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_LAMBDA_FUNCTION_NAME=" + cfg.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(cfg.MemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + cfg.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + now.UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(stream[:16]),
	}
	env = append(env, cfg.Env...)
	return append(env, "AWS_LAMBDA_RUNTIME_API="+apiAddr)
}

// functionARN is the unqualified ARN Lambda sends in
// Lambda-Runtime-Invoked-Function-Arn.
func functionARN(cfg Config) string {
	return "arn:aws:lambda:" + lookupEnv(cfg.Env, "AWS_REGION", "us-east-1") + ":123456789012:function:" + cfg.FunctionName
}

// lookupEnv returns the last value of key in env (exec's rule), else def.
func lookupEnv(env []string, key, def string) string {
	v := def
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key && val != "" {
			v = val
		}
	}
	return v
}
