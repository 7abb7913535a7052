package refresh

import (
	"context"
	"log/slog"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/credentials"
	"github.com/tokenrelay/tokenrelay/internal/metrics"
	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/targets"
)

// ConfigLoader reads the configuration document; targets.Loader is one.
type ConfigLoader interface {
	Load(ctx context.Context) (*targets.Document, error)
}

// CredentialsGetter reads a target's client credentials; credentials.Source
// is one.
type CredentialsGetter interface {
	Get(ctx context.Context, secretID string) (credentials.Credentials, error)
}

// TokenClient obtains an access token; *oauth.Client is one.
type TokenClient interface {
	Token(ctx context.Context, r oauth.Request) (*oauth.Token, error)
}

// Discoverer finds an issuer's token endpoint; *oauth.Discovery is one.
type Discoverer interface {
	TokenEndpoint(ctx context.Context, issuer string) (string, error)
}

// ParameterStore reads and writes the token parameters; paramstore.Store is
// one.
type ParameterStore interface {
	Get(ctx context.Context, name string) (value string, found bool, err error)
	Put(ctx context.Context, name, value, kmsKeyID string) error
}

// Refresher keeps the configured targets' tokens fresh. Config, Credentials,
// Tokens and Store are required; the other fields have usable zero values.
type Refresher struct {
	// Config loads the configuration at every invocation.
	Config ConfigLoader
	// Credentials reads the secrets.
	Credentials CredentialsGetter
	// Discovery resolves the token endpoint of targets configured with an
	// issuer; nil makes such targets fail.
	Discovery Discoverer
	// Tokens requests the tokens.
	Tokens TokenClient
	// Store reads and writes the token parameters.
	Store ParameterStore
	// Now is the clock freshness is judged by; nil means time.Now.
	Now func() time.Time
	// Concurrency is the most targets refreshed at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Logger receives one record per target and a summary per run; nil
	// discards them.
	Logger *slog.Logger
	// Metrics receives one embedded-metric-format line per target and run
	// (README: "Metrics and alarms"); nil writes none.
	Metrics *metrics.Writer
	// FunctionName is the metrics' FunctionName dimension, the function's
	// own name (AWS_LAMBDA_FUNCTION_NAME), so that the alarms of two stacks
	// in one account and Region watch their own targets; "" leaves it out.
	FunctionName string
	// Events publishes a Token Refreshed event per refreshed target
	// (README: "Token Refreshed events"); nil publishes none.
	Events EventPublisher
}

func (r *Refresher) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Refresher) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Refresher) concurrency() int {
	if r.Concurrency > 0 {
		return r.Concurrency
	}
	return DefaultConcurrency
}
