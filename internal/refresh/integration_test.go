package refresh_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/refresh"
	"github.com/tokenrelay/tokenrelay/internal/retry"
	"github.com/tokenrelay/tokenrelay/internal/targets"
	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// wire builds a Refresher as functions/refresher does, with the real SDK
// clients of aws, the configuration read from configParameter, and logs
// written to logs.
func wire(aws *refreshtest.AWS, configParameter string, logs *testenv.Buffer) *refresh.Refresher {
	httpClient := httpclient.New(5 * time.Second)
	fast := retry.Policy{Attempts: 2, Base: 10 * time.Millisecond}
	return &refresh.Refresher{
		Config: targets.Loader{SSM: aws.SSM, Getenv: func(k string) string {
			if k == targets.EnvParameter {
				return configParameter
			}
			return ""
		}},
		Credentials: credentials.Source{API: aws.Secrets},
		Discovery:   &oauth.Discovery{HTTP: httpClient, Retry: fast},
		Tokens:      &oauth.Client{HTTP: httpClient, Retry: fast},
		Store:       paramstore.Store{SSM: aws.SSM},
		Logger:      testenv.Logger(logs),
	}
}

// invoke runs h as Lambda would and returns the payload and the error text.
func invoke(t *testing.T, h lambda.Handler, event string) ([]byte, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-" + t.Name()})
	out, err := h.Invoke(ctx, []byte(event))
	if err != nil {
		return out, err.Error()
	}
	return out, ""
}

// TestAgainstMoto runs the refresher with the real SDK clients against
// moto_server, a local AvePoint and faulty endpoints: secrets in the three
// formats, the configuration in an SSM parameter, SecureString values in the
// tier their size needs; a second run skips without a token request; force
// refreshes; each failing target leaves its old value intact, the others
// are written and the invocation fails naming the failed ones; nothing
// secret reaches the logs, errors or results.
func TestAgainstMoto(t *testing.T) {
	w := refreshtest.NewWorld(t)
	logs := &testenv.Buffer{}
	r := wire(w.AWS, refreshtest.ConfigParameter, logs)
	h := lambda.NewHandler(r.Handle)
	var texts []string
	var sensitive []string

	// First run: the good targets are written, the failing ones fail.
	out, errText := invoke(t, h, `{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-22T07:45:00Z","region":"us-east-1","resources":[],"detail":{}}`)
	texts = append(texts, string(out), errText)
	for _, name := range refreshtest.FailingOrder {
		if !strings.Contains(errText, name) {
			t.Errorf("invocation error %q does not name failed target %s", errText, name)
		}
	}
	for _, name := range refreshtest.Good {
		if strings.Contains(errText, `"`+name+`"`) {
			t.Errorf("invocation error names target %s, which succeeded", name)
		}
	}
	// aws-lambda-go returns the error alone: the result is in the log.
	res := refreshtest.LastResult(t, logs.String())
	refreshtest.CheckResult(t, res, refreshtest.Good, []string{}, true)
	w.CheckOldIntact(t)
	first := map[string]paramstore.Value{}
	for _, name := range refreshtest.Good {
		p, ok := w.AWS.Parameter(t, "/tokens/"+name)
		if !ok {
			t.Fatalf("target %s: nothing stored", name)
		}
		wantTier := types.ParameterTierStandard
		if name == "long" {
			wantTier = types.ParameterTierAdvanced
		}
		if p.Type != types.ParameterTypeSecureString || p.Tier != wantTier {
			t.Errorf("target %s: got %s in tier %s; want SecureString in %s", name, p.Type, p.Tier, wantTier)
		}
		v, format, err := paramstore.Decode(p.Value)
		if err != nil || format != paramstore.FormatJSON || v.AccessToken == "" || v.TokenType != "Bearer" {
			t.Fatalf("target %s: stored %v (%s, %v); want a JSON value", name, v, format, err)
		}
		if life := v.ExpiresAt.Sub(v.IssuedAt); life < 59*time.Minute || life > 61*time.Minute {
			t.Errorf("target %s: stored lifetime %v; want 1h", name, life)
		}
		if name != "long" && v.Scope != "audit.read.all" {
			t.Errorf("target %s: stored scope %q; want audit.read.all", name, v.Scope)
		}
		first[name] = v
	}
	if got := w.AvePoint.Stats().TokenRequests; got["client_secret_post"] != 1 || got["private_key_jwt"] != 2 {
		t.Errorf("got AvePoint token requests %v; want 1 client_secret_post, 2 private_key_jwt", got)
	}
	sensitive = append(sensitive, w.Sensitive(t)...)

	// Second run: the good targets are fresh, no token request is made for
	// them; the failing ones are tried again.
	before := w.AvePoint.Stats().TokenRequests
	faultsBefore := w.Faults.Requests()
	out, errText = invoke(t, h, `{}`)
	texts = append(texts, string(out), errText)
	refreshtest.CheckResult(t, refreshtest.LastResult(t, logs.String()), []string{}, refreshtest.Good, true)
	after := w.AvePoint.Stats().TokenRequests
	if after["client_secret_post"] != before["client_secret_post"] || after["private_key_jwt"] != before["private_key_jwt"] {
		t.Errorf("second run asked AvePoint for tokens (%v, then %v); want none", before, after)
	}
	// long skipped; huge, refused, html and echo asked (bad-secret,
	// insecure and bad-pfx fail before any request).
	if got := w.Faults.Requests() - faultsBefore; got != 4 {
		t.Errorf("second run made %d requests to the faulty endpoints; want 4 (huge, refused, html, echo)", got)
	}

	// Force the good ones: new tokens, new versions.
	out, errText = invoke(t, h, `{"force":true,"targets":["aos-secret","aos-pem","aos-pfx","long"]}`)
	texts = append(texts, string(out), errText)
	if errText != "" {
		t.Fatalf("forced run failed: %s", errText)
	}
	refreshtest.CheckResult(t, out, refreshtest.Good, []string{}, false)
	for _, name := range refreshtest.Good {
		p, _ := w.AWS.Parameter(t, "/tokens/"+name)
		v, _, _ := paramstore.Decode(p.Value)
		if v.AccessToken == first[name].AccessToken || p.Version != 2 {
			t.Errorf("target %s: forced run left token and version %d; want a new token, version 2", name, p.Version)
		}
	}
	sensitive = append(sensitive, w.Sensitive(t)...)
	w.CheckOldIntact(t)

	// An invalid configuration fails the whole invocation; nothing is written.
	w.AWS.PutParameter(t, refreshtest.ConfigParameter, strings.Replace(w.Doc(), w.Faults.URL+"/long", "http://idp.example.com/long", 1))
	out, errText = invoke(t, h, `{"force":true}`)
	texts = append(texts, string(out), errText)
	if !strings.Contains(errText, `target "long": token_url`) || !strings.Contains(errText, "SSM parameter "+refreshtest.ConfigParameter) {
		t.Errorf("got error %q; want the bad field of target long and the configuration's source named", errText)
	}
	for _, name := range refreshtest.Good {
		if p, _ := w.AWS.Parameter(t, "/tokens/"+name); p.Version != 2 {
			t.Errorf("target %s written (version %d) under an invalid configuration", name, p.Version)
		}
	}
	w.CheckOldIntact(t)

	texts = append(texts, logs.String())
	for i, text := range texts {
		refreshtest.AssertNoSecrets(t, "text "+string(rune('A'+i)), text, sensitive)
	}
	if !strings.Contains(logs.String(), `"requestId":"req-TestAgainstMoto"`) {
		t.Error("log records carry no requestId")
	}
}
