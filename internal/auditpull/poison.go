package auditpull

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// IDBasisRaw marks a record stored with "_id_basis": "raw": its canonical
// form could not be computed (a duplicate member name, nesting deeper than
// canonjson allows), so its "_id" is the SHA-256 of the bytes the API
// returned (README: "S3 layout").
const IDBasisRaw = "raw"

// rawLine appends the object record as the API returned it, without
// insignificant white space, behind "_id" (the hex SHA-256 of record's
// bytes) and "_id_basis": "raw", and returns the line and the id.
func rawLine(dst, record []byte) ([]byte, [32]byte) {
	id := sha256.Sum256(record)
	dst = append(dst, `{"_id":"`...)
	dst = hex.AppendEncode(dst, id[:])
	dst = append(dst, `","_id_basis":"`+IDBasisRaw+`"`...)
	body := compact(nil, record)
	if len(body) > 2 { // more than {}
		dst = append(dst, ',')
	}
	return append(dst, body[1:]...), id
}

// quarantineLine appends the line that stores a page item that is not an
// object: {"window": "…", "page": n, "index": i, "item": <the item>}.
func quarantineLine(dst []byte, w string, page, index int, item []byte) []byte {
	dst = append(dst, `{"window":`...)
	dst = strconv.AppendQuote(dst, w)
	dst = fmt.Appendf(dst, `,"page":%d,"index":%d,"item":`, page, index)
	dst = compact(dst, item)
	return append(dst, '}')
}

// compact appends the JSON text src without the white space outside its
// strings. It keeps no stack, so any nesting depth is fine; inside strings
// only the escaped quote matters.
func compact(dst, src []byte) []byte {
	inString, escaped := false, false
	for _, c := range src {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// isObject reports whether the page item rec is a JSON object.
func isObject(rec []byte) bool {
	for _, c := range rec {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '{'
	}
	return false
}
