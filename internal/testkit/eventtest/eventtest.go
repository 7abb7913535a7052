// Package eventtest reads back the EventBridge events a test published on
// moto_server: a rule on the bus forwards them to an SQS queue the test
// receives from (README: "Token Refreshed events").
package eventtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Event is an EventBridge event as a target receives it.
type Event struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
}

// Queue is an SQS queue receiving the tokenrelay events of one bus.
type Queue struct {
	sqs *sqs.Client
	url string
	// Raw are the message bodies received so far.
	Raw []string
}

// Listen creates bus (unless it is empty: the default bus), a queue and a
// rule sending every event of source tokenrelay on the bus to the queue.
func Listen(t testing.TB, cfg aws.Config, bus string) *Queue {
	t.Helper()
	ctx := context.Background()
	eb, sq := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	name := "events-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	if bus != "" {
		if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
			t.Fatalf("eventtest: create bus %s: %v", bus, err)
		}
	}
	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("eventtest: create queue: %v", err)
	}
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("eventtest: queue ARN: %v", err)
	}
	rule := &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{"source":["tokenrelay"]}`)}
	targets := &eventbridge.PutTargetsInput{Rule: aws.String(name),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])}}}
	if bus != "" {
		rule.EventBusName, targets.EventBusName = aws.String(bus), aws.String(bus)
	}
	if _, err := eb.PutRule(ctx, rule); err != nil {
		t.Fatalf("eventtest: put rule: %v", err)
	}
	if _, err := eb.PutTargets(ctx, targets); err != nil {
		t.Fatalf("eventtest: put targets: %v", err)
	}
	return &Queue{sqs: sq, url: aws.ToString(q.QueueUrl)}
}

// Receive waits up to ten seconds for n events, fails t when fewer arrive
// or the bodies are not events, and returns them.
func (q *Queue) Receive(t testing.TB, n int) []Event {
	t.Helper()
	var events []Event
	deadline := time.Now().Add(10 * time.Second)
	for len(events) < n && time.Now().Before(deadline) {
		out, err := q.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.url),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatalf("eventtest: receive: %v", err)
		}
		for _, m := range out.Messages {
			body := aws.ToString(m.Body)
			q.Raw = append(q.Raw, body)
			var e Event
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("eventtest: message %q is not an event: %v", body, err)
			}
			events = append(events, e)
		}
	}
	if len(events) < n {
		t.Fatalf("eventtest: got %d events in 10s; want %d", len(events), n)
	}
	return events
}
