package checkpoint_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tokenrelay/tokenrelay/internal/checkpoint"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

const bucket = "audit"

var t0 = time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC)

// motoS3 starts one moto_server with the test bucket and returns a client for it.
func motoS3(t *testing.T) *s3.Client {
	t.Helper()
	cfg := testenv.AWSConfig(t, testenv.Moto(t))
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.DisableLogOutputChecksumValidationSkipped = true // moto returns no checksums
	})
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return client
}

// newStore returns a Store on a key named after the test, with a fixed clock.
func newStore(client *s3.Client, key string) *checkpoint.Store {
	return &checkpoint.Store{S3: client, Bucket: bucket, Key: key, Now: func() time.Time {
		return time.Date(2024, 10, 10, 9, 7, 12, 345, time.FixedZone("CEST", 2*3600))
	}}
}

func keyFor(t *testing.T) string {
	return strings.ReplaceAll(t.Name(), "/", "-") + "_checkpoint.json"
}

func getRaw(t *testing.T, client *s3.Client, key string) string {
	t.Helper()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return string(b)
}

func putRaw(t *testing.T, client *s3.Client, key, body string) {
	t.Helper()
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body),
	}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// stored loads the checkpoint with a fresh Store.
func stored(t *testing.T, client *s3.Client, key string) time.Time {
	t.Helper()
	cp, found, err := newStore(client, key).Load(context.Background())
	if err != nil || !found {
		t.Fatalf("got Load() found=%v, err=%v; want a checkpoint", found, err)
	}
	return cp.NextStartTime
}

func assertAhead(t *testing.T, err error, storedAt, wanted time.Time) {
	t.Helper()
	var ahead *checkpoint.AheadError
	if !errors.As(err, &ahead) {
		t.Fatalf("got error %v; want *AheadError", err)
	}
	if !ahead.Stored.Equal(storedAt) || !ahead.Wanted.Equal(wanted) {
		t.Errorf("got AheadError{Stored: %s, Wanted: %s}; want {%s, %s}", ahead.Stored, ahead.Wanted, storedAt, wanted)
	}
}

func TestStoreS3(t *testing.T) {
	client := motoS3(t)
	ctx := context.Background()

	t.Run("load missing", func(t *testing.T) {
		cp, found, err := newStore(client, keyFor(t)).Load(ctx)
		if err != nil || found || !cp.NextStartTime.IsZero() {
			t.Errorf("got Load() = %+v, %v, %v; want zero, false, nil", cp, found, err)
		}
	})

	t.Run("advance creates, then advances", func(t *testing.T) {
		key := keyFor(t)
		s := newStore(client, key)
		if _, _, err := s.Load(ctx); err != nil {
			t.Fatalf("Load: %v", err)
		}
		if err := s.Advance(ctx, t0.In(time.FixedZone("EST", -5*3600))); err != nil {
			t.Fatalf("Advance (create): %v", err)
		}
		want := `{"next_start_time":"2024-10-10T08:00:00Z","updated_at":"2024-10-10T07:07:12Z"}`
		if got := getRaw(t, client, key); got != want {
			t.Errorf("got stored %s; want %s", got, want)
		}
		if err := s.Advance(ctx, t0.Add(time.Hour)); err != nil {
			t.Fatalf("Advance (again): %v", err)
		}
		if err := s.Advance(ctx, t0.Add(time.Hour)); err != nil {
			t.Fatalf("Advance (same time): %v", err)
		}
		cp, found, err := newStore(client, key).Load(ctx)
		if err != nil || !found {
			t.Fatalf("got Load() found=%v, err=%v; want found", found, err)
		}
		if want := t0.Add(time.Hour); !cp.NextStartTime.Equal(want) || cp.NextStartTime.Location() != time.UTC {
			t.Errorf("got next_start_time %s; want %s UTC", cp.NextStartTime, want)
		}
		if want := time.Date(2024, 10, 10, 7, 7, 12, 0, time.UTC); !cp.UpdatedAt.Equal(want) {
			t.Errorf("got updated_at %s; want %s", cp.UpdatedAt, want)
		}
	})

	t.Run("advance without load over an existing checkpoint", func(t *testing.T) {
		key := keyFor(t)
		if err := newStore(client, key).Advance(ctx, t0); err != nil {
			t.Fatalf("Advance: %v", err)
		}
		// A Store that never loaded writes If-None-Match: *, loses, re-reads and wins on the ETag.
		if err := newStore(client, key).Advance(ctx, t0.Add(time.Hour)); err != nil {
			t.Fatalf("Advance: %v", err)
		}
		if got, want := stored(t, client, key), t0.Add(time.Hour); !got.Equal(want) {
			t.Errorf("got stored %s; want %s", got, want)
		}
	})

	t.Run("another writer ahead", func(t *testing.T) {
		key := keyFor(t)
		a, b := newStore(client, key), newStore(client, key)
		b.Now = func() time.Time { return time.Date(2024, 10, 10, 7, 9, 0, 0, time.UTC) }
		if err := a.Advance(ctx, t0); err != nil {
			t.Fatalf("a.Advance: %v", err)
		}
		if _, _, err := b.Load(ctx); err != nil {
			t.Fatalf("b.Load: %v", err)
		}
		if err := b.Advance(ctx, t0.Add(2*time.Hour)); err != nil {
			t.Fatalf("b.Advance: %v", err)
		}
		// a's ETag is stale: its write is refused, and the re-read finds b at or past a's time.
		assertAhead(t, a.Advance(ctx, t0.Add(2*time.Hour)), t0.Add(2*time.Hour), t0.Add(2*time.Hour))
		// Having re-read, a refuses an earlier time without writing.
		assertAhead(t, a.Advance(ctx, t0.Add(time.Hour)), t0.Add(2*time.Hour), t0.Add(time.Hour))
		if got, want := stored(t, client, key), t0.Add(2*time.Hour); !got.Equal(want) {
			t.Errorf("got stored %s; want %s (unchanged)", got, want)
		}
		// Having seen the later checkpoint, a carries on from there.
		if err := a.Advance(ctx, t0.Add(3*time.Hour)); err != nil {
			t.Fatalf("a.Advance past b: %v", err)
		}
		if got, want := stored(t, client, key), t0.Add(3*time.Hour); !got.Equal(want) {
			t.Errorf("got stored %s; want %s", got, want)
		}
	})

	t.Run("another writer behind", func(t *testing.T) {
		key := keyFor(t)
		a, b := newStore(client, key), newStore(client, key)
		if err := a.Advance(ctx, t0); err != nil {
			t.Fatalf("a.Advance: %v", err)
		}
		if _, _, err := b.Load(ctx); err != nil {
			t.Fatalf("b.Load: %v", err)
		}
		if err := b.Advance(ctx, t0.Add(time.Hour)); err != nil {
			t.Fatalf("b.Advance: %v", err)
		}
		// a's ETag is stale: its write is refused, it re-reads t0+1h < t0+2h and writes again.
		if err := a.Advance(ctx, t0.Add(2*time.Hour)); err != nil {
			t.Fatalf("a.Advance: %v", err)
		}
		if got, want := stored(t, client, key), t0.Add(2*time.Hour); !got.Equal(want) {
			t.Errorf("got stored %s; want %s", got, want)
		}
		// And b, now stale, cannot move it back.
		assertAhead(t, b.Advance(ctx, t0.Add(90*time.Minute)), t0.Add(2*time.Hour), t0.Add(90*time.Minute))
	})

	t.Run("never moves backwards locally", func(t *testing.T) {
		key := keyFor(t)
		s := newStore(client, key)
		if err := s.Advance(ctx, t0.Add(2*time.Hour)); err != nil {
			t.Fatalf("Advance: %v", err)
		}
		assertAhead(t, s.Advance(ctx, t0.Add(time.Hour)), t0.Add(2*time.Hour), t0.Add(time.Hour))
		if got, want := stored(t, client, key), t0.Add(2*time.Hour); !got.Equal(want) {
			t.Errorf("got stored %s; want %s", got, want)
		}
	})

	t.Run("concurrent writers end at the max and never move backwards", func(t *testing.T) {
		key := keyFor(t)
		const steps = 15
		var wg sync.WaitGroup
		errs := make(chan error, 2*steps)
		var aheads atomic.Int32
		for w := range 2 {
			wg.Go(func() {
				s := newStore(client, key)
				for i := range steps {
					// Writer 0 stores odd hours, writer 1 even hours.
					if err := s.Advance(ctx, t0.Add(time.Duration(2*i+1+w)*time.Hour)); err != nil {
						var ahead *checkpoint.AheadError
						if !errors.As(err, &ahead) {
							errs <- err
						}
						aheads.Add(1)
					}
				}
			})
		}
		// Watch the object while they race: it must only ever move forward.
		stop := make(chan struct{})
		watched := make(chan []time.Time)
		go func() {
			var seen []time.Time
			for {
				select {
				case <-stop:
					watched <- seen
					return
				default:
				}
				cp, found, err := newStore(client, key).Load(ctx)
				if err == nil && found {
					seen = append(seen, cp.NextStartTime)
				}
			}
		}()
		wg.Wait()
		close(stop)
		seen := <-watched
		t.Logf("%d advances found the other writer ahead; %d reads watched", aheads.Load(), len(seen))
		close(errs)
		for err := range errs {
			t.Errorf("Advance: %v", err)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i].Before(seen[i-1]) {
				t.Errorf("checkpoint moved backwards from %s to %s", seen[i-1], seen[i])
			}
		}
		if got, want := stored(t, client, key), t0.Add(2*steps*time.Hour); !got.Equal(want) {
			t.Errorf("got final checkpoint %s; want the max %s", got, want)
		}
	})

	t.Run("malformed checkpoint is an error, never reset", func(t *testing.T) {
		tests := []struct {
			name, body, want string
		}{
			{"not JSON", "next_start_time=2024-10-10", "invalid character"},
			{"empty", "", "unexpected end of JSON input"},
			{"empty object", "{}", "no next_start_time"},
			{"null", "null", "no next_start_time"},
			{"array", `["2024-10-10T08:00:00Z"]`, "cannot unmarshal array"},
			{"null time", `{"next_start_time":null}`, "no next_start_time"},
			{"bad time", `{"next_start_time":"yesterday"}`, `next_start_time: parsing time "yesterday"`},
			{"bad updated_at", `{"next_start_time":"2024-10-10T08:00:00Z","updated_at":"now"}`, `updated_at: parsing time "now"`},
			{"empty time", `{"next_start_time":""}`, `next_start_time: parsing time ""`},
			{"time without zone", `{"next_start_time":"2024-10-10T08:00:00"}`, "next_start_time: parsing time"},
			{"number", `{"next_start_time":1728547200}`, "next_start_time"},
			{"trailing data", `{"next_start_time":"2024-10-10T08:00:00Z"} {}`, "invalid character"},
			{"too large", `{"next_start_time":"2024-10-10T08:00:00Z","pad":"` + strings.Repeat("x", 70000) + `"}`, "larger than 65536 bytes"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				key := keyFor(t)
				putRaw(t, client, key, tt.body)
				s := newStore(client, key)
				_, found, err := s.Load(ctx)
				if err == nil || found {
					t.Fatalf("got Load() found=%v, err=%v; want an error", found, err)
				}
				for _, want := range []string{"checkpoint: malformed checkpoint s3://" + bucket + "/" + key, tt.want} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("got error %q; want it to contain %q", err, want)
					}
				}
				if err := s.Advance(ctx, t0); err == nil || !strings.Contains(err.Error(), "malformed checkpoint") {
					t.Errorf("got Advance error %v; want the malformed checkpoint error", err)
				}
				if got := getRaw(t, client, key); got != tt.body {
					t.Errorf("got stored %.80q; want it unchanged %.80q", got, tt.body)
				}
			})
		}
	})

	t.Run("accepts an offset and extra fields", func(t *testing.T) {
		key := keyFor(t)
		putRaw(t, client, key, `{"next_start_time":"2024-10-10T10:00:00+02:00","updated_at":"2024-10-10T10:07:00+02:00","by":"operator"}`)
		cp, found, err := newStore(client, key).Load(ctx)
		if err != nil || !found {
			t.Fatalf("got Load() found=%v, err=%v; want found", found, err)
		}
		if !cp.NextStartTime.Equal(t0) || cp.NextStartTime.Location() != time.UTC {
			t.Errorf("got next_start_time %s; want %s UTC", cp.NextStartTime, t0)
		}
	})

	t.Run("missing bucket is an error, not a first run", func(t *testing.T) {
		s := &checkpoint.Store{S3: client, Bucket: "no-such-bucket", Key: "p/_checkpoint.json"}
		_, found, err := s.Load(ctx)
		if err == nil || found {
			t.Fatalf("got Load() found=%v, err=%v; want an error", found, err)
		}
		if want := "checkpoint: get s3://no-such-bucket/p/_checkpoint.json: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got error %q; want prefix %q", err, want)
		}
		if err := s.Advance(ctx, t0); err == nil || !strings.Contains(err.Error(), "NoSuchBucket") {
			t.Errorf("got Advance error %v; want NoSuchBucket", err)
		}
	})
}
