package auditapi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
)

// Page is one response of the audit API.
type Page struct {
	// NextLink is the URL of the next page, "" on the last one.
	NextLink string
	// Data holds the records, each a JSON object; they alias the body.
	Data []json.RawMessage
}

// ParsePage parses an audit page: a JSON object with a "data" array of
// objects (null is taken as no records) and a "nextLink" string or null.
// Member names match case-insensitively, as .NET and encoding/json do; of a
// repeated member the last counts; other members are ignored. The whole
// body is validated (RFC 8259). Anything else is a *PageError.
func ParsePage(body []byte) (Page, error) {
	return parsePage(body, true)
}

// SplitPage is ParsePage without validating the records' interiors: each
// record is delimited (strings and brackets) but not checked, so that a
// consumer that scans every record anyway (canonjson does, and rejects what
// is not JSON) scans it once. A page SplitPage accepts is one that ParsePage
// accepts with the same records, or one that ParsePage refuses only because
// a record is not valid JSON, which the consumer must then detect (Valid).
// Whatever else SplitPage cannot split, it leaves to ParsePage, whose result
// it returns.
func SplitPage(body []byte) (Page, error) {
	if p, err := parsePage(body, false); err == nil {
		return p, nil
	}
	return ParsePage(body)
}

// Valid reports whether record is one JSON value (RFC 8259), at any depth
// (without recursion): a record of a Lenient page may be nested deeper than
// ParsePage allows.
func Valid(record []byte) bool {
	end, ok := lenValue(record, skipSpace(record, 0), true)
	return ok && skipSpace(record, end) == len(record)
}

// parsePage is ParsePage, or SplitPage's split when not check; a split
// reports errSplit for what it leaves to ParsePage.
func parsePage(body []byte, check bool) (Page, error) {
	var p Page
	i := skipSpace(body, 0)
	if i >= len(body) {
		return p, syntaxError(body, i, "a value")
	}
	if body[i] != '{' {
		if _, err := scanValue(body, i, 0); err != nil {
			return p, err
		}
		return p, &PageError{Index: -1, Reason: "the body is " + canonjson.Kind(body[i:]) + ", not an object"}
	}
	sawData := false
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		i++
	} else {
		for {
			if i >= len(body) || body[i] != '"' {
				return Page{}, syntaxError(body, i, "a member name")
			}
			end, escaped, err := scanString(body, i)
			if err != nil {
				return Page{}, err
			}
			name := body[i+1 : end-1]
			if escaped {
				var s string
				_ = json.Unmarshal(body[i:end], &s) // valid, checked above
				name = []byte(s)
			}
			if i = skipSpace(body, end); i >= len(body) || body[i] != ':' {
				return Page{}, syntaxError(body, i, "':'")
			}
			i = skipSpace(body, i+1)
			switch {
			case bytes.EqualFold(name, []byte("data")):
				sawData = true
				if p.Data, i, err = records(body, i, p.Data[:0], check); err != nil {
					return Page{}, err
				}
			case bytes.EqualFold(name, []byte("nextLink")):
				if p.NextLink, i, err = nextLink(body, i); err != nil {
					return Page{}, err
				}
			default:
				if i, err = scanValue(body, i, 1); err != nil {
					return Page{}, err
				}
			}
			i = skipSpace(body, i)
			if i < len(body) && body[i] == ',' {
				i = skipSpace(body, i+1)
				continue
			}
			if i < len(body) && body[i] == '}' {
				i++
				break
			}
			return Page{}, syntaxError(body, i, "',' or '}'")
		}
	}
	if i = skipSpace(body, i); i != len(body) {
		return Page{}, syntaxError(body, i, "the end after the object")
	}
	if !sawData {
		return Page{}, &PageError{Index: -1, Reason: `no "data" member`}
	}
	return p, nil
}

// records validates the "data" value at body[i] and splits it into its
// elements, which must be objects. When not check, the elements are only
// delimited (skipRecord), and anything but an object is errSplit.
func records(body []byte, i int, dst []json.RawMessage, check bool) ([]json.RawMessage, int, error) {
	if i >= len(body) || body[i] != '[' {
		end, err := scanValue(body, i, 1)
		switch {
		case err != nil:
			return nil, end, err
		case body[i] == 'n':
			return dst, end, nil
		}
		return nil, end, &PageError{Index: -1, Reason: `"data" is ` + canonjson.Kind(body[i:]) + ", not an array"}
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return dst, i + 1, nil
	}
	for n := 0; ; n++ {
		if !check {
			end, ok := skipRecord(body, i)
			if !ok {
				return nil, end, errSplit
			}
			dst = append(dst, body[i:end:end])
			i = skipSpace(body, end)
			switch {
			case i < len(body) && body[i] == ',':
				i = skipSpace(body, i+1)
				continue
			case i < len(body) && body[i] == ']':
				return dst, i + 1, nil
			}
			return nil, i, errSplit
		}
		end, err := scanValue(body, i, 2)
		if err != nil {
			return nil, end, err
		}
		if body[i] != '{' {
			return nil, end, &PageError{Index: n, Reason: canonjson.Kind(body[i:]) + ", not an object"}
		}
		dst = append(dst, body[i:end:end])
		i = skipSpace(body, end)
		switch {
		case i < len(body) && body[i] == ',':
			i = skipSpace(body, i+1)
		case i < len(body) && body[i] == ']':
			return dst, i + 1, nil
		default:
			return nil, i, syntaxError(body, i, "',' or ']'")
		}
	}
}

// nextLink reads the "nextLink" value at body[i]: a string or null.
func nextLink(body []byte, i int) (string, int, error) {
	end, err := scanValue(body, i, 1)
	if err != nil {
		return "", end, err
	}
	switch body[i] {
	case 'n':
		return "", end, nil
	case '"':
		var s string
		if err := json.Unmarshal(body[i:end], &s); err != nil {
			return "", end, &PageError{Index: -1, Reason: fmt.Sprintf("nextLink: %v", err)}
		}
		return s, end, nil
	}
	return "", end, &PageError{Index: -1, Reason: "nextLink is " + canonjson.Kind(body[i:]) + ", not a string"}
}

// errSplit is what SplitPage leaves to ParsePage.
var errSplit = errors.New("auditapi: page left to ParsePage")

// maxSplitDepth bounds the nesting of a record that SplitPage delimits, far
// below maxDepth, so that a record ParsePage would refuse for its depth is
// never split.
const maxSplitDepth = 256

// skipRecord returns the index after the object at body[i], found by its
// strings and brackets only; false for what is not an object so delimited
// (or nested deeper than maxSplitDepth). In valid JSON that is the object's
// end; in anything else a consumer that validates the record sees it.
//
// A string ends at the first quote not escaped by a backslash; it is tested
// eight bytes at a time: a lane of (x - 0x01…) &^ x & 0x80… is set where x's
// byte is zero (exactly for the lowest such byte, which is the one that
// counts), so XOR with the byte looked for finds it.
func skipRecord(body []byte, i int) (int, bool) {
	if i >= len(body) || body[i] != '{' {
		return i, false
	}
	depth := 0
	for i < len(body) {
		c := body[i]
		i++
		switch c {
		case '"':
		str:
			for {
				for ; i+8 <= len(body); i += 8 {
					x := binary.LittleEndian.Uint64(body[i:])
					q, bs := x^(lanes01*'"'), x^(lanes01*'\\')
					if t := ((q-lanes01)&^q | (bs-lanes01)&^bs) & lanes80; t != 0 {
						i += bits.TrailingZeros64(t) >> 3
						break
					}
				}
				for i < len(body) && body[i] != '"' && body[i] != '\\' {
					i++
				}
				switch {
				case i >= len(body):
					return len(body), false
				case body[i] == '"':
					i++
					break str
				}
				i += 2 // a backslash and the byte it escapes
			}
		case '{', '[':
			if depth++; depth > maxSplitDepth {
				return i, false
			}
		case '}', ']':
			if depth--; depth == 0 {
				return i, true
			}
		}
	}
	return len(body), false
}

// SWAR constants: the byte b in every lane.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)
