package eventbus_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/tokenrelay/tokenrelay/internal/eventbus"
	"github.com/tokenrelay/tokenrelay/internal/testkit/eventtest"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// TestAgainstMoto publishes through the real SDK client to moto's
// EventBridge, where a rule on the bus forwards the event to an SQS queue,
// and reads it back.
func TestAgainstMoto(t *testing.T) {
	cfg := testenv.AWSConfig(t, testenv.Moto(t))
	for _, bus := range []string{"", "tokenrelay-bus"} {
		t.Run("bus "+bus, func(t *testing.T) {
			q := eventtest.Listen(t, cfg, bus)
			p := &eventbus.Publisher{API: eventbridge.NewFromConfig(cfg), Bus: bus}
			exp := time.Date(2026, 11, 22, 8, 0, 0, 999, time.FixedZone("CET", 3600))
			if err := p.TokenRefreshed(context.Background(), eventbus.Refreshed{Target: "aos-audit", ParameterName: "/tokens/aos-audit", ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			events := q.Receive(t, 1)
			e := events[0]
			if e.Source != "tokenrelay" || e.DetailType != "Token Refreshed" {
				t.Errorf("got source %q, detail-type %q; want tokenrelay, Token Refreshed", e.Source, e.DetailType)
			}
			var detail map[string]any
			if err := json.Unmarshal(e.Detail, &detail); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"target": "aos-audit", "parameter_name": "/tokens/aos-audit", "expires_at": "2026-11-22T07:00:00Z"}
			if len(detail) != len(want) {
				t.Errorf("got detail %v; want %v", detail, want)
			}
			for k, v := range want {
				if detail[k] != v {
					t.Errorf("got detail %s = %v; want %v", k, detail[k], v)
				}
			}
		})
	}
	t.Run("missing bus", func(t *testing.T) {
		p := &eventbus.Publisher{API: eventbridge.NewFromConfig(cfg), Bus: "no-such-bus"}
		err := p.TokenRefreshed(context.Background(), eventbus.Refreshed{Target: "a", ParameterName: "/t/a", ExpiresAt: time.Now()})
		if err == nil || !strings.Contains(err.Error(), "no-such-bus") {
			t.Errorf("got %v; want an error naming the bus", err)
		}
	})
}

// refusing is an EventBridge that accepts the call and refuses the entry.
type refusing struct{}

func (refusing) PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	return &eventbridge.PutEventsOutput{FailedEntryCount: 1, Entries: []ebtypes.PutEventsResultEntry{
		{ErrorCode: aws.String("AccessDeniedException"), ErrorMessage: aws.String("not authorized")}}}, nil
}

func TestRefusedEntry(t *testing.T) {
	err := (&eventbus.Publisher{API: refusing{}}).TokenRefreshed(context.Background(), eventbus.Refreshed{Target: "a"})
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), "default") {
		t.Errorf("got %v; want the refusal, naming the default bus", err)
	}
}
