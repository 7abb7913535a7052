package localavepoint

import (
	"strconv"
	"time"
)

// ticksPerHour counts .NET ticks (100 ns), the resolution of actionTime.
const ticksPerHour = int64(time.Hour / 100)

// generator derives every record from (seed, hour, index) alone, so a page
// anywhere in a range is computed without generating what precedes it.
type generator struct {
	seed    uint64
	perHour int
}

func newGenerator(seed int64, perHour int) *generator {
	if int64(perHour) > ticksPerHour {
		perHour = int(ticksPerHour)
	}
	return &generator{seed: mix(uint64(seed)), perHour: perHour}
}

// head is what filtering needs to know of a record; r continues the
// record's random stream for the rest of its fields.
type head struct {
	time time.Time
	act  *activity
	geo  string
	r    rng
}

// head returns record idx of the hour starting at Unix hour `hour`. Indexes
// below perHour are the hour's regular records, in actionTime order; the
// lateN that follow are its late records, in actionTime order among
// themselves.
func (g *generator) head(hour int64, idx, lateN int) head {
	n, k, stream := g.perHour, idx, uint64(0)
	if idx >= g.perHour {
		n, k, stream = lateN, idx-g.perHour, 1
	}
	slot := ticksPerHour / int64(n)
	r := rng{s: g.seed ^ mix(uint64(hour)<<1|stream) ^ mix(uint64(k)+0x5851f42d4c957f2d)}
	ticks := int64(k)*slot + int64(r.next()%uint64(slot))
	return head{
		time: time.Unix(hour*3600, ticks*100).UTC(),
		act:  &activities[r.intn(len(activities))],
		geo:  GeoLocations[r.intn(len(GeoLocations))],
		r:    r,
	}
}

// appendRecord appends the record's JSON, fields in the order of AvePoint's
// UserActivityAuditLogItemModel.
func appendRecord(dst []byte, h head) []byte {
	r, a := h.r, h.act
	user := users[r.intn(len(users))]
	object := a.objects[r.intn(len(a.objects))]
	objectID := r.guid()

	dst = append(dst, `{"actionName":`...)
	dst = appendNetString(dst, a.actionName)
	dst = append(dst, `,"actionUser":`...)
	dst = appendNetString(dst, user)
	dst = append(dst, `,"actionParameters":`...)
	params := make([]byte, 0, 192)
	params = append(params, `{"ObjectId":"`...)
	params = append(params, objectID...)
	params = append(params, `","Name":`...)
	params = appendNetString(params, object)
	params = append(params, `}`...)
	dst = appendNetString(dst, string(params))
	dst = append(dst, `,"actionTime":"`...)
	dst = h.time.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","controllerName":`...)
	dst = appendNetString(dst, a.controller)
	dst = append(dst, `,"product":`...)
	dst = appendNetString(dst, a.product)
	dst = append(dst, `,"geoLocation":`...)
	dst = appendNetString(dst, h.geo)
	if len(a.changes) > 0 {
		c := a.changes[r.intn(len(a.changes))]
		dst = append(dst, `,"previousValue":`...)
		dst = appendNetString(dst, c[0])
		dst = append(dst, `,"currentValue":`...)
		dst = appendNetString(dst, c[1])
	} else {
		dst = append(dst, `,"previousValue":null,"currentValue":null`...)
	}
	dst = append(dst, `,"partnerTenantOwner":`...)
	dst = appendNetString(dst, partnerOwners[r.intn(len(partnerOwners))])
	dst = append(dst, `,"status":`...)
	dst = appendNetString(dst, statuses[r.intn(len(statuses))])
	dst = append(dst, `,"comment":`...)
	dst = appendNetString(dst, comments[r.intn(len(comments))])
	dst = append(dst, `,"objectType":`...)
	dst = appendNetString(dst, a.objectType)
	dst = append(dst, `,"operationType":`...)
	dst = appendNetString(dst, a.operation)
	dst = append(dst, `,"module":`...)
	dst = appendNetString(dst, a.module)
	dst = append(dst, `,"functionality":`...)
	dst = appendNetString(dst, a.functionality)
	dst = append(dst, `,"objectName":`...)
	dst = appendNetString(dst, object)
	dst = append(dst, `,"action":`...)
	dst = appendNetString(dst, a.action)
	dst = append(dst, `,"clientIP":"`...)
	dst = r.appendIP(dst, user == "System")
	dst = append(dst, `","additionalDetails":`...)
	if r.intn(3) != 0 {
		dst = append(dst, "null"...)
	} else {
		details := make([]byte, 0, 96)
		details = append(details, `{"Duration":"00:0`...)
		details = strconv.AppendInt(details, int64(r.intn(10)), 10)
		details = append(details, ':')
		details = append(details, byte('0'+r.intn(6)), byte('0'+r.intn(10)))
		details = append(details, `","ItemCount":`...)
		details = strconv.AppendInt(details, int64(r.intn(5000)), 10)
		details = append(details, '}')
		dst = appendNetString(dst, string(details))
	}
	return append(dst, '}')
}

// appendIP appends a client address from the documentation ranges (RFC 5737,
// RFC 3849); system actions have none.
func (r *rng) appendIP(dst []byte, system bool) []byte {
	if system {
		return dst
	}
	switch r.intn(4) {
	case 0:
		dst = append(dst, "2001:db8:"...)
		dst = strconv.AppendUint(dst, r.next()%0xffff, 16)
		dst = append(dst, "::"...)
		return strconv.AppendUint(dst, r.next()%0xffff+1, 16)
	case 1:
		dst = append(dst, "198.51.100."...)
	default:
		dst = append(dst, "203.0.113."...)
	}
	return strconv.AppendInt(dst, int64(r.intn(254)+1), 10)
}

// rng is SplitMix64: tiny, fast and good enough for test data.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// guid returns a version 4 UUID string from the stream.
func (r *rng) guid() string {
	const hx = "0123456789abcdef"
	a, b := r.next(), r.next()
	var buf [36]byte
	j := 0
	for i := 0; i < 32; i++ {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			buf[j] = '-'
			j++
		}
		var nib uint64
		if i < 16 {
			nib = a >> (4 * uint(i)) & 0xf
		} else {
			nib = b >> (4 * uint(i-16)) & 0xf
		}
		switch i {
		case 12:
			nib = 4
		case 16:
			nib = 8 | nib&3
		}
		buf[j] = hx[nib]
		j++
	}
	return string(buf[:])
}

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
