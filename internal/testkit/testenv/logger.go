package testenv

import (
	"context"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Logger returns a logger that writes what the functions' logger
// (lambdacontext.NewLogger with AWS_LAMBDA_LOG_FORMAT=JSON, as the template
// and the Runtime API harness set) writes, at DEBUG, to w instead of stdout:
// JSON lines with Lambda's key names and the invocation's requestId. The
// library's handler always writes to os.Stdout and reads its settings when
// the process starts, so tests that capture logs use this one.
func Logger(w io.Writer) *slog.Logger {
	return slog.New(requestID{slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       slog.LevelDebug,
		ReplaceAttr: lambdacontext.ReplaceAttr,
	})})
}

// requestID adds the invocation's request id to every record, as
// lambdacontext's handler does.
type requestID struct{ slog.Handler }

func (h requestID) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestID) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestID{h.Handler.WithAttrs(attrs)}
}

func (h requestID) WithGroup(name string) slog.Handler {
	return requestID{h.Handler.WithGroup(name)}
}
