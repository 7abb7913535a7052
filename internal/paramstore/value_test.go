package paramstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenrelay/tokenrelay/internal/paramstore"
)

func TestEncodeJSON(t *testing.T) {
	v := paramstore.Value{
		AccessToken: "tok<&>",
		TokenType:   "Bearer",
		ExpiresAt:   time.Date(2026, 11, 22, 9, 0, 0, 999, time.FixedZone("CET", 3600)),
		IssuedAt:    time.Date(2026, 11, 22, 7, 0, 0, 5e8, time.UTC),
		Scope:       "audit.read.all",
	}
	got, err := paramstore.Encode(v, paramstore.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"access_token":"tok<&>","token_type":"Bearer","expires_at":"2026-11-22T08:00:00Z","issued_at":"2026-11-22T07:00:00Z","scope":"audit.read.all"}`
	if got != want {
		t.Errorf("got Encode = %s; want %s", got, want)
	}
	v.Scope = ""
	got, _ = paramstore.Encode(v, "")
	if strings.Contains(got, "scope") {
		t.Errorf("got Encode = %s; want no scope member when the scope is empty", got)
	}
}

func TestEncodeRaw(t *testing.T) {
	got, err := paramstore.Encode(paramstore.Value{AccessToken: "abc", TokenType: "Bearer"}, paramstore.FormatRaw)
	if err != nil || got != "abc" {
		t.Errorf("got Encode raw = %q, %v; want %q", got, err, "abc")
	}
	if _, err := paramstore.Encode(paramstore.Value{}, paramstore.FormatRaw); err == nil {
		t.Error("got no error encoding an empty token; want one")
	}
	if _, err := paramstore.Encode(paramstore.Value{AccessToken: "x"}, "yaml"); err == nil {
		t.Error("got no error for an unknown format; want one")
	}
}

func signed(t *testing.T, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(exp)}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecode(t *testing.T) {
	exp := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	jwtTok := signed(t, exp)
	tests := []struct {
		name       string
		in         string
		wantFormat paramstore.Format
		wantExp    time.Time
		wantType   string
		wantErr    bool
	}{
		{"json", `{"access_token":"a","token_type":"bearer","expires_at":"2026-11-22T08:00:00Z","issued_at":"2026-11-22T07:00:00Z"}`, paramstore.FormatJSON, exp, "bearer", false},
		{"json without token_type", `{"access_token":"a","expires_at":"2026-11-22T08:00:00Z"}`, paramstore.FormatJSON, exp, "Bearer", false},
		{"raw jwt", jwtTok, paramstore.FormatRaw, exp, "Bearer", false},
		{"raw opaque", "opaque-token", paramstore.FormatRaw, time.Time{}, "Bearer", false},
		{"json without access_token", `{"token_type":"Bearer"}`, paramstore.FormatJSON, time.Time{}, "", true},
		{"malformed json", `{"access_token":"secret-value",`, paramstore.FormatJSON, time.Time{}, "", true},
		{"empty", "  ", paramstore.FormatRaw, time.Time{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, f, err := paramstore.Decode(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v; want error %v", err, tt.wantErr)
			}
			if f != tt.wantFormat {
				t.Errorf("got format %q; want %q", f, tt.wantFormat)
			}
			if err != nil {
				if strings.Contains(err.Error(), "secret-value") {
					t.Errorf("got error %q; it repeats the stored value", err)
				}
				return
			}
			if !v.ExpiresAt.Equal(tt.wantExp) || v.TokenType != tt.wantType {
				t.Errorf("got expires_at %v, token_type %q; want %v, %q", v.ExpiresAt, v.TokenType, tt.wantExp, tt.wantType)
			}
		})
	}
}

func TestValueNeverPrintsToken(t *testing.T) {
	v := paramstore.Value{AccessToken: "the-token", TokenType: "Bearer"}
	for _, s := range []string{v.String(), v.GoString(), v.LogValue().String()} {
		if strings.Contains(s, "the-token") {
			t.Errorf("got %q; want the access token redacted", s)
		}
	}
}

func TestTier(t *testing.T) {
	tests := []struct {
		size    int
		want    types.ParameterTier
		wantErr bool
	}{
		{1, types.ParameterTierStandard, false},
		{paramstore.StandardLimit, types.ParameterTierStandard, false},
		{paramstore.StandardLimit + 1, types.ParameterTierAdvanced, false},
		{paramstore.AdvancedLimit, types.ParameterTierAdvanced, false},
		{paramstore.AdvancedLimit + 1, "", true},
	}
	for _, tt := range tests {
		got, err := paramstore.Tier(strings.Repeat("x", tt.size))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("got Tier(%d bytes) = %q, %v; want %q, error %v", tt.size, got, err, tt.want, tt.wantErr)
		}
	}
}
