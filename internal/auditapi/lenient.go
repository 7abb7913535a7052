package auditapi

import (
	"bytes"
	"encoding/json"
	"errors"
)

// parse reads a page body whole: ParsePage, and when the client is lenient
// and ParsePage refused the page, parseLenient; the page must still be well
// formed, or ParsePage's error stands.
func (c *Client) parse(body []byte) (Page, error) {
	page, err := ParsePage(body)
	var pe *PageError
	if err == nil || !c.lenient() || !errors.As(err, &pe) {
		return page, err
	}
	if lp, ok := parseLenient(body); ok {
		return lp, nil
	}
	return page, err
}

// parseLenient splits an audit page like ParsePage, but takes any JSON
// value as an item of "data" and validates without recursion, so that no
// nesting depth is refused. It reports false for anything that is not a
// well-formed page.
func parseLenient(body []byte) (Page, bool) {
	var p Page
	i := lenSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return p, false
	}
	sawData := false
	i = lenSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return p, false // no "data"
	}
	for {
		nameEnd, ok := lenString(body, i)
		if !ok {
			return Page{}, false
		}
		var name string
		if json.Unmarshal(body[i:nameEnd], &name) != nil {
			return Page{}, false
		}
		if i = lenSpace(body, nameEnd); i >= len(body) || body[i] != ':' {
			return Page{}, false
		}
		i = lenSpace(body, i+1)
		end, ok := lenValue(body, i)
		if !ok {
			return Page{}, false
		}
		switch {
		case bytes.EqualFold([]byte(name), []byte("data")):
			if sawData {
				return Page{}, false // as ParsePage
			}
			sawData = true
			if p.Data, ok = lenItems(body[i:end], p.Data[:0]); !ok {
				return Page{}, false
			}
		case bytes.EqualFold([]byte(name), []byte("nextLink")):
			p.NextLink = ""
			if body[i] != 'n' && json.Unmarshal(body[i:end], &p.NextLink) != nil {
				return Page{}, false
			}
		}
		i = lenSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = lenSpace(body, i+1)
			continue
		}
		if i < len(body) && body[i] == '}' && lenSpace(body, i+1) == len(body) {
			return p, sawData
		}
		return Page{}, false
	}
}

// lenItems splits the "data" value arr (an array, or null) into its items.
func lenItems(arr []byte, dst []json.RawMessage) ([]json.RawMessage, bool) {
	if arr[0] == 'n' {
		return dst, true
	}
	if arr[0] != '[' {
		return nil, false
	}
	i := lenSpace(arr, 1)
	if arr[i] == ']' {
		return dst, true
	}
	for {
		end, ok := lenValue(arr, i)
		if !ok {
			return nil, false
		}
		dst = append(dst, arr[i:end:end])
		i = lenSpace(arr, end)
		switch arr[i] {
		case ',':
			i = lenSpace(arr, i+1)
		case ']':
			return dst, true
		default:
			return nil, false
		}
	}
}

// lenValue returns the end of the JSON value at b[i], validating it as
// ParsePage does, with a stack of closers instead of recursion.
func lenValue(b []byte, i int) (int, bool) {
	var stack []byte
	for {
		if i >= len(b) {
			return i, false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			i = lenSpace(b, i+1)
			if i < len(b) && b[i] == closer {
				i++
				break
			}
			stack = append(stack, closer)
			if closer == '}' {
				var ok bool
				if i, ok = lenMemberName(b, i); !ok {
					return i, false
				}
			}
			continue // the first element
		case c == '"':
			var ok bool
			if i, ok = lenString(b, i); !ok {
				return i, false
			}
		default:
			j := i
			for j < len(b) && !bytes.ContainsRune([]byte(",]} \t\r\n"), rune(b[j])) {
				j++
			}
			if j == i || !json.Valid(b[i:j]) {
				return j, false
			}
			i = j
		}
		// After a value: close containers until one goes on with ','.
		for {
			if len(stack) == 0 {
				return i, true
			}
			i = lenSpace(b, i)
			if i >= len(b) {
				return i, false
			}
			top := stack[len(stack)-1]
			if b[i] == top {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return i, false
			}
			i = lenSpace(b, i+1)
			if top == '}' {
				var ok bool
				if i, ok = lenMemberName(b, i); !ok {
					return i, false
				}
			}
			break
		}
	}
}

// lenMemberName skips `"name" :` and the space after it.
func lenMemberName(b []byte, i int) (int, bool) {
	end, ok := lenString(b, i)
	if !ok {
		return end, false
	}
	if i = lenSpace(b, end); i >= len(b) || b[i] != ':' {
		return i, false
	}
	return lenSpace(b, i+1), true
}

// lenString returns the end of the JSON string at b[i], validated.
func lenString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	end, _, err := scanString(b, i)
	return end, err == nil
}

func lenSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
