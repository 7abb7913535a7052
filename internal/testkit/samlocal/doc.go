// Package samlocal resolves a function of template.yaml into the settings
// `sam local invoke` runs it with: its Timeout and MemorySize (the
// function's own, else Globals.Function's, else Lambda's 3 s and 128 MB),
// and its environment (Globals.Function.Environment.Variables merged with the
// function's own), with the intrinsic functions SAM CLI resolves locally
// (Ref to parameters, pseudo parameters and resources, Fn::If and the
// conditions, Fn::Sub, Fn::Join) evaluated against the parameters' defaults
// and `--parameter-overrides`.
//
// The environment follows SAM CLI's documented rules
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-invoke.html,
// "Environment variable file"): only variables the template declares reach
// the function; a value comes, from the highest priority down, from the
// `--env-vars` file (the function's own block, keyed by its logical id, over
// the "Parameters" block that applies to every function), from the shell
// environment, or from the template; a value that is an unresolved
// intrinsic becomes "", true and false become "true" and "false". Where SAM
// CLI silently ignores an `--env-vars` entry that cannot apply (a variable no
// function declares, a block naming no function), Resolve refuses the file
// with a one-line error saying how to fix it, so that the same file works
// with the real `sam local invoke --env-vars` and does what it says.
package samlocal
