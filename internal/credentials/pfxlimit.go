package credentials

import (
	"encoding/asn1"
)

// MaxPFXIterations bounds the key-derivation iteration counts a PFX may ask
// for. go-pkcs12 runs whatever count the file states, before it can tell a
// wrong password or a corrupt file, so one corrupt byte could keep a refresh
// busy for minutes. Real files use 2,000 to 10,000 (OpenSSL 2048, Windows
// 2000, Java 10000); a million leaves room for hardened exports.
const MaxPFXIterations = 1_000_000

// maxPFXDepth bounds the nesting followed when looking for iteration counts.
const maxPFXDepth = 24

// pfxIterationsTooHigh reports whether the DER of a PFX states an iteration
// count above MaxPFXIterations in the parts readable without the password.
//
// Every PKCS#12 iteration count (macData, pbeParams, PBKDF2-params, including
// PBMAC1's) is an INTEGER that directly follows the salt OCTET STRING in a
// SEQUENCE, so the walk checks every such pair, descending into constructed
// values and into OCTET STRINGs holding DER (the authenticated safe). Counts
// inside encrypted content are reached only after the MAC, itself bounded
// here, has been checked. Input that is not DER is left to the decoder.
func pfxIterationsTooHigh(der []byte) bool {
	return tooHigh(der, 0)
}

func tooHigh(der []byte, depth int) bool {
	if depth > maxPFXDepth {
		return false
	}
	// Only content that is DER from end to end is looked into, so that the
	// bytes of a salt or a ciphertext are not mistaken for structure.
	values, ok := split(der)
	if !ok {
		return false
	}
	for i, v := range values {
		switch {
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger && i > 0 && isOctetString(values[i-1]):
			if integerAbove(v.Bytes, MaxPFXIterations) {
				return true
			}
		case v.IsCompound, isOctetString(v):
			if tooHigh(v.Bytes, depth+1) {
				return true
			}
		}
	}
	return false
}

// split parses der as a series of DER values.
func split(der []byte) ([]asn1.RawValue, bool) {
	var out []asn1.RawValue
	for len(der) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(der, &v)
		if err != nil {
			return nil, false
		}
		out = append(out, v)
		der = rest
	}
	return out, true
}

func isOctetString(v asn1.RawValue) bool {
	return v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString && !v.IsCompound
}

// integerAbove reports whether the DER INTEGER content b is above limit.
// Negative values are not (the decoder rejects or ignores them).
func integerAbove(b []byte, limit int64) bool {
	if len(b) == 0 || b[0]&0x80 != 0 {
		return false
	}
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > 7 {
		return true
	}
	var n int64
	for _, c := range b {
		n = n<<8 | int64(c)
	}
	return n > limit
}
