package auditapi

import (
	"bytes"
	"encoding/json"
	"fmt"

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
// repeated member the last counts, except "data": two of them are an error,
// since taking either would drop the other's records. Other members are
// ignored. The whole body is validated (RFC 8259). Anything else is a
// *PageError.
func ParsePage(body []byte) (Page, error) {
	return parsePage(body, nil)
}

// Valid reports whether record is one JSON value (RFC 8259), at any depth
// (without recursion): a record of a Lenient page may be nested deeper than
// ParsePage allows.
func Valid(record []byte) bool {
	end, ok := lenValue(record, skipSpace(record, 0))
	return ok && skipSpace(record, end) == len(record)
}

// parsePage is ParsePage; when onData is not nil, a "data" array is not
// read but handed to it at its '[', and onData returns the index after it.
func parsePage(body []byte, onData func(i int) (int, error)) (Page, error) {
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
				if sawData {
					return Page{}, &PageError{Index: -1, Reason: `"data" appears twice`}
				}
				sawData = true
				if onData != nil && i < len(body) && body[i] == '[' {
					i, err = onData(i)
				} else {
					p.Data, i, err = records(body, i, p.Data[:0])
				}
				if err != nil {
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
// elements, which must be objects.
func records(body []byte, i int, dst []json.RawMessage) ([]json.RawMessage, int, error) {
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
