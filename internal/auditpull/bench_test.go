package auditpull

//lint:file-ignore SA1019 the archive.Uploader interface names feature/s3/manager types.

import (
	"context"
	"crypto/sha256"
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
	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// bodyPages serves page bodies as functions/auditpull's client reads them
// after it has them from the network (auditapi.Client.ReadPage, streaming).
type bodyPages [][]byte

var streaming = &auditapi.Client{Lenient: true, Stream: true}

func (b bodyPages) Pages(_ context.Context, _ auditapi.Query, fn func(*auditapi.Records) error) error {
	for _, body := range b {
		if _, err := streaming.ReadPage(body, fn); err != nil {
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

// BenchmarkPipeline measures one 6-hour window of 50,004 local AvePoint
// records (699 bytes each) in pages of 1,000 through Puller.window, network
// excluded: the streaming page reader (auditapi.Client.ReadPage), whose
// records canonjson.WithIDPrefix delimits as it canonicalises them, the id
// set, and the gzip stream of archive.Object into io.Discard. One iteration is the whole window, so the
// figures mean something at -benchtime 1x; records/cpu-s divides by the CPU
// time of the process, i.e. per core.
//
// Each iteration then runs, untimed by b, the three stages no design avoids
// alone on the same records (see [stages]), so that on a shared, noisy
// machine the stages and the pipeline are measured side by side, in CPU time
// of the process (wall time on a loaded machine counts the other processes
// too). ratio-to-limit is (parse + SHA-256 + gzip) / pipeline, in CPU time
// per record: 1 would be a pipeline that costs nothing beyond them; the
// README's Performance section gives the aim.
func BenchmarkPipeline(b *testing.B) {
	t0 := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
	pages, records, size := localPages(t0, t0.Add(6*time.Hour), 8334, 1000)
	st := newStages(b, pages)
	up := &discard{}
	p := &Puller{Config: Config{Prefix: "p/"}, API: bodyPages(pages), Archive: &archive.Archive{Bucket: "b", Uploader: up}, S3: noManifests{}}
	w := window.At(t0, 6*time.Hour)
	sc := &scratch{seen: idSet{}}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	var stage [3]time.Duration
	var cpu time.Duration
	n := 0
	for b.Loop() {
		cpu0 := cpuTime()
		out, err := p.window(context.Background(), w, sc, run{})
		cpu += cpuTime() - cpu0
		if err != nil || out.records != records {
			b.Fatalf("window: %d records, %v; want %d", out.records, err, records)
		}
		n += records
		b.StopTimer()
		for i, d := range st.run(b) {
			stage[i] += d
		}
		b.StartTimer()
	}
	runtime.ReadMemStats(&ms1)
	perRecord := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	pipeline := perRecord(cpu)
	b.ReportMetric(pipeline, "cpu-ns/record")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)/cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(n), "allocs/record")
	b.ReportMetric(float64(size)/float64(records), "B/record-in")
	b.ReportMetric(float64(up.compressed)/float64(n), "gzip-B/record")
	var limit float64
	for i, name := range stageNames {
		limit += perRecord(stage[i])
		b.ReportMetric(perRecord(stage[i]), name+"-cpu-ns/record")
	}
	b.ReportMetric(limit/pipeline, "ratio-to-limit")
}

// BenchmarkPipelineStage measures each stage of [stages] alone, on the
// records of BenchmarkPipeline.
func BenchmarkPipelineStage(b *testing.B) {
	t0 := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)
	pages, _, _ := localPages(t0, t0.Add(6*time.Hour), 8334, 1000)
	st := newStages(b, pages)
	for i, name := range stageNames {
		b.Run(name, func(b *testing.B) {
			var d time.Duration
			for b.Loop() {
				d += st.stage(b, i)
			}
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N*st.records), "cpu-ns/record")
		})
	}
}

var stageNames = [...]string{"parse", "sha256", "gzip"}

// stages is the work of the pipeline that no design avoids, each stage alone
// on the same records: parsing the pages once (auditapi.ParsePage), the
// SHA-256 of each record's canonical form (computed beforehand), and the gzip
// stream of the final lines through archive.Object (the compressor and level
// the pipeline uses) into io.Discard.
type stages struct {
	pages     [][]byte
	canonical [][]byte
	lines     [][]byte
	records   int
}

func newStages(b *testing.B, pages [][]byte) *stages {
	st := &stages{pages: pages}
	for _, body := range pages {
		page, err := auditapi.ParsePage(body)
		if err != nil {
			b.Fatal(err)
		}
		for _, rec := range page.Data {
			c, err := canonjson.Append(nil, rec)
			if err != nil {
				b.Fatal(err)
			}
			line, _, err := canonjson.WithID(nil, rec)
			if err != nil {
				b.Fatal(err)
			}
			st.canonical = append(st.canonical, c)
			st.lines = append(st.lines, line)
		}
	}
	st.records = len(st.lines)
	return st
}

// run times each stage once over all the records.
func (st *stages) run(b *testing.B) (d [3]time.Duration) {
	for i := range d {
		d[i] = st.stage(b, i)
	}
	return d
}

// stage runs stage i of stageNames once over all the records and returns
// the CPU time it took.
func (st *stages) stage(b *testing.B, i int) time.Duration {
	t := cpuTime()
	switch i {
	case 0:
		for _, body := range st.pages {
			if _, err := auditapi.ParsePage(body); err != nil {
				b.Fatal(err)
			}
		}
	case 1:
		var sink byte
		for _, c := range st.canonical {
			sum := sha256.Sum256(c)
			sink ^= sum[0]
		}
		runtime.KeepAlive(sink)
	case 2:
		obj := (&archive.Archive{Bucket: "b", Uploader: &discard{}}).Create(context.Background(), "k")
		for _, line := range st.lines {
			if err := obj.WriteLine(line); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := obj.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return cpuTime() - t
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
