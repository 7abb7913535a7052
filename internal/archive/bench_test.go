package archive_test

//lint:file-ignore SA1019 the Uploader interface names feature/s3/manager types, which the brief pins.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tokenrelay/tokenrelay/internal/archive"
)

// auditLines returns n distinct audit-record lines of about 600 bytes, shaped like AvePoint's
// UserActivityAuditLogItemModel plus _id, so that the compression ratio is realistic.
func auditLines(n int) [][]byte {
	rng := rand.New(rand.NewPCG(42, 42))
	users := []string{"alice@contoso.com", "bob@contoso.com", "carol@fabrikam.onmicrosoft.com", "svc-backup@contoso.com"}
	actions := []string{"Login", "UpdatePolicy", "RunBackupJob", "RestoreItem", "ExportReport", "DeleteScope"}
	products := []string{"Cloud Backup", "Policies & Insights", "Cloud Governance", "Fly"}
	geos := []string{"NAM", "EUR", "APC", "GBR", "CAN"}
	base := time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC)
	lines := make([][]byte, n)
	for i := range lines {
		sum := sha256.Sum256(fmt.Appendf(nil, "%d", i))
		lines[i] = fmt.Appendf(nil,
			`{"action":"%s","actionName":"%s","actionParameters":"{\"scope\":\"https://contoso.sharepoint.com/sites/site-%d\",\"job\":%d}","actionTime":"%s","actionUser":"%s","additionalDetails":"Request %08x completed in %d ms","clientIP":"10.%d.%d.%d","comment":"","controllerName":"%sController","currentValue":"enabled","functionality":"Job Monitor","geoLocation":"%s","module":"Backup","objectName":"site-%d","objectType":"Site","operationType":"Update","partnerTenantOwner":"","previousValue":"disabled","product":"%s","status":"Successful","_id":"%s"}`,
			actions[rng.IntN(len(actions))], actions[rng.IntN(len(actions))], rng.IntN(5000), rng.IntN(1e6),
			base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), users[rng.IntN(len(users))],
			rng.Uint32(), rng.IntN(3000), rng.IntN(256), rng.IntN(256), rng.IntN(256),
			actions[rng.IntN(len(actions))], geos[rng.IntN(len(geos))], rng.IntN(5000),
			products[rng.IntN(len(products))], hex.EncodeToString(sum[:]))
	}
	return lines
}

// BenchmarkWriteLine measures the gzip cost per ~600-byte line, network excluded: the uploader
// discards the stream.
func BenchmarkWriteLine(b *testing.B) {
	lines := auditLines(1024)
	var compressed int64
	a := &archive.Archive{Bucket: "b", Uploader: uploadFunc(
		func(_ context.Context, in *s3.PutObjectInput, _ ...func(*manager.Uploader)) (*manager.UploadOutput, error) {
			n, err := io.Copy(io.Discard, in.Body)
			compressed = n
			return &manager.UploadOutput{}, err
		})}
	var size int64
	for _, l := range lines {
		size += int64(len(l) + 1)
	}
	b.SetBytes(size / int64(len(lines)))
	b.ReportAllocs()
	obj := a.Create(context.Background(), "k")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := obj.WriteLine(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := obj.Commit(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if b.N >= len(lines) {
		b.ReportMetric(float64(size*int64(b.N)/int64(len(lines)))/float64(compressed), "ratio")
	}
}
