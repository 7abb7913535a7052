package auditpull

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
// bytes) and "_id_basis": "raw", and returns the line and the id. Top-level
// "_id" and "_id_basis" members the record had are left out, as a canonical
// line replaces the record's own "_id": a reader keeping the last of two
// equal names must read ours.
func rawLine(dst, record []byte) ([]byte, [32]byte) {
	id := sha256.Sum256(record)
	dst = append(dst, `{"_id":"`...)
	dst = hex.AppendEncode(dst, id[:])
	dst = append(dst, `","_id_basis":"`+IDBasisRaw+`"`...)
	body := dropOwnID(compact(nil, record))
	if len(body) > 2 { // more than {}
		dst = append(dst, ',')
	}
	return append(dst, body[1:]...), id
}

// dropOwnID returns the compacted object body without its top-level "_id"
// and "_id_basis" members (names compared unescaped). It counts depth
// instead of keeping a stack, so any nesting is fine.
func dropOwnID(body []byte) []byte {
	out := append(make([]byte, 0, len(body)), '{')
	for i := 1; i < len(body)-1; {
		start := i
		keyEnd := stringEnd(body, i)
		end := valueEnd(body, keyEnd) // body[keyEnd] is the ':'
		var name string
		if json.Unmarshal(body[start:keyEnd], &name) != nil || (name != "_id" && name != "_id_basis") {
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = append(out, body[start:end]...)
		}
		i = end + 1 // past the ','
	}
	return append(out, '}')
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index of the ',' or closing '}' that ends the
// top-level member value whose ':' is b[i].
func valueEnd(b []byte, i int) int {
	depth := 0
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			j = stringEnd(b, j) - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return j
			}
			depth--
		case ',':
			if depth == 0 {
				return j
			}
		}
	}
	return len(b) - 1
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
