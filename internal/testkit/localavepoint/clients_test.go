package localavepoint

import (
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
)

func TestParseClients(t *testing.T) {
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: appKey().cert.Raw}))
	doc, _ := json.Marshal(map[string]any{"clients": []map[string]any{
		{"client_id": "a", "client_secret": testSecret, "scopes": []string{AuditScope}},
		{"client_id": "b", "certificate": certPEM, "scopes": []string{AuditScope}},
	}})
	got, err := ParseClients(doc)
	if err != nil {
		t.Fatalf("ParseClients: %v", err)
	}
	if len(got) != 2 || got[0].Secret != testSecret || got[1].Certificate == nil || !got[1].Certificate.Equal(appKey().cert) {
		t.Errorf("got %+v; want a secret client and a certificate client", got)
	}
}

func TestParseClientsErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not JSON", `{`, "clients"},
		{"unknown field", `{"clients":[{"client_id":"a","client_secret":"` + testSecret + `","secret":"x"}]}`, "unknown field"},
		{"no id", `{"clients":[{"client_secret":"` + testSecret + `"}]}`, "client_id is missing"},
		{"no credential", `{"clients":[{"client_id":"a"}]}`, "needs client_secret or certificate"},
		{"bad certificate", `{"clients":[{"client_id":"a","client_secret":"` + testSecret + `","certificate":"nope"}]}`, "client a: certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseClients([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v; want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}
