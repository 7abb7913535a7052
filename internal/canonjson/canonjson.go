package canonjson

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// SyntaxError reports input that is not valid JSON, or that the canonical
// form cannot represent (a duplicate member name, too deep nesting).
type SyntaxError struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Msg says what is wrong.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("canonjson: %s at offset %d", e.Msg, e.Offset)
}

// ErrNotObject is returned by ID and WithID for a value that is not a JSON
// object.
var ErrNotObject = errors.New("canonjson: record is not a JSON object")

// Buffers larger than this are not kept for reuse, so one huge record does
// not pin its memory for the life of the process.
const maxPooled = 1 << 20

var states = sync.Pool{New: func() any { return new(state) }}

// reset prepares s for one value.
func (s *state) reset(src []byte, out []byte, skipID bool) {
	s.src, s.pos, s.out, s.depth, s.skipID = src, 0, out, 0, skipID
	s.keys, s.members, s.top, s.spaced = s.keys[:0], s.members[:0], s.top[:0], false
}

func putState(s *state) {
	// Member names point into the record, and so into its whole page: a
	// pooled state must not keep a page alive (members is empty unless an
	// error cut a scan short; fields holds offsets).
	s.src, s.out = nil, nil
	clear(s.members)
	if cap(s.keys) > maxPooled || cap(s.tmp) > maxPooled || cap(s.scratch) > maxPooled {
		return
	}
	if cap(s.side) > maxPooled || cap(s.members) > maxPooled/32 || cap(s.top) > maxPooled/16 || cap(s.fields) > maxPooled/48 {
		return
	}
	states.Put(s)
}

// Append appends the canonical form of the JSON value raw to dst and returns
// the extended buffer. raw must not overlap dst's spare capacity. On error
// dst is returned with its original length.
func Append(dst, raw []byte) ([]byte, error) {
	s := states.Get().(*state)
	out, err := s.append(dst, raw)
	putState(s)
	return out, err
}

func (s *state) append(dst, raw []byte) ([]byte, error) {
	s.reset(raw, dst, false)
	if err := s.document(false); err != nil {
		return dst, err
	}
	return s.out, nil
}

// ID returns the SHA-256 of the canonical form of the JSON object record,
// with a top-level "_id" member left out. A value that is not an object is
// ErrNotObject.
func ID(record []byte) ([32]byte, error) {
	s := states.Get().(*state)
	_, id, err := s.withID(nil, record, false)
	putState(s)
	return id, err
}

// WithID appends to dst the JSON object record without insignificant
// whitespace and with "_id" set to the lowercase hex of ID(record) as its
// first member. An "_id" the record already had is replaced; the other
// members keep their order and their bytes. No newline is added. On error
// dst is returned with its original length.
func WithID(dst, record []byte) (line []byte, id [32]byte, err error) {
	s := states.Get().(*state)
	line, id, err = s.withID(dst, record, true)
	putState(s)
	return line, id, err
}

// WithIDPrefix is WithID for the JSON object at the start of text, which
// may go on past it (the rest of an array, say): n is the object's length,
// so that a reader of a JSON array can delimit the object by
// canonicalising it, one scan for both. White space before the object is
// skipped and counted in n; what follows the object is not read.
func WithIDPrefix(dst, text []byte) (line []byte, id [32]byte, n int, err error) {
	s := states.Get().(*state)
	s.prefix = true
	line, id, err = s.withID(dst, text, true)
	n, s.prefix = s.pos, false
	putState(s)
	if err != nil {
		n = 0
	}
	return line, id, n, err
}

// withID computes the id of record and, if line, appends the record's line to
// dst.
func (s *state) withID(dst, record []byte, line bool) ([]byte, [32]byte, error) {
	s.reset(record, s.scratch[:0], true)
	err := s.document(true)
	var id [32]byte
	if err == nil {
		id = sha256.Sum256(s.out)
		if line {
			dst = s.appendLine(dst, &id)
		}
	}
	s.scratch = s.out
	return dst, id, err
}

// appendLine writes the record's top-level members, recorded by document,
// behind a fresh "_id" member.
func (s *state) appendLine(dst []byte, id *[32]byte) []byte {
	dst = append(dst, `{"_id":"`...)
	dst = hex.AppendEncode(dst, id[:])
	dst = append(dst, '"')
	if !s.spaced && contiguous(s.top) {
		// The members as they came, separated by commas: one copy.
		if len(s.top) > 0 {
			dst = append(dst, ',')
			dst = append(dst, s.src[s.top[0].start:s.top[len(s.top)-1].end]...)
		}
		return append(dst, '}')
	}
	for _, m := range s.top {
		dst = append(dst, ',')
		if s.spaced {
			dst = appendCompact(dst, s.src[m.start:m.end])
		} else {
			dst = append(dst, s.src[m.start:m.end]...)
		}
	}
	return append(dst, '}')
}

// contiguous reports whether the spans follow each other with one byte (a
// comma, in a record without whitespace) between them.
func contiguous(spans []span) bool {
	for i := 1; i < len(spans); i++ {
		if spans[i].start != spans[i-1].end+1 {
			return false
		}
	}
	return true
}

// appendCompact appends valid JSON text src without insignificant
// whitespace, keeping every other byte.
func appendCompact(dst, src []byte) []byte {
	start, inString := 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}
