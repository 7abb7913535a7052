package canonjson

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// plain marks the bytes a string's content can hold that need no decoding:
// not '"', '\\', a control character, or 0xED (the lead byte of an encoded
// surrogate, which is normalised).
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\' && c != 0xED
	}
	return t
}()

// scanString validates the string starting at s.pos (a '"') and returns the
// span of its content; plain means the content can be copied as it is.
func (s *state) scanString() (a, b int, isPlain bool, err error) {
	src := s.src
	i := s.pos + 1
	a, isPlain = i, true
	for {
		i = skipPlain(src, i)
		if i >= len(src) {
			s.pos = i
			return 0, 0, false, s.unexpected("'\"' closing the string")
		}
		switch c := src[i]; {
		case c == '"':
			s.pos = i + 1
			return a, i, isPlain, nil
		case c == '\\':
			isPlain = false
			if i+1 >= len(src) {
				s.pos = i + 1
				return 0, 0, false, s.unexpected("an escape")
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(src) || unhex(src[j]) < 0 {
						s.pos = j
						return 0, 0, false, s.unexpected("a hex digit in \\u escape")
					}
				}
				i += 6
			default:
				s.pos = i + 1
				return 0, 0, false, s.unexpected("an escape")
			}
		case c < 0x20:
			s.pos = i
			return 0, 0, false, s.errf("control character %#02x in string", c)
		default: // 0xED
			isPlain = false
			i++
		}
	}
}

// SWAR constants: the byte b in every lane.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// skipPlain returns the index of the first byte at or after i that is not
// plain, or len(src). It tests eight bytes at a time: a lane of
// (x - 0x01…) &^ x & 0x80… is set where x's byte is zero (exactly for the
// lowest such byte, which is the one that counts), so XOR with the byte
// looked for finds it; (x - 0x20…) &^ x & 0x80… finds a byte below 0x20.
func skipPlain(src []byte, i int) int {
	for ; i+8 <= len(src); i += 8 {
		x := binary.LittleEndian.Uint64(src[i:])
		q, bs, ed := x^(lanes01*'"'), x^(lanes01*'\\'), x^(lanes01*0xED)
		t := (q-lanes01)&^q | (bs-lanes01)&^bs | (ed-lanes01)&^ed | (x-lanes01*0x20)&^x
		if t &= lanes80; t != 0 {
			return i + bits.TrailingZeros64(t)>>3
		}
	}
	for i < len(src) && plain[src[i]] {
		i++
	}
	return i
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// surrogateAt reports the UTF-16 surrogate encoded (as WTF-8) at b[0:3].
func surrogateAt(b []byte) (rune, bool) {
	if len(b) >= 3 && b[0] == 0xED && b[1] >= 0xA0 && b[1] <= 0xBF && b[2] >= 0x80 && b[2] <= 0xBF {
		return 0xD000 | rune(b[1]&0x3F)<<6 | rune(b[2]&0x3F), true
	}
	return 0, false
}

// unescape appends the decoded content of a validated string to dst. A lone
// surrogate is kept in its WTF-8 form (three bytes); a high surrogate
// directly followed by a low one, escaped or not, becomes their character;
// other bytes, even invalid UTF-8, are kept.
func unescape(dst, content []byte) []byte {
	start := len(dst)
	for i := 0; i < len(content); {
		c := content[i]
		switch {
		case c == '\\':
			switch e := content[i+1]; e {
			case 'u':
				r := rune(unhex(content[i+2]))<<12 | rune(unhex(content[i+3]))<<8 | rune(unhex(content[i+4]))<<4 | rune(unhex(content[i+5]))
				dst = appendUnit(dst, start, r)
				i += 6
				continue
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			default: // '"', '\\', '/'
				c = e
			}
			dst = append(dst, c)
			i += 2
		case c == 0xED:
			if r, ok := surrogateAt(content[i:]); ok {
				dst = appendUnit(dst, start, r)
				i += 3
				continue
			}
			dst = append(dst, c)
			i++
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// appendUnit appends the UTF-16 code unit r, joining a low surrogate to a
// high one just before it (not before start).
func appendUnit(dst []byte, start int, r rune) []byte {
	if r < 0xD800 || r > 0xDFFF {
		return utf8.AppendRune(dst, r)
	}
	if r >= 0xDC00 && len(dst)-3 >= start {
		if hi, ok := surrogateAt(dst[len(dst)-3:]); ok && hi < 0xDC00 {
			dst = dst[:len(dst)-3]
			return utf8.AppendRune(dst, 0x10000+(hi-0xD800)<<10+(r-0xDC00))
		}
	}
	return append(dst, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

// appendQuoted appends a string whose content needs no escaping.
func appendQuoted(dst, content []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, content...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends decoded string content in the RFC 8785 form.
func appendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0xED {
			i++
			continue
		}
		if c == 0xED {
			r, ok := surrogateAt(s[i:])
			if !ok {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', hexDigits[r>>12], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
			i += 3
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		if c == '"' || c == '\\' {
			dst = append(dst, '\\', c)
		} else {
			dst = appendControl(dst, c)
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscaped appends, in one pass, the canonical form of the content of a
// validated string that holds escapes; as appendString(unescape(content))
// would, but false when the content holds a surrogate, escaped or encoded
// (0xED), which only unescape joins into a character or keeps alone.
func appendEscaped(dst, content []byte) ([]byte, bool) {
	n := len(dst)
	dst = append(dst, '"')
	for i := 0; ; {
		j := skipPlain(content, i)
		dst = append(dst, content[i:j]...)
		if j >= len(content) {
			return append(dst, '"'), true
		}
		if content[j] == 0xED {
			return dst[:n], false
		}
		switch e := content[j+1]; e { // content[j] is '\\'
		case 'u':
			r := rune(unhex(content[j+2]))<<12 | rune(unhex(content[j+3]))<<8 | rune(unhex(content[j+4]))<<4 | rune(unhex(content[j+5]))
			switch {
			case r >= 0xD800 && r <= 0xDFFF:
				return dst[:n], false
			case r == '"' || r == '\\':
				dst = append(dst, '\\', byte(r))
			case r < 0x20:
				dst = appendControl(dst, byte(r))
			default:
				dst = utf8.AppendRune(dst, r)
			}
			i = j + 6
		case '/':
			dst = append(dst, '/')
			i = j + 2
		default: // '"', '\\', b, f, n, r, t: already in the canonical short form
			dst = append(dst, '\\', e)
			i = j + 2
		}
	}
}

// appendControl appends the RFC 8785 escape of the control character c.
func appendControl(dst []byte, c byte) []byte {
	switch c {
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// compareNames orders decoded member names by their UTF-16 code units, as
// RFC 8785 §3.2.3 requires. Bytes that are not UTF-8 sort after every
// character, by value; a lone surrogate sorts as its code unit.
func compareNames(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; {
		ca, cb := a[i], b[i]
		if ca < 0x80 && cb < 0x80 {
			if ca != cb {
				return int(ca) - int(cb)
			}
			i++
			continue
		}
		ka, wa := unitKey(a[i:])
		kb, _ := unitKey(b[i:])
		if ka != kb {
			if ka < kb {
				return -1
			}
			return 1
		}
		i += wa
	}
	return len(a) - len(b)
}

// unitKey returns a sort key for the character at the start of b, ordered
// like its UTF-16 encoding, and its length in bytes. Equal keys mean equal
// bytes.
func unitKey(b []byte) (key uint64, width int) {
	if b[0] < 0x80 {
		return uint64(b[0]) << 16, 1
	}
	if r, ok := surrogateAt(b); ok {
		return uint64(r) << 16, 3
	}
	r, w := utf8.DecodeRune(b)
	switch {
	case r == utf8.RuneError && w == 1:
		return (0x10000 + uint64(b[0])) << 16, 1
	case r >= 0x10000:
		r -= 0x10000
		return uint64(0xD800+r>>10)<<16 | uint64(0xDC00+r&0x3FF), w
	}
	return uint64(r) << 16, w
}
