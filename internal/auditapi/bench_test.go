package auditapi

import (
	"encoding/json"
	"fmt"
	"testing"
)

// page1000 is a page of 1000 realistic records of about 600 bytes.
func page1000() []byte {
	b := []byte(`{"nextLink":"https://graph-us.avepointonlineservices.com/aos/audit?startTime=2024-10-10T08%3A00%3A00Z&endTime=2024-10-10T09%3A00%3A00Z&skipToken=eyJwIjoyfQ","data":[`)
	for i := range 1000 {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"actionName":"Update backup policy","actionUser":"megan.bowen%d@contoso.onmicrosoft.com","actionParameters":"{\"policyId\":\"6f1c2a7e-41f4-4c1e-9a55-0b8a2f3c9d11\",\"retention\":30}","actionTime":"2024-10-10T08:%02d:30.1234567Z","controllerName":"BackupPolicy","product":"Cloud Backup for Microsoft 365","geoLocation":"NAM","previousValue":"Retention: 14 days","currentValue":"Retention: 30 days","partnerTenantOwner":"","status":"Successful","comment":"Changed by the weekly review \u2013 ticket #%d","objectType":"Policy","operationType":"Edit","module":"Policy","functionality":"Retention","objectName":"Exchange Online default","action":"Modify","clientIP":"203.0.113.42","additionalDetails":null}`, i, i%60, i)
	}
	return append(b, "]}"...)
}

func BenchmarkParsePage(b *testing.B) { benchPage(b, ParsePage) }

// benchPage runs parse over the page of page1000.
func benchPage(b *testing.B, parse func([]byte) (Page, error)) {
	body := page1000()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := parse(body)
		if err != nil || len(p.Data) != 1000 {
			b.Fatal(len(p.Data), err)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParsePageEncodingJSON decodes the page of BenchmarkParsePage with
// encoding/json into the same shape, for the package documentation's
// comparison.
func BenchmarkParsePageEncodingJSON(b *testing.B) {
	body := page1000()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var p struct {
			NextLink *string           `json:"nextLink"`
			Data     []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &p); err != nil || len(p.Data) != 1000 {
			b.Fatal(len(p.Data), err)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "records/s")
}
