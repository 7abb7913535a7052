package localavepoint

import "unicode/utf8"

const hexUpper = "0123456789ABCDEF"

// appendNetString appends s as a JSON string the way .NET's System.Text.Json
// writes it with its default encoder: short escapes for \n \r \t \b \f and
// \\, and an uppercase \uXXXX escape for other control characters, for
// '"', '&', '\”, '+', '<', '>', '`', DEL and everything outside ASCII
// (characters beyond the BMP as a surrogate pair).
func appendNetString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '\\':
			dst = append(dst, '\\', '\\')
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\b':
			dst = append(dst, '\\', 'b')
		case r == '\f':
			dst = append(dst, '\\', 'f')
		case r < 0x20, r >= 0x7f, r == '"', r == '&', r == '\'', r == '+', r == '<', r == '>', r == '`':
			if r == utf8.RuneError {
				r = 0xfffd
			}
			if r > 0xffff {
				r -= 0x10000
				dst = appendU(dst, 0xd800+(r>>10))
				dst = appendU(dst, 0xdc00+(r&0x3ff))
				continue
			}
			dst = appendU(dst, r)
		default:
			dst = append(dst, byte(r))
		}
	}
	return append(dst, '"')
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexUpper[r>>12&0xf], hexUpper[r>>8&0xf], hexUpper[r>>4&0xf], hexUpper[r&0xf])
}
