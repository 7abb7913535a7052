package samtemplate

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// checkBuckets requires every S3 bucket to block all public access, to be
// encrypted, and to have a bucket policy denying requests without TLS
// (aws:SecureTransport false) on the bucket and its objects.
func checkBuckets(doc map[string]any) []string {
	var problems []string
	res := resources(doc)
	names := make([]string, 0, len(res))
	for name := range res {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if resourceType(res[name]) != "AWS::S3::Bucket" {
			continue
		}
		props := properties(res[name])
		pab := mapAt(props, "PublicAccessBlockConfiguration")
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if !isTrue(pab[k]) {
				problems = append(problems, fmt.Sprintf("Resources.%s: PublicAccessBlockConfiguration.%s is not true", name, k))
			}
		}
		if len(asList(mapAt(props, "BucketEncryption")["ServerSideEncryptionConfiguration"])) == 0 {
			problems = append(problems, fmt.Sprintf("Resources.%s: no BucketEncryption", name))
		}
		if !hasTLSOnlyPolicy(doc, name) {
			problems = append(problems, fmt.Sprintf("Resources.%s: no bucket policy denying aws:SecureTransport false on the bucket and its objects", name))
		}
	}
	return problems
}

func hasTLSOnlyPolicy(doc map[string]any, bucket string) bool {
	for _, res := range resources(doc) {
		if resourceType(res) != "AWS::S3::BucketPolicy" {
			continue
		}
		props := properties(res)
		if name, _ := refName(props["Bucket"]); name != bucket {
			continue
		}
		for _, v := range asList(mapAt(props, "PolicyDocument")["Statement"]) {
			st, ok := v.(map[string]any)
			if !ok || !isDeny(st) || !isEveryone(st["Principal"]) {
				continue
			}
			if !isFalse(mapAt(st, "Condition", "Bool")["aws:SecureTransport"]) {
				continue
			}
			if !slices.ContainsFunc(literals(st["Action"]), func(a string) bool { return a == "s3:*" || a == "*" }) {
				continue
			}
			var onBucket, onObjects bool
			for _, r := range literals(st["Resource"]) {
				if !strings.Contains(r, "${"+bucket+".Arn}") && !strings.Contains(r, "${"+bucket+"}") && !strings.Contains(r, "${Ref:"+bucket+"}") {
					continue
				}
				if strings.HasSuffix(r, "/*") {
					onObjects = true
				} else {
					onBucket = true
				}
			}
			if onBucket && onObjects {
				return true
			}
		}
	}
	return false
}

func isEveryone(p any) bool {
	if s, ok := p.(string); ok {
		return s == "*"
	}
	m, _ := p.(map[string]any)
	return slices.Contains(literals(m["AWS"]), "*")
}

// serverlessFunctionProps returns a SAM function's properties with the
// template's Globals.Function applied the way SAM applies them: maps merged
// key by key, lists appended, scalars overridden by the function.
func serverlessFunctionProps(doc map[string]any, res any) map[string]any {
	merged, _ := mergeGlobals(mapAt(doc, "Globals", "Function"), properties(res)).(map[string]any)
	return merged
}

func mergeGlobals(global, local any) any {
	gm, gok := global.(map[string]any)
	lm, lok := local.(map[string]any)
	if gok && lok && !isIntrinsicString(lm) {
		out := make(map[string]any, len(gm)+len(lm))
		for k, v := range gm {
			out[k] = v
		}
		for k, v := range lm {
			out[k] = mergeGlobals(gm[k], v)
		}
		return out
	}
	gl, gok := global.([]any)
	ll, lok := local.([]any)
	if gok && lok {
		return append(append([]any{}, gl...), ll...)
	}
	if local == nil {
		return global
	}
	return local
}

// functionNames returns the logical ids of the template's functions, sorted.
func functionNames(doc map[string]any) []string {
	var names []string
	for name, res := range resources(doc) {
		switch resourceType(res) {
		case "AWS::Serverless::Function", "AWS::Lambda::Function":
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func functionProps(doc map[string]any, name string) map[string]any {
	res := resources(doc)[name]
	if resourceType(res) == "AWS::Serverless::Function" {
		return serverlessFunctionProps(doc, res)
	}
	return properties(res)
}

// checkFunctionLogGroups requires every function to log to a log group the
// template declares with RetentionInDays: the one LoggingConfig.LogGroup
// refers to, or one named /aws/lambda/${Function}.
func checkFunctionLogGroups(doc map[string]any) []string {
	var problems []string
	res := resources(doc)
	for _, fn := range functionNames(doc) {
		group := ""
		if name, ok := refName(mapAt(functionProps(doc, fn), "LoggingConfig")["LogGroup"]); ok {
			group = name
		} else {
			for name, r := range res {
				if resourceType(r) != "AWS::Logs::LogGroup" {
					continue
				}
				if s, _ := subTemplate(properties(r)["LogGroupName"]); s == "/aws/lambda/${"+fn+"}" {
					group = name
				}
			}
		}
		switch {
		case group == "":
			problems = append(problems, fmt.Sprintf("Resources.%s: no explicit log group (LoggingConfig.LogGroup: !Ref a AWS::Logs::LogGroup)", fn))
		case resourceType(res[group]) != "AWS::Logs::LogGroup":
			problems = append(problems, fmt.Sprintf("Resources.%s: log group %s is not an AWS::Logs::LogGroup of this template", fn, group))
		case properties(res[group])["RetentionInDays"] == nil:
			problems = append(problems, fmt.Sprintf("Resources.%s: log group %s has no RetentionInDays", fn, group))
		}
	}
	return problems
}

// checkFunctions requires what `sam build` and the runtime need for our Go
// binaries: provided.al2023, handler bootstrap, arm64, CodeUri "." built by
// the Makefile, and JSON logs.
func checkFunctions(doc map[string]any) []string {
	var problems []string
	res := resources(doc)
	for _, fn := range functionNames(doc) {
		if resourceType(res[fn]) != "AWS::Serverless::Function" {
			problems = append(problems, fmt.Sprintf("Resources.%s: %s; want AWS::Serverless::Function built by the Makefile", fn, resourceType(res[fn])))
			continue
		}
		props := functionProps(doc, fn)
		want := func(what string, got, want any) {
			if fmt.Sprint(got) != fmt.Sprint(want) {
				problems = append(problems, fmt.Sprintf("Resources.%s: got %s = %v; want %v", fn, what, got, want))
			}
		}
		want("Runtime", props["Runtime"], "provided.al2023")
		want("Handler", props["Handler"], "bootstrap")
		want("Architectures", props["Architectures"], []any{"arm64"})
		want("CodeUri", props["CodeUri"], ".")
		want("Metadata.BuildMethod", mapAt(res[fn], "Metadata")["BuildMethod"], "makefile")
		want("LoggingConfig.LogFormat", mapAt(props, "LoggingConfig")["LogFormat"], "JSON")
	}
	return problems
}
