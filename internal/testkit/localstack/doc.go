// Package localstack runs the project's local stack: moto_server standing in
// for AWS (Secrets Manager, SSM Parameter Store, S3) and the local AvePoint
// (internal/testkit/localavepoint, its identity service and audit API), both on free
// 127.0.0.1 ports, and the two functions' bootstrap binaries under AWS's
// Lambda Runtime Interface Emulator (internal/testkit/rie) with the timeout,
// memory size and environment template.yaml gives them
// (internal/testkit/samlocal), as `sam local invoke` runs them, or through
// `sam local invoke` itself where SAM CLI and a Docker engine are present.
//
// The stack is described by a directory, by default .demo/ at the module
// root: stack.json records each service's URL and process (so that `stop`,
// in another process, stops exactly what `start` started), env.json holds
// each function's environment in the format of `sam local invoke --env-vars`,
// and the services' and functions' logs sit beside them.
//
// scripts/stack drives the stack step by step (start, seed, invoke, stop);
// scripts/demo, behind `make demo`, and this package's end-to-end test run the
// whole path with Demo.
package localstack
