package faultsuite

import (
	"encoding/json"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/refreshtest"
)

// The credentials every test uses. The client secret holds the characters that form and Basic
// encodings change, so that an encoded leak is caught as well as a verbatim one.
const (
	clientID     = "faultsuite-app"
	clientSecret = "Fs-s3cr3t+v4lue=%:/x9QmZ7kLrT2w"
)

// newKeypair makes the RSA key, certificate and PFX of a private_key_jwt client and registers
// all of them (both PEM forms, the PFX and its password) with the sweep.
func newKeypair(t testing.TB) *refreshtest.Keypair {
	kp := refreshtest.NewKeypair(t, "faultsuite")
	for _, s := range kp.Sensitive() {
		secrets.add("keypair", s)
	}
	return kp
}

// secretJSON renders a SecretString.
func secretJSON(fields map[string]string) string {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func clientSecretJSON() string { return refreshtest.SecretString(clientID, clientSecret) }
