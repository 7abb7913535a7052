// Package eventbus publishes the refresher's "Token Refreshed" events to an
// Amazon EventBridge bus (README: "Token Refreshed events"), so that
// consumers can react to a new token, for example by dropping a cached one,
// instead of waiting for a 401. The event carries the target, the parameter
// and the new expiry; never the token.
package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// EnvBusName is the refresher's environment variable naming the bus; when
// it is unset, no event is published.
const EnvBusName = "EVENT_BUS_NAME"

// The event's source and detail-type, which rules match.
const (
	Source            = "tokenrelay"
	DetailTypeRefresh = "Token Refreshed"
)

// PutEventsAPI sends events; *eventbridge.Client is one.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Refreshed is the detail of a Token Refreshed event.
type Refreshed struct {
	// Target is the target's name.
	Target string `json:"target"`
	// ParameterName is the SSM parameter holding the new token.
	ParameterName string `json:"parameter_name"`
	// ExpiresAt is the new token's expiry, RFC 3339 UTC.
	ExpiresAt time.Time `json:"expires_at"`
}

// Publisher puts events on one bus.
type Publisher struct {
	// API sends the events. Required.
	API PutEventsAPI
	// Bus is the event bus name or ARN; empty means the account's default
	// bus.
	Bus string
}

// TokenRefreshed publishes one Token Refreshed event. An entry EventBridge
// refuses is an error, as a failed call is.
func (p *Publisher) TokenRefreshed(ctx context.Context, e Refreshed) error {
	e.ExpiresAt = e.ExpiresAt.UTC().Truncate(time.Second)
	detail, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("eventbus: encode the event of %s: %w", e.Target, err)
	}
	entry := types.PutEventsRequestEntry{
		Source:     aws.String(Source),
		DetailType: aws.String(DetailTypeRefresh),
		Detail:     aws.String(string(detail)),
		Resources:  []string{},
	}
	if p.Bus != "" {
		entry.EventBusName = aws.String(p.Bus)
	}
	out, err := p.API.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{entry}})
	if err != nil {
		return fmt.Errorf("eventbus: put the event of %s on %s: %w", e.Target, p.busName(), err)
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 {
		r := out.Entries[0]
		return fmt.Errorf("eventbus: put the event of %s on %s: refused: %s: %s", e.Target, p.busName(), aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
	}
	return nil
}

func (p *Publisher) busName() string {
	if p.Bus == "" {
		return "default"
	}
	return p.Bus
}
