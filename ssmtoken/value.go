package ssmtoken

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"
)

// value is a decoded parameter value.
type value struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// decode reads either stored format: a JSON object with access_token, or
// the access token alone, whose expiry is its JWT exp when it has one (zero
// otherwise). Errors never include the value.
func decode(s string) (value, error) {
	b := bytes.TrimSpace([]byte(s))
	if len(b) == 0 {
		return value{}, errors.New("the stored value is empty")
	}
	var v value
	if b[0] == '{' {
		if err := json.Unmarshal(b, &v); err != nil {
			return value{}, errors.New("the stored value is a malformed JSON token document")
		}
		if v.AccessToken == "" {
			return value{}, errors.New("the stored JSON value has no access_token")
		}
	} else {
		v.AccessToken = string(b)
		v.ExpiresAt, _ = jwtExpiry(v.AccessToken)
	}
	if v.TokenType == "" {
		v.TokenType = "Bearer"
	}
	return v, nil
}

// jwtExpiry returns the exp claim of token when it is a JWT, unverified:
// verifying it is the resource server's job, the expiry only says when to
// read the parameter again.
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil || *claims.Exp <= 0 || *claims.Exp > math.MaxInt32*4 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(*claims.Exp)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}
