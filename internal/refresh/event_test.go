package refresh

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// selectionDoc has plain targets, an instance group, and two plain targets
// whose dotted names share a prefix, "bkp", that names no target nor group.
const selectionDoc = `{"targets":[
	{"name":"aos","secret_id":"s1","token_url":"https://idp.example.com/token","parameter_name":"/aos"},
	{"name":"acronis","instances":["eu8","us5"],"secret_id":"acr/{instance}","token_url":"https://{instance}.example.com/bc/idp/token","parameter_name":"/acr/{instance}"},
	{"name":"virtana","secret_id":"s3","token_url":"https://v.example.com/token","parameter_name":"/virtana"},
	{"name":"bkp.audit","secret_id":"s4","token_url":"https://b.example.com/token","parameter_name":"/bkp/audit"},
	{"name":"bkp.backup","secret_id":"s5","token_url":"https://b.example.com/token","parameter_name":"/bkp/backup"}]}`

func TestSelection(t *testing.T) {
	t.Parallel()
	scheduled, err := os.ReadFile(filepath.Join("..", "..", "events", "refresher-scheduled.json"))
	if err != nil {
		t.Fatal(err)
	}
	all := `{"refreshed":["aos","acronis.eu8","acronis.us5","virtana","bkp.audit","bkp.backup"],"skipped":[],"failed":[]}`
	tests := []struct {
		name, event, want, wantErr string
	}{
		{name: "scheduled event", event: string(scheduled), want: all},
		{name: "empty payload", event: "", want: all},
		{name: "null", event: "null", want: all},
		{name: "empty object", event: "{}", want: all},
		{name: "force alone", event: `{"force":true}`, want: all},
		{name: "one target", event: `{"targets":["virtana"]}`, want: `{"refreshed":["virtana"],"skipped":[],"failed":[]}`},
		{name: "config order kept", event: `{"targets":["virtana","aos"]}`, want: `{"refreshed":["aos","virtana"],"skipped":[],"failed":[]}`},
		{name: "duplicates once", event: `{"targets":["aos","aos"]}`, want: `{"refreshed":["aos"],"skipped":[],"failed":[]}`},
		{name: "one instance", event: `{"targets":["acronis.us5"]}`, want: `{"refreshed":["acronis.us5"],"skipped":[],"failed":[]}`},
		{name: "instance group", event: `{"targets":["acronis"]}`, want: `{"refreshed":["acronis.eu8","acronis.us5"],"skipped":[],"failed":[]}`},
		{name: "unknown targets named", event: `{"targets":["aos","nope","acr"]}`, wantErr: `refresh: invalid event: unknown target "nope", "acr"`},
		{name: "prefix of plain dotted targets", event: `{"targets":["bkp"]}`, wantErr: `refresh: invalid event: unknown target "bkp"`},
		{name: "prefix of an instance name", event: `{"targets":["acronis.us"]}`, wantErr: `refresh: invalid event: unknown target "acronis.us"`},
		{name: "plain dotted target", event: `{"targets":["bkp.audit"]}`, want: `{"refreshed":["bkp.audit"],"skipped":[],"failed":[]}`},
		{name: "typo target", event: `{"target":["aos"]}`, wantErr: `refresh: invalid event: unknown field "target"`},
		{name: "typo force", event: `{"forse":true}`, wantErr: `refresh: invalid event: unknown field "forse"`},
		{name: "targets not a list", event: `{"targets":"aos"}`, wantErr: `refresh: invalid event: "targets" must be a list of target names`},
		{name: "target not a string", event: `{"targets":[1]}`, wantErr: `refresh: invalid event: "targets" must be a list of target names`},
		{name: "force not a bool", event: `{"force":"yes"}`, wantErr: `refresh: invalid event: "force" must be true or false`},
		{name: "empty targets", event: `{"targets":[]}`, wantErr: `refresh: invalid event: "targets" is empty`},
		{name: "not an object", event: `["aos"]`, wantErr: `refresh: invalid event: not a JSON object`},
		{name: "not JSON", event: `aos`, wantErr: `refresh: invalid event: not a JSON object`},
		{name: "two objects", event: `{} {}`, wantErr: `refresh: invalid event: not a JSON object`},
		{name: "other EventBridge event", event: `{"source":"aws.s3","detail-type":"Object Created","detail":{}}`, wantErr: `"detail-type": "Scheduled Event"`},
		{name: "scheduled event with targets", event: `{"source":"aws.events","detail-type":"Scheduled Event","targets":["aos"]}`, wantErr: `unknown field "targets" in an EventBridge event`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newStore(nil)
			res, err := runPayload(context.Background(), newRefresher(t, selectionDoc, store), tt.event)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v; want one containing %q", err, tt.wantErr)
				}
				if res != nil || len(store.puts) != 0 {
					t.Errorf("got result %v and %d puts for a bad event; want none", res, len(store.puts))
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			assertJSON(t, res, tt.want)
		})
	}
}
