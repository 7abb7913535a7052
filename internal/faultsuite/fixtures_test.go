package faultsuite

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"sync"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// The credentials every test uses. The client secret holds the characters that form and Basic
// encodings change, so that an encoded leak is caught as well as a verbatim one.
const (
	clientID     = "faultsuite-app"
	clientSecret = "Fs-s3cr3t+v4lue=%:/x9QmZ7kLrT2w"
	pfxPassword  = "Pfx-p4ss+w0rd=%:kX81"
)

// keys is the RSA key, its certificate and their encodings, made once per test binary.
type keys struct {
	key     *rsa.PrivateKey
	cert    *x509.Certificate
	keyPEM  string // PKCS#8
	certPEM string
	pfxB64  string
}

var (
	keysOnce sync.Once
	theKeys  keys
)

func fixtureKeys() keys {
	keysOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "faultsuite"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		p8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			panic(err)
		}
		pfx, err := pkcs12.Modern.Encode(key, cert, nil, pfxPassword)
		if err != nil {
			panic(err)
		}
		theKeys = keys{
			key:     key,
			cert:    cert,
			keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})),
			certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
			pfxB64:  base64.StdEncoding.EncodeToString(pfx),
		}
		secrets.addKey(theKeys.keyPEM)
		secrets.addChunks(theKeys.pfxB64)
		// PKCS#1 is what a leak of the key through another encoding would show.
		secrets.addKey(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	})
	return theKeys
}

// secretJSON renders a SecretString.
func secretJSON(fields map[string]string) string {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func clientSecretJSON() string {
	return secretJSON(map[string]string{"client_id": clientID, "client_secret": clientSecret})
}

func pemSecretJSON() string {
	k := fixtureKeys()
	return secretJSON(map[string]string{"client_id": clientID, "private_key": k.keyPEM, "certificate": k.certPEM})
}

func pfxSecretJSON() string {
	k := fixtureKeys()
	return secretJSON(map[string]string{"client_id": clientID, "pfx": k.pfxB64, "pfx_password": pfxPassword})
}
