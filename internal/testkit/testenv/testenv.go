// Package testenv starts the real services the integration tests run
// against: moto_server for AWS (the one launcher, which localstack uses too),
// and finds node for the oidc-provider interop test. A missing tool fails the
// test with the command that installs it; it is never a skip, so CI cannot
// pass without running these tests. It also holds what tests share: free
// ports, a concurrency-safe output buffer and a recorder of retry waits.
package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region every test client and child process uses.
const Region = "us-east-1"

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testenv: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// AWSConfig returns an SDK configuration for the emulator at endpoint:
// static test credentials, Region, and the endpoint set the standard way.
func AWSConfig(t testing.TB, endpoint string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		config.WithBaseEndpoint(endpoint),
	)
	if err != nil {
		t.Fatalf("testenv: load AWS config: %v", err)
	}
	return cfg
}

// AWSEnv returns the environment a child process needs to reach the emulator
// at endpoint through the SDK's standard settings.
func AWSEnv(endpoint string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Node returns the path of a node binary of version 20 or later, or fails
// the test with how to install one.
func Node(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found on PATH: install Node.js 20 or later (e.g. apt-get install nodejs npm)")
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("testenv: node --version: %v", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if major < 20 {
		t.Fatalf("node %s found; the interop test needs Node.js 20 or later", v)
	}
	return bin
}

// GoBuild builds the main package pkg (an import path or ./relative path
// from the module root) into dir as a Lambda-style binary and returns its
// path. Tests use it to run the real bootstrap through the Runtime API.
func GoBuild(t testing.TB, pkg, dir string) string {
	t.Helper()
	root := ModuleRoot(t)
	out := dir + "/bootstrap"
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// ModuleRoot returns the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("testenv: go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatalf("testenv: not inside the module")
	}
	return strings.TrimSuffix(mod, "/go.mod")
}
