package samtemplate

import (
	"strings"
	"testing"
)

// checks are the template rules every version of template.yaml must pass.
var checks = []struct {
	name  string
	check func(map[string]any) []string
}{
	{"wildcard resources", checkWildcardResources},
	{"kms statements", checkKMSStatements},
	{"managed policies", checkManagedPolicies},
	{"buckets", checkBuckets},
	{"function log groups", checkFunctionLogGroups},
	{"functions", checkFunctions},
}

func TestTemplatePassesChecks(t *testing.T) {
	doc := loadTemplate(t)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.check(doc) {
				t.Errorf("template.yaml: %s", p)
			}
		})
	}
}

// goodFunction is a minimal function that passes checkFunctions and
// checkFunctionLogGroups; the bad cases below change one thing in it.
const goodFunction = `
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Architectures: [arm64]
    LoggingConfig:
      LogFormat: JSON
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      CodeUri: .
      LoggingConfig:
        LogGroup: !Ref Logs
`

// goodBucket passes checkBuckets.
const goodBucket = `
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: { SSEAlgorithm: AES256 }
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: s3:*
            Resource: [!GetAtt Bucket.Arn, !Sub "${Bucket.Arn}/*"]
            Condition:
              Bool: { aws:SecureTransport: "false" }
`

// role wraps policy statements (YAML list items indented for the slot) in
// an IAM role.
func role(statements string) string {
	return `
Parameters:
  SecretArns:
    Type: CommaDelimitedList
  Everything:
    Type: CommaDelimitedList
    Default: "arn:aws:secretsmanager:us-east-1:123456789012:secret:a,*"
Conditions:
  HasKey: !Equals [a, a]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
` + statements
}

func TestChecksCatchBadTemplates(t *testing.T) {
	tests := []struct {
		name  string
		check func(map[string]any) []string
		src   string
		want  []string // substrings, one per expected problem; none: passes
	}{
		// --- wildcard resources
		{"exact ARNs pass", checkWildcardResources, role(`
              - Effect: Allow
                Action: secretsmanager:GetSecretValue
                Resource: !Ref SecretArns
              - Effect: Allow
                Action: [ssm:GetParameter, ssm:PutParameter]
                Resource: !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${Prefix}*
              - Effect: Allow
                Action: s3:PutObject
                Resource: !Sub ${Bucket.Arn}/${Prefix}*
              - Effect: Allow
                Action: xray:PutTraceSegments
                Resource: "*"
              - Effect: Deny
                Action: s3:*
                Resource: "*"
`), nil},
		{"secretsmanager on *", checkWildcardResources, role(`
              - Effect: Allow
                Action: secretsmanager:GetSecretValue
                Resource: "*"
`), []string{`wildcard resource "*"`}},
		{"ssm on every parameter", checkWildcardResources, role(`
              - Effect: Allow
                Action: [ssm:GetParameter]
                Resource: !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*
`), []string{"parameter/*"}},
		{"ssm on any region", checkWildcardResources, role(`
              - Effect: Allow
                Action: ssm:GetParameter
                Resource: arn:aws:ssm:*:123456789012:parameter/tokens/x
`), []string{"wildcard resource"}},
		{"kms on every key in a list", checkWildcardResources, role(`
              - Effect: Allow
                Action: kms:Decrypt
                Resource: [arn:aws:kms:us-east-1:123456789012:key/abc, arn:aws:kms:us-east-1:123456789012:key/*]
`), []string{"key/*"}},
		{"s3 on every bucket", checkWildcardResources, role(`
              - Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::*/*
`), []string{"arn:aws:s3:::*/*"}},
		{"arn ending in :*", checkWildcardResources, role(`
              - Effect: Allow
                Action: secretsmanager:GetSecretValue
                Resource: !Sub arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*
`), []string{"secret:*"}},
		{"wildcard in an If branch", checkWildcardResources, role(`
              - Effect: Allow
                Action: kms:Decrypt
                Resource: !If [HasKey, !Ref Key, "*"]
`), []string{`wildcard resource "*"`}},
		{"wildcard hidden in a parameter default", checkWildcardResources, role(`
              - Effect: Allow
                Action: secretsmanager:GetSecretValue
                Resource: !Ref Everything
`), []string{`parameter Everything whose default "*"`}},
		{"action * on *", checkWildcardResources, role(`
              - Effect: Allow
                Action: "*"
                Resource: "*"
`), []string{"wildcard resource"}},
		{"service wildcard action on *", checkWildcardResources, role(`
              - Effect: Allow
                Action: s3:*
                Resource: "*"
`), []string{"[s3:*]"}},
		{"NotResource", checkWildcardResources, role(`
              - Effect: Allow
                Action: ssm:GetParameter
                NotResource: arn:aws:ssm:us-east-1:123456789012:parameter/x
`), []string{"NotResource"}},
		{"NotAction", checkWildcardResources, role(`
              - Effect: Allow
                NotAction: iam:*
                Resource: "*"
`), []string{"NotAction"}},
		{"no Resource", checkWildcardResources, role(`
              - Effect: Allow
                Action: ssm:GetParameter
`), []string{"without a Resource"}},
		{"SAM function inline policy", checkWildcardResources, `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:PutObject
              Resource: "*"
`, []string{"Resources.Fn.Properties.Policies[0].Statement[0]"}},

		// --- kms statements
		{"kms scoped and conditional passes", checkKMSStatements, role(`
              - !If
                - HasKey
                - Effect: Allow
                  Action: kms:Decrypt
                  Resource: !Ref Key
                  Condition:
                    StringEquals:
                      kms:ViaService: !Sub ssm.${AWS::Region}.amazonaws.com
                - !Ref AWS::NoValue
`), nil},
		{"kms unconditional", checkKMSStatements, role(`
              - Effect: Allow
                Action: kms:Decrypt
                Resource: !Ref Key
                Condition:
                  StringEquals:
                    kms:ViaService: ssm.us-east-1.amazonaws.com
`), []string{"granted unconditionally"}},
		{"kms without ViaService", checkKMSStatements, role(`
              - !If
                - HasKey
                - Effect: Allow
                  Action: [kms:Decrypt, kms:Encrypt]
                  Resource: !Ref Key
                - !Ref AWS::NoValue
`), []string{"without a kms:ViaService"}},
		{"kms via another service", checkKMSStatements, role(`
              - !If
                - HasKey
                - Effect: Allow
                  Action: kms:Decrypt
                  Resource: !Ref Key
                  Condition:
                    StringEquals:
                      kms:ViaService: [!Sub "ssm.${AWS::Region}.amazonaws.com", !Sub "ec2.${AWS::Region}.amazonaws.com"]
                - !Ref AWS::NoValue
`), []string{`"ec2.${AWS::Region}.amazonaws.com" is not ssm`}},

		// --- managed policies
		{"xray managed policy passes", checkManagedPolicies, `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess
`, nil},
		{"S3 full access on a role", checkManagedPolicies, `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3FullAccess]
`, []string{"AmazonS3FullAccess"}},
		{"SSM read-only on a SAM function", checkManagedPolicies, `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies: AmazonSSMReadOnlyAccess
`, []string{"AmazonSSMReadOnlyAccess"}},

		// --- buckets
		{"good bucket passes", checkBuckets, goodBucket, nil},
		{"public access partly blocked", checkBuckets,
			strings.Replace(goodBucket, "RestrictPublicBuckets: true", "RestrictPublicBuckets: false", 1),
			[]string{"RestrictPublicBuckets is not true"}},
		{"no public access block", checkBuckets,
			strings.Replace(goodBucket, "PublicAccessBlockConfiguration:", "Unrelated:", 1),
			[]string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"}},
		{"not encrypted", checkBuckets,
			strings.Replace(goodBucket, "BucketEncryption:", "Unrelated:", 1),
			[]string{"no BucketEncryption"}},
		{"no bucket policy", checkBuckets,
			goodBucket[:strings.Index(goodBucket, "  Policy:")],
			[]string{"no bucket policy denying aws:SecureTransport"}},
		{"policy allows instead of denies", checkBuckets,
			strings.Replace(goodBucket, "Effect: Deny", "Effect: Allow", 1),
			[]string{"no bucket policy denying"}},
		{"policy denies TLS instead", checkBuckets,
			strings.Replace(goodBucket, `aws:SecureTransport: "false"`, `aws:SecureTransport: "true"`, 1),
			[]string{"no bucket policy denying"}},
		{"policy misses the objects", checkBuckets,
			strings.Replace(goodBucket, `, !Sub "${Bucket.Arn}/*"`, "", 1),
			[]string{"no bucket policy denying"}},
		{"policy on another bucket", checkBuckets,
			strings.Replace(goodBucket, "Bucket: !Ref Bucket", "Bucket: !Ref Other", 1),
			[]string{"no bucket policy denying"}},

		// --- log groups
		{"log group with retention passes", checkFunctionLogGroups, goodFunction, nil},
		{"log group named after the function passes", checkFunctionLogGroups, `
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Fn}
      RetentionInDays: 7
  Fn:
    Type: AWS::Serverless::Function
`, nil},
		{"no log group", checkFunctionLogGroups,
			strings.Replace(goodFunction, "LogGroup: !Ref Logs", "LogFormat: JSON", 1),
			[]string{"Resources.Fn: no explicit log group"}},
		{"log group without retention", checkFunctionLogGroups,
			strings.Replace(goodFunction, "RetentionInDays: 30", "LogGroupClass: STANDARD", 1),
			[]string{"has no RetentionInDays"}},
		{"log group is not a log group", checkFunctionLogGroups,
			strings.Replace(goodFunction, "LogGroup: !Ref Logs", "LogGroup: !Ref Missing", 1),
			[]string{"Missing is not an AWS::Logs::LogGroup"}},
		{"plain Lambda function without log group", checkFunctionLogGroups, `
Resources:
  Fn:
    Type: AWS::Lambda::Function
`, []string{"no explicit log group"}},

		// --- functions
		{"good function passes", checkFunctions, goodFunction, nil},
		{"function overrides the runtime", checkFunctions,
			strings.Replace(goodFunction, "CodeUri: .", "CodeUri: .\n      Runtime: go1.x", 1),
			[]string{"Runtime = go1.x"}},
		{"x86_64", checkFunctions,
			strings.Replace(goodFunction, "Architectures: [arm64]", "Architectures: [x86_64]", 1),
			[]string{"Architectures = [x86_64]"}},
		{"both architectures", checkFunctions,
			strings.Replace(goodFunction, "CodeUri: .", "CodeUri: .\n      Architectures: [x86_64]", 1),
			[]string{"Architectures = [arm64 x86_64]"}},
		{"other handler", checkFunctions,
			strings.Replace(goodFunction, "Handler: bootstrap", "Handler: main", 1),
			[]string{"Handler = main"}},
		{"no makefile build", checkFunctions,
			strings.Replace(goodFunction, "BuildMethod: makefile", "BuildMethod: go1.x", 1),
			[]string{"Metadata.BuildMethod = go1.x"}},
		{"CodeUri a subdirectory", checkFunctions,
			strings.Replace(goodFunction, "CodeUri: .", "CodeUri: functions/refresher", 1),
			[]string{"CodeUri = functions/refresher"}},
		{"text logs", checkFunctions,
			strings.Replace(goodFunction, "LogFormat: JSON", "LogFormat: Text", 1),
			[]string{"LogFormat = Text"}},
		{"plain Lambda function", checkFunctions, `
Resources:
  Fn:
    Type: AWS::Lambda::Function
`, []string{"want AWS::Serverless::Function"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check(mustParse(t, tt.src))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems %q; want %d matching %q", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("got problem %q; want one containing %q", got[i], w)
				}
			}
		})
	}
}
