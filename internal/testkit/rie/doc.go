// Package rie runs a built Lambda bootstrap under AWS's Lambda Runtime
// Interface Emulator (github.com/aws/aws-lambda-runtime-interface-emulator,
// the aws-lambda-rie program inside every Lambda base image, which `sam
// local invoke` runs in its container), without Docker: the emulator is a
// Go tool dependency of this module (go.mod's tool directive), built once
// through the module proxy and Go's build cache (`go tool -n aws-lambda-rie`).
//
// Start runs the emulator on free 127.0.0.1 ports with the function's
// environment, timeout and memory size; Invoke POSTs an event to
// /2015-03-31/functions/function/invocations, as `sam local invoke` does,
// and reads what the emulator answers: the result, a function error
// (errorType, errorMessage), an init failure the function posted to
// /runtime/init/error (Runtime.InitError), a runtime that exited
// (Runtime.ExitError), or a timeout ("Task timed out after N.00 seconds").
// The emulator starts the bootstrap at the first invocation, keeps it warm
// for the next ones and starts a fresh one after a timeout or an exit.
//
// What the emulator does not do, this package adds: the bootstrap's process
// id (to kill it, as the fault suite does) and its peak resident set, read
// from /proc (VmHWM) while it runs, for the memory benchmark. The emulator
// reports Max Memory Used as the memory size and enforces no memory limit.
package rie
