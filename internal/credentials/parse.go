package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
)

// Field names of the secret's JSON object.
const (
	fieldClientID     = "client_id"
	fieldClientSecret = "client_secret"
	fieldPrivateKey   = "private_key"
	fieldCertificate  = "certificate"
	fieldPFX          = "pfx"
	fieldPFXPassword  = "pfx_password"
)

// Parse reads the credentials in a secret's SecretString. Its errors are
// *FieldError values naming secretID and the field, never a value.
func Parse(secretID, secretString string) (Credentials, error) {
	fail := func(field, reason string) (Credentials, error) {
		return Credentials{}, &FieldError{SecretID: secretID, Field: field, Reason: reason}
	}
	// encoding/json's messages quote input characters and values; only the
	// offset of a syntax error is kept.
	if err := json.Unmarshal([]byte(secretString), new(json.RawMessage)); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fail("", "SecretString is not valid JSON (syntax error at offset "+strconv.FormatInt(syntax.Offset, 10)+")")
		}
		return fail("", "SecretString is not valid JSON")
	}
	trimmed := bytes.TrimSpace([]byte(secretString))
	if trimmed[0] != '{' {
		return fail("", "SecretString must be a JSON object, not "+canonjson.Kind(trimmed))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return fail("", "SecretString must be a JSON object")
	}

	fields := map[string]string{}
	for _, name := range []string{fieldClientID, fieldClientSecret, fieldPrivateKey, fieldCertificate, fieldPFX, fieldPFXPassword} {
		raw, ok := obj[name]
		if !ok {
			continue
		}
		v, ok := stringValue(raw)
		if !ok {
			return fail(name, "must be a string, not "+canonjson.Kind(raw))
		}
		fields[name] = v
	}

	c := Credentials{ClientID: fields[fieldClientID]}
	if c.ClientID == "" {
		return fail(fieldClientID, "required")
	}
	var set []string
	for _, name := range []string{fieldClientSecret, fieldPrivateKey, fieldPFX} {
		if fields[name] != "" {
			set = append(set, name)
		}
	}
	switch len(set) {
	case 0:
		return fail("", "one of client_secret, private_key or pfx is required")
	case 1:
	default:
		return fail("", strings.Join(set, " and ")+" are set: set exactly one of client_secret, private_key or pfx")
	}
	if fields[fieldCertificate] != "" && set[0] != fieldPrivateKey {
		return fail(fieldCertificate, "only used with private_key (a pfx holds its own certificate)")
	}

	switch set[0] {
	case fieldClientSecret:
		c.ClientSecret = fields[fieldClientSecret]
	case fieldPrivateKey:
		key, reason := parsePrivateKeyPEM(fields[fieldPrivateKey])
		if reason != "" {
			return fail(fieldPrivateKey, reason)
		}
		c.PrivateKey = key
		if pemText := fields[fieldCertificate]; pemText != "" {
			cert, reason := parseCertificatePEM(pemText, &key.PublicKey)
			if reason != "" {
				return fail(fieldCertificate, reason)
			}
			c.Certificate = cert
		}
	case fieldPFX:
		key, cert, field, reason := parsePFX(fields[fieldPFX], fields[fieldPFXPassword])
		if reason != "" {
			return fail(field, reason)
		}
		c.PrivateKey, c.Certificate = key, cert
	}
	return c, nil
}

// stringValue decodes a JSON string; null counts as an empty string; false
// for any other type.
func stringValue(raw json.RawMessage) (string, bool) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return "", true
	}
	return canonjson.String(raw)
}
