// Package samtemplate holds the tests that guard the project's AWS SAM
// application, template.yaml at the module root, against the mistakes that
// matter for a service holding credentials and tokens: a wildcard resource on
// Secrets Manager, SSM, KMS or S3 actions; KMS use outside SSM, Secrets Manager
// or S3; a bucket open to the public, unencrypted, or reachable without TLS; a
// function without a log group that expires its logs; a function that `sam
// build` cannot build for provided.al2023 on arm64. They also run cfn-lint
// (https://github.com/aws-cloudformation/cfn-lint) on the template and check
// that the files in events/ match it.
//
// The checks read the template as CloudFormation does, short tags included
// (!Ref, !Sub, !GetAtt, !If, ...; see
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html),
// and each is a function of the parsed document, tested on small bad snippets
// so that a check that stops catching its mistake fails too.
package samtemplate
