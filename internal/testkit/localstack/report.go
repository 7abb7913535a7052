package localstack

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// Report is what the demo did and what it left in the stack.
type Report struct {
	// MotoURL and AvePointURL are the services' URLs.
	MotoURL, AvePointURL string
	// Dir is the stack's directory (logs, env.json).
	Dir string
	// FirstRun and SecondRun are the refresher's results.
	FirstRun, SecondRun RefresherResult
	// Tokens are the stored tokens, read back from SSM.
	Tokens []Token
	// AuditStart is the audit pull's START_TIME; Audit its result.
	AuditStart time.Time
	Audit      AuditResult
	// Keys are the record objects' keys under Prefix in the bucket.
	Keys []string
	// Manifests are the keys of the windows' manifests (Prefix + "_manifests/").
	Manifests []string
	// Checkpoint is the stored checkpoint.
	Checkpoint checkpoint.Checkpoint
}

// Token is a refresher target's stored token, read back from SSM.
type Token struct {
	// Target is the refresher target that wrote it.
	Target Target
	// Type is the parameter's type (SecureString).
	Type  string
	Value paramstore.Value
	// Format is the stored value's format (json).
	Format paramstore.Format
}

// CheckpointKey is the audit pull's checkpoint object.
const CheckpointKey = Prefix + "_checkpoint.json"

// collect reads the tokens, the object keys and the checkpoint from the stack.
func (r *Report) collect(ctx context.Context, s *Stack) error {
	params := ssm.NewFromConfig(s.AWSConfig())
	for _, t := range s.Seeded.Targets {
		out, err := params.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(t.Parameter), WithDecryption: aws.Bool(true)})
		if err != nil {
			return fmt.Errorf("read token %s: %w", t.Parameter, err)
		}
		v, f, err := paramstore.Decode(aws.ToString(out.Parameter.Value))
		if err != nil {
			return fmt.Errorf("token %s: %w", t.Parameter, err)
		}
		r.Tokens = append(r.Tokens, Token{Target: t, Type: string(out.Parameter.Type), Value: v, Format: f})
	}
	c := s.S3()
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(Bucket), Prefix: aws.String(Prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", Bucket, Prefix, err)
		}
		for _, o := range page.Contents {
			switch k := aws.ToString(o.Key); {
			case strings.HasPrefix(k, Prefix+"_manifests/"):
				r.Manifests = append(r.Manifests, k)
			case k != CheckpointKey:
				r.Keys = append(r.Keys, k)
			}
		}
	}
	cp, found, err := (&checkpoint.Store{S3: c, Bucket: Bucket, Key: CheckpointKey}).Load(ctx)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("no checkpoint at s3://%s/%s", Bucket, CheckpointKey)
	}
	r.Checkpoint = cp
	return nil
}

// Print writes the summary for people.
func (r *Report) Print(w io.Writer) {
	now := time.Now()
	fmt.Fprintf(w, "\nTokens in SSM Parameter Store (from the local AvePoint at %s)\n", r.AvePointURL)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range r.Tokens {
		fmt.Fprintf(tw, "  %s\t%s\t%s %s\t%s, %s\texpires %s (in %s)\n",
			t.Target.Name, t.Target.Parameter, t.Type, t.Format, t.Target.AuthMethod, t.Target.Credential,
			t.Value.ExpiresAt.Format(time.RFC3339), t.Value.ExpiresAt.Sub(now).Round(time.Second))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nAudit records in s3://%s/%s\n", Bucket, Prefix)
	fmt.Fprintf(w, "  %d windows pulled from %s, %d records, %d objects, %d manifests, complete: %v\n",
		r.Audit.Windows, r.AuditStart.Format(time.RFC3339), r.Audit.Records, len(r.Keys), len(r.Manifests), r.Audit.Complete)
	const head = 3
	for i, k := range r.Keys {
		switch {
		case i < head || i == len(r.Keys)-1:
			fmt.Fprintf(w, "  %s\n", strings.TrimPrefix(k, Prefix))
		case i == head:
			fmt.Fprintf(w, "  ... %d more ...\n", len(r.Keys)-head-1)
		}
	}
	fmt.Fprintf(w, "  checkpoint %s: next_start_time %s (updated %s)\n",
		strings.TrimPrefix(CheckpointKey, Prefix), r.Checkpoint.NextStartTime.Format(time.RFC3339), r.Checkpoint.UpdatedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "\nFunction logs (JSON lines between the emulator's START, END and REPORT lines): %s/logs/refresher.log, %s/logs/auditpull.log\n\n", r.Dir, r.Dir)
}

// watchCheckpoint calls advanced with each new next_start_time it sees,
// polling until ctx ends.
func (s *Stack) watchCheckpoint(ctx context.Context, advanced func(time.Time)) {
	store := &checkpoint.Store{S3: s.S3(), Bucket: Bucket, Key: CheckpointKey}
	var last time.Time
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if cp, found, err := store.Load(ctx); err == nil && found && !cp.NextStartTime.Equal(last) {
			last = cp.NextStartTime
			advanced(last)
		}
	}
}

// dueWindows is how many windows a scheduled run at now pulls from start,
// with the stack's WINDOW and LAG.
func dueWindows(start, now time.Time) int {
	return len(window.Due(start, now, time.Hour, 5*time.Minute))
}
