package faultsuite

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/testkit/rie"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// badEndpoints is one token endpoint per failure, by path. /echo repeats the request's form,
// client secret included, in its error description, as a careless server would.
func badEndpoints(t *testing.T, good http.HandlerFunc) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/good", good)
	mux.HandleFunc("/html", status(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"))
	mux.HandleFunc("/throttled", status(429, "application/json", `{"error":"slow_down"}`, "Retry-After", "300"))
	mux.HandleFunc("/no-token", status(200, "application/json", `{"token_type":"Bearer","expires_in":3600}`))
	mux.HandleFunc("/invalid-client", status(401, "application/json", `{"error":"invalid_client"}`))
	mux.HandleFunc("/negative", func(w http.ResponseWriter, r *http.Request) {
		tok := "negative-expiry-token-" + randHex(12)
		secrets.addToken(tok)
		status(200, "application/json", fmt.Sprintf(`{"access_token":%q,"expires_in":-1}`, tok))(w, r)
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		tok := "huge-response-token-" + randHex(12)
		secrets.addToken(tok)
		status(200, "application/json", fmt.Sprintf(`{"access_token":%q,"pad":"%s"}`, tok, strings.Repeat("y", 3<<20)))(w, r)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/good", http.StatusFound)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		status(400, "application/json", fmt.Sprintf(`{"error":"invalid_request","error_description":"got %s"}`, r.PostForm.Encode()))(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// refresherBootstrap runs the built refresher binary, as Lambda runs it, with one target per
// token-endpoint failure plus a missing discovery document and a missing secret, and one good
// target: the good one is written, every bad one fails naming itself, every bad one's stored
// token is intact, and nothing secret is in the binary's output, its error or its result.
func refresherBootstrap(t *testing.T, e *awsEnv) {
	e.fresh()
	w := newWitness(t)
	rig := newTokenRig(t, e)
	bad := badEndpoints(t, rig.idp.good)
	port, err := testenv.FreePort() // nothing listens there: connection refused
	if err != nil {
		t.Fatal(err)
	}
	down := "http://127.0.0.1:" + strconv.Itoa(port)

	type target struct{ name, where, secret string }
	targets := []target{{"good", `"token_url":"` + bad.URL + `/good"`, rig.secretID}}
	for _, p := range []string{"html", "throttled", "no-token", "invalid-client", "negative", "huge", "redirect", "echo"} {
		targets = append(targets, target{p, `"token_url":"` + bad.URL + "/" + p + `"`, rig.secretID})
	}
	targets = append(targets,
		target{"down", `"token_url":"` + down + `/connect/token"`, rig.secretID},
		target{"discovery-down", `"issuer":"` + down + `"`, rig.secretID},
		target{"no-secret", `"token_url":"` + bad.URL + `/good"`, "faultsuite/absent-" + randHex(4)},
	)
	var docs []string
	stored := map[string]string{}
	for _, tg := range targets {
		param := "/tokens/proc-" + tg.name + "-" + randHex(3)
		rig.param = param
		rig.storeOld(t)
		stored[tg.name] = rig.stored
		docs = append(docs, fmt.Sprintf(`{"name":%q,%s,"secret_id":%q,"auth_method":"client_secret_post","scope":"audit.read.all","parameter_name":%q}`,
			tg.name, tg.where, tg.secret, param))
		stored[tg.name+"@"] = param
	}
	bootstrap := testenv.GoBuild(t, "./functions/refresher", t.TempDir())
	rt := rie.StartTest(t, rie.Config{
		Bootstrap: bootstrap, FunctionName: "refresher", Timeout: 30 * time.Second, MemoryMB: 128, Output: w,
		Env: append(testenv.AWSEnv(e.proxy.URL()), "AWS_LAMBDA_LOG_LEVEL=DEBUG",
			`REFRESHER_CONFIG={"targets":[`+strings.Join(docs, ",")+`]}`),
	})
	start := time.Now()
	res := rt.InvokeTest(t, `{"force":true}`)
	took := time.Since(start)
	w.note(res.Payload)
	if res.Error == nil {
		t.Fatalf("got result %s; want the invocation to fail naming the bad targets", res.Payload)
	}
	w.note(res.Error.ErrorMessage, res.Error.ErrorType, string(res.Error.StackTrace))
	t.Logf("took %v; error: %s", took, res.Error.ErrorMessage)
	for _, tg := range targets {
		got := e.getParam(t, stored[tg.name+"@"])
		if tg.name == "good" {
			if got == stored[tg.name] {
				t.Errorf("target good: stored token not replaced")
			}
			continue
		}
		if !strings.Contains(res.Error.ErrorMessage, `"`+tg.name+`"`) {
			t.Errorf("error does not name target %q", tg.name)
		}
		if got != stored[tg.name] {
			t.Errorf("target %s: stored token changed after a failure", tg.name)
		}
	}
	if took > 30*time.Second {
		t.Errorf("took %v; want within the 30s timeout", took)
	}
}
