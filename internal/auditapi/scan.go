package auditapi

import (
	"fmt"
)

// maxDepth bounds nesting, as encoding/json does, so a hostile page cannot
// exhaust the stack.
const maxDepth = 10000

// inString marks the bytes that may appear unescaped in a JSON string.
var inString = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// syntaxError is JSON that is not valid (RFC 8259).
func syntaxError(b []byte, i int, want string) error {
	if i >= len(b) {
		return &PageError{Index: -1, Reason: fmt.Sprintf("not JSON: unexpected end of input, want %s", want)}
	}
	return &PageError{Index: -1, Reason: fmt.Sprintf("not JSON: invalid character %q at offset %d, want %s", b[i], i, want)}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString validates the string at b[i] and returns the index after it
// and whether it holds escapes.
func scanString(b []byte, i int) (int, bool, error) {
	i++
	escaped := false
	for {
		for i < len(b) && inString[b[i]] {
			i++
		}
		if i >= len(b) {
			return i, false, syntaxError(b, i, `'"'`)
		}
		switch b[i] {
		case '"':
			return i + 1, escaped, nil
		case '\\':
			escaped = true
			if i+1 >= len(b) {
				return i, false, syntaxError(b, i+1, "an escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(b) || !isHex(b[j]) {
						return j, false, syntaxError(b, j, "a hex digit")
					}
				}
				i += 6
			default:
				return i, false, syntaxError(b, i+1, "an escape")
			}
		default:
			return i, false, syntaxError(b, i, "no control character in a string")
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scanValue validates the value at b[i] and returns the index after it.
func scanValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, syntaxError(b, i, "a value")
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := scanString(b, i)
		return end, err
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return i, &PageError{Index: -1, Reason: fmt.Sprintf("not JSON: nesting deeper than %d at offset %d", maxDepth, i)}
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == closer {
			return i + 1, nil
		}
		for {
			var err error
			if c == '{' {
				if i >= len(b) || b[i] != '"' {
					return i, syntaxError(b, i, "a member name")
				}
				if i, _, err = scanString(b, i); err != nil {
					return i, err
				}
				if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
					return i, syntaxError(b, i, "':'")
				}
				i = skipSpace(b, i+1)
			}
			if i, err = scanValue(b, i, depth+1); err != nil {
				return i, err
			}
			i = skipSpace(b, i)
			switch {
			case i < len(b) && b[i] == ',':
				i = skipSpace(b, i+1)
			case i < len(b) && b[i] == closer:
				return i + 1, nil
			default:
				return i, syntaxError(b, i, fmt.Sprintf("',' or '%c'", closer))
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return scanNumber(b, i)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	}
	return i, syntaxError(b, i, "a value")
}

func scanLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, syntaxError(b, i, lit)
	}
	return i + len(lit), nil
}

func scanNumber(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, syntaxError(b, i, "a digit")
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, syntaxError(b, i, "a digit")
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, syntaxError(b, i, "a digit")
		}
		i = digits(b, i)
	}
	return i, nil
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
