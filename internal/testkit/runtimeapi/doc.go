// Package runtimeapi runs a built Lambda `bootstrap` locally the way AWS
// Lambda runs a custom runtime (provided.al2023): it serves the Lambda
// Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)
// on a loopback port, starts the process with AWS_LAMBDA_RUNTIME_API and the
// standard Lambda environment, and hands it one invocation at a time.
//
// What it reproduces: GET /2018-06-01/runtime/invocation/next blocking until
// an invocation is queued, with the Lambda-Runtime-Aws-Request-Id,
// Lambda-Runtime-Deadline-Ms, Lambda-Runtime-Invoked-Function-Arn and
// Lambda-Runtime-Trace-Id headers; POST .../invocation/{id}/response and
// .../invocation/{id}/error; POST /2018-06-01/runtime/init/error; several
// invocations per process (warm starts); the function timeout, enforced by
// SIGKILL, after which the next invocation starts a fresh process (cold
// start); the memory size, enforced on the process's resident set; the 6 MB
// payload limits. The official emulator needs Docker; this needs nothing.
//
// Each process gets its own listener, so a killed process's connections can
// never take an invocation meant for its successor.
package runtimeapi
