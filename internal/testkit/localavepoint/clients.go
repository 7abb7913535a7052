package localavepoint

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParseClients reads app registrations from JSON:
//
//	{"clients": [{"client_id": "…", "client_secret": "…",
//	              "certificate": "<PEM>", "scopes": ["audit.read.all"]}]}
//
// Each client needs client_secret, certificate or both. Errors name the
// client and the field, never a secret.
func ParseClients(data []byte) ([]Client, error) {
	var doc struct {
		Clients []struct {
			ClientID     string   `json:"client_id"`
			ClientSecret string   `json:"client_secret"`
			Certificate  string   `json:"certificate"`
			Scopes       []string `json:"scopes"`
		} `json:"clients"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("localavepoint: clients: %w", err)
	}
	out := make([]Client, 0, len(doc.Clients))
	for i, c := range doc.Clients {
		if c.ClientID == "" {
			return nil, fmt.Errorf("localavepoint: clients[%d]: client_id is missing", i)
		}
		if c.ClientSecret == "" && c.Certificate == "" {
			return nil, fmt.Errorf("localavepoint: client %s: needs client_secret or certificate", c.ClientID)
		}
		client := Client{ID: c.ClientID, Secret: c.ClientSecret, Scopes: c.Scopes}
		if c.Certificate != "" {
			cert, err := parseCertificate(c.Certificate)
			if err != nil {
				return nil, fmt.Errorf("localavepoint: client %s: certificate: %w", c.ClientID, err)
			}
			client.Certificate = cert
		}
		out = append(out, client)
	}
	return out, nil
}

func parseCertificate(p string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM CERTIFICATE block")
	}
	return x509.ParseCertificate(block.Bytes)
}
