package auditpull

//lint:file-ignore SA1019 the archive.Uploader interface names feature/s3/manager types.

import (
	"context"
	"encoding/json"
	"io"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// bodyPages serves page bodies through ParsePage, as the client does after
// reading them from the network.
type bodyPages [][]byte

func (b bodyPages) Pages(_ context.Context, _ auditapi.Query, fn func([]json.RawMessage) error) error {
	for _, body := range b {
		page, err := auditapi.ParsePage(body)
		if err != nil {
			return err
		}
		if err := fn(page.Data); err != nil {
			return err
		}
	}
	return nil
}

// discard is an uploader that reads the gzip stream into io.Discard.
type discard struct{ compressed int64 }

func (d *discard) Upload(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
	n, err := io.Copy(io.Discard, in.Body)
	d.compressed += n
	return &manager.UploadOutput{}, err
}

// localPages returns the local AvePoint's records of [start, end) as API
// pages of size records.
func localPages(start, end time.Time, perHour, size int) (pages [][]byte, records, bytes int) {
	api := localavepoint.New(localavepoint.Config{Seed: 1, RecordsPerHour: perHour})
	var body []byte
	n := 0
	flush := func() {
		pages = append(pages, append(body, "]}"...))
		body, n = nil, 0
	}
	for rec := range api.AllRecords(start, end) {
		if n == 0 {
			body = append(body, `{"nextLink":"https://graph-us.avepointonlineservices.com/aos/audit?skipToken=x","data":[`...)
		} else {
			body = append(body, ',')
		}
		body = append(body, rec...)
		n++
		records++
		bytes += len(rec)
		if n == size {
			flush()
		}
	}
	if n > 0 {
		flush()
	}
	return pages, records, bytes
}

// cpuTime is the process's user and system time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPipeline measures one 6-hour window of 50,000 local AvePoint
// records (about 700 bytes each) in pages of 1,000 through Puller.window,
// network excluded: ParsePage, canonjson.WithID, the id set, and the gzip
// stream of archive.Object into io.Discard. One iteration is the whole
// window, so the figures mean something at -benchtime 1x; records/cpu-s
// divides by the CPU time of the process, i.e. per core.
func BenchmarkPipeline(b *testing.B) {
	t0 := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
	pages, records, size := localPages(t0, t0.Add(6*time.Hour), 8334, 1000)
	up := &discard{}
	p := &Puller{Config: Config{Prefix: "p/"}, API: bodyPages(pages), Archive: &archive.Archive{Bucket: "b", Uploader: up}, S3: noManifests{}}
	w := window.At(t0, 6*time.Hour)
	sc := &scratch{seen: idSet{}}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	cpu0, n := cpuTime(), 0
	for b.Loop() {
		out, err := p.window(context.Background(), w, sc, run{})
		if err != nil || out.records != records {
			b.Fatalf("window: %d records, %v; want %d", out.records, err, records)
		}
		n += records
	}
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)/cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(n), "allocs/record")
	b.ReportMetric(float64(size)/float64(records), "B/record-in")
	b.ReportMetric(float64(up.compressed)/float64(b.N), "gzip-B/window")
}

// noManifests is an S3 without objects that discards what is put: the
// manifest of each window costs the benchmark nothing but its encoding.
type noManifests struct{}

func (noManifests) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, &s3types.NoSuchKey{}
}

func (noManifests) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	_, err := io.Copy(io.Discard, in.Body)
	return &s3.PutObjectOutput{}, err
}

// BenchmarkIDSet measures the memory the id set takes per record, for
// windows of 50,000 and 200,000 records (the package documentation quotes it).
func BenchmarkIDSet(b *testing.B) {
	for _, n := range []int{50_000, 200_000} {
		b.Run("records="+strconv.Itoa(n), func(b *testing.B) {
			var perRecord float64
			for b.Loop() {
				var ms0, ms1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms0)
				s := idSet{}
				var id [32]byte
				for i := range n {
					id[0], id[1], id[2], id[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
					s.add(id)
				}
				runtime.GC()
				runtime.ReadMemStats(&ms1)
				perRecord = float64(ms1.HeapAlloc-ms0.HeapAlloc) / float64(n)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(perRecord, "B/record")
		})
	}
}
