package canonjson

import "testing"

// avepointRecord is a realistic UserActivityAuditLogItemModel of about 600
// bytes as the AvePoint /aos/audit API returns it: compact, members in the
// API's order (so the object must be reordered), and quotes inside strings
// escaped as \u0022 the way .NET's System.Text.Json writes them.
const avepointRecord = `{"actionName":"Deactivate","actionUser":"adele.vance@contoso.com","actionParameters":"{\u0022ObjectId\u0022:\u0022fcf1df53-ba71-446c-85ad-bfd9bb4f2c83\u0022,\u0022Name\u0022:\u0022alex.wilber@contoso.com\u0022}","actionTime":"2024-10-10T00:00:02.6681154Z","controllerName":"UserManagement","product":"Portal","geoLocation":"EUR","previousValue":"Active","currentValue":"Inactive","partnerTenantOwner":"","status":"Successful","comment":"Ticket #4521","objectType":"User","operationType":"Update","module":"User Management","functionality":"Users","objectName":"alex.wilber@contoso.com","action":"Deactivate user","clientIP":"203.0.113.7","additionalDetails":"{\u0022ItemCount\u0022:1085}"}`

func BenchmarkWithID(b *testing.B) {
	rec := []byte(avepointRecord)
	var line []byte
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		line, _, err = WithID(line[:0], rec)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkID(b *testing.B) {
	rec := []byte(avepointRecord)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ID(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	rec := []byte(avepointRecord)
	var out []byte
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = Append(out[:0], rec); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchmarkRecord(t *testing.T) {
	if n := len(avepointRecord); n < 550 || n > 750 {
		t.Errorf("benchmark record is %d bytes; want about 600", n)
	}
	if _, err := ID([]byte(avepointRecord)); err != nil {
		t.Fatal(err)
	}
}
