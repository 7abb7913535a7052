package refresh

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// fxNow is the fixed clock of the unit tests.
var fxNow = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)

// loaderFn is a ConfigLoader.
type loaderFn func(ctx context.Context) (*targets.Document, error)

func (f loaderFn) Load(ctx context.Context) (*targets.Document, error) { return f(ctx) }

// staticConfig parses doc once per Load, as the real loader does.
func staticConfig(t testing.TB, doc string) loaderFn {
	t.Helper()
	if _, err := targets.Parse([]byte(doc)); err != nil {
		t.Fatalf("targets.Parse: %v", err)
	}
	return func(context.Context) (*targets.Document, error) { return targets.Parse([]byte(doc)) }
}

// credsFn is a CredentialsGetter.
type credsFn func(ctx context.Context, secretID string) (credentials.Credentials, error)

func (f credsFn) Get(ctx context.Context, id string) (credentials.Credentials, error) {
	return f(ctx, id)
}

// secretCreds answers every secret id with a client secret derived from it.
func secretCreds(_ context.Context, id string) (credentials.Credentials, error) {
	return credentials.Credentials{ClientID: "id-" + id, ClientSecret: "secret-" + id}, nil
}

// tokensFn is a TokenClient.
type tokensFn func(ctx context.Context, r oauth.Request) (*oauth.Token, error)

func (f tokensFn) Token(ctx context.Context, r oauth.Request) (*oauth.Token, error) { return f(ctx, r) }

// issue answers every request with a token living an hour.
func issue(_ context.Context, r oauth.Request) (*oauth.Token, error) {
	return &oauth.Token{AccessToken: "tok-" + r.ClientID, TokenType: "Bearer", Scope: r.Scope, IssuedAt: fxNow, Expiry: fxNow.Add(time.Hour)}, nil
}

// discoveryFn is a Discoverer.
type discoveryFn func(ctx context.Context, issuer string) (string, error)

func (f discoveryFn) TokenEndpoint(ctx context.Context, issuer string) (string, error) {
	return f(ctx, issuer)
}

// memStore is an in-memory ParameterStore.
type memStore struct {
	mu     sync.Mutex
	values map[string]string
	puts   map[string]int
	kms    map[string]string
	// GetFn and PutFn, when set, answer instead of the map.
	GetFn func(name string) (string, bool, error)
	PutFn func(name, value string) error
}

func newStore(values map[string]string) *memStore {
	if values == nil {
		values = map[string]string{}
	}
	return &memStore{values: values, puts: map[string]int{}, kms: map[string]string{}}
}

func (s *memStore) Get(_ context.Context, name string) (string, bool, error) {
	if s.GetFn != nil {
		return s.GetFn(name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[name]
	return v, ok, nil
}

func (s *memStore) Put(_ context.Context, name, value, kmsKeyID string) error {
	if s.PutFn != nil {
		if err := s.PutFn(name, value); err != nil {
			return err
		}
	}
	if _, err := paramstore.Tier(value); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[name] = value
	s.puts[name]++
	s.kms[name] = kmsKeyID
	return nil
}

func (s *memStore) get(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[name]
}

// newRefresher wires fakes around doc; tests replace fields as they need.
func newRefresher(t testing.TB, doc string, store *memStore) *Refresher {
	t.Helper()
	return &Refresher{
		Config:      staticConfig(t, doc),
		Credentials: credsFn(secretCreds),
		Discovery:   discoveryFn(func(_ context.Context, issuer string) (string, error) { return issuer + "/connect/token", nil }),
		Tokens:      tokensFn(issue),
		Store:       store,
		Now:         func() time.Time { return fxNow },
	}
}

// jsonValue is a stored JSON value expiring at exp with scope.
func jsonValue(exp time.Time, scope string) string {
	v, err := paramstore.Encode(paramstore.Value{AccessToken: "old", TokenType: "Bearer", ExpiresAt: exp, IssuedAt: exp.Add(-time.Hour), Scope: scope}, paramstore.FormatJSON)
	if err != nil {
		panic(err)
	}
	return v
}

// unsignedJWT is a JWT-shaped token with an exp claim.
func unsignedJWT(exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(fmt.Appendf(nil, `{"sub":"x","exp":%d}`, exp.Unix())) + ".c2ln"
}

// assertJSON compares got, marshalled, with the JSON text want.
func assertJSON(t testing.TB, got any, want string) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	assertJSONBytes(t, b, want)
}

func assertJSONBytes(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got %s; want %s", got, want)
	}
}

// runPayload decodes payload as Handle does and runs the event, so that a
// bad event is an error with a nil Result.
func runPayload(ctx context.Context, r *Refresher, payload string) (*Result, error) {
	ev, err := ParseEvent([]byte(payload))
	if err != nil {
		return nil, err
	}
	return r.Run(ctx, ev)
}
