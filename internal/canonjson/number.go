package canonjson

import (
	"math"
	"strconv"
)

// number scans a number at s.pos and appends its canonical form: an integer
// literal verbatim (-0 as 0), any other number rendered from its float64.
func (s *state) number() error {
	src, i := s.src, s.pos
	start, integer := i, true
	if src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return s.unexpected("a digit")
	}
	if i < len(src) && src[i] == '.' {
		integer = false
		i++
		if i >= len(src) || src[i] < '0' || src[i] > '9' {
			s.pos = i
			return s.unexpected("a digit after '.'")
		}
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		integer = false
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= len(src) || src[i] < '0' || src[i] > '9' {
			s.pos = i
			return s.unexpected("a digit in the exponent")
		}
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	s.pos = i
	lit := src[start:i]
	switch {
	case integer && len(lit) == 2 && lit[0] == '-' && lit[1] == '0':
		s.out = append(s.out, '0')
	case integer:
		s.out = append(s.out, lit...)
	default:
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil { // out of the float64 range: kept verbatim
			s.out = append(s.out, lit...)
			return nil
		}
		s.out = appendES6(s.out, f)
	}
	return nil
}

// appendES6 appends f the way ECMAScript's Number.prototype.toString does
// (RFC 8785 §3.2.2.3): the shortest digits that round-trip, in plain
// notation from 1e-6 up to 1e21 and in exponent notation outside it.
func appendES6(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0') // -0 too
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...) // not reachable from parsed JSON
	}
	format := byte('f')
	if abs := math.Abs(f); abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Go writes e-07 and e+21; ECMAScript writes e-7 and e+21.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}
