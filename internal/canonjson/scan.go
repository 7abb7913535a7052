package canonjson

import "fmt"

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// state is one canonicalisation in progress; its buffers are reused through
// a sync.Pool.
type state struct {
	src    []byte
	pos    int
	out    []byte // canonical output
	depth  int
	skipID bool // leave out the top-level "_id" member

	keys    []byte   // unescaped member names that had escapes
	members []member // members of the objects being scanned, innermost last
	tmp     []byte   // reordering space
	scratch []byte   // reused as out by ID and WithID
	top     []span   // raw top-level members except "_id", for WithID
	spaced  bool     // whitespace seen inside the top-level value

	side   []byte  // canonical text of the top-level members not kept raw
	fields []field // the top-level object's members
	order  order   // the member order of the last top-level object
	// sameOrder: the top-level object's names so far are those of order,
	// in its sequence.
	sameOrder bool
	generic   bool // canonicalise the top-level object as a nested one (tests)
	prefix    bool // the value ends the document; what follows it is not read
}

type span struct{ start, end int }

func (s *state) errf(format string, args ...any) error {
	return &SyntaxError{Offset: s.pos, Msg: fmt.Sprintf(format, args...)}
}

func (s *state) unexpected(what string) error {
	if s.pos >= len(s.src) {
		return s.errf("unexpected end of input, want %s", what)
	}
	return s.errf("invalid character %q, want %s", s.src[s.pos], what)
}

// document scans the whole input as one value.
func (s *state) document(object bool) error {
	s.ws()
	if object && (s.pos >= len(s.src) || s.src[s.pos] != '{') {
		if err := s.value(); err != nil {
			return err
		}
		return ErrNotObject
	}
	var err error
	if !s.generic && s.pos < len(s.src) && s.src[s.pos] == '{' {
		err = s.topObject()
	} else {
		err = s.value()
	}
	if err != nil || s.prefix {
		return err
	}
	s.ws()
	if s.pos != len(s.src) {
		return s.unexpected("end of input after the value")
	}
	return nil
}

func (s *state) ws() {
	if s.pos < len(s.src) && s.src[s.pos] > ' ' {
		return // the common case, kept small enough to inline
	}
	s.space()
}

func (s *state) space() {
	start := s.pos
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			if s.pos != start && s.depth > 0 {
				s.spaced = true
			}
			return
		}
	}
	if s.pos != start && s.depth > 0 {
		s.spaced = true
	}
}

func (s *state) value() error {
	if s.pos >= len(s.src) {
		return s.unexpected("a value")
	}
	switch c := s.src[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		a, b, plain, err := s.scanString()
		if err != nil {
			return err
		}
		s.out = s.appendStringValue(s.out, s.src[a:b], plain)
		return nil
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.unexpected("a value")
}

// appendStringValue appends the canonical form of a validated string's
// content.
func (s *state) appendStringValue(dst, content []byte, plain bool) []byte {
	if plain {
		return appendQuoted(dst, content)
	}
	if out, ok := appendEscaped(dst, content); ok {
		return out
	}
	k := len(s.keys)
	s.keys = unescape(s.keys, content)
	dst = appendString(dst, s.keys[k:])
	s.keys = s.keys[:k]
	return dst
}

func (s *state) literal(lit string) error {
	if len(s.src)-s.pos < len(lit) || string(s.src[s.pos:s.pos+len(lit)]) != lit {
		return s.unexpected(lit)
	}
	s.pos += len(lit)
	s.out = append(s.out, lit...)
	return nil
}

func (s *state) array() error {
	s.pos++
	if s.depth++; s.depth > maxDepth {
		return s.errf("nesting deeper than %d", maxDepth)
	}
	s.out = append(s.out, '[')
	s.ws()
	if s.pos < len(s.src) && s.src[s.pos] == ']' {
		s.pos++
		s.depth--
		s.out = append(s.out, ']')
		return nil
	}
	for {
		s.ws()
		if err := s.value(); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.src) {
			return s.unexpected("',' or ']'")
		}
		switch s.src[s.pos] {
		case ',':
			s.pos++
			s.out = append(s.out, ',')
		case ']':
			s.pos++
			s.depth--
			s.out = append(s.out, ']')
			return nil
		default:
			return s.unexpected("',' or ']'")
		}
	}
}

func (s *state) object() error {
	s.pos++
	if s.depth++; s.depth > maxDepth {
		return s.errf("nesting deeper than %d", maxDepth)
	}
	top := s.depth == 1 && s.skipID
	s.out = append(s.out, '{')
	body := len(s.out)
	base, keysBase := len(s.members), len(s.keys)
	sorted, seenID := true, false
	s.ws()
	if s.pos < len(s.src) && s.src[s.pos] == '}' {
		s.pos++
		s.depth--
		s.out = append(s.out, '}')
		return nil
	}
	for {
		s.ws()
		if s.pos >= len(s.src) || s.src[s.pos] != '"' {
			return s.unexpected("a member name")
		}
		rawStart := s.pos
		a, b, plain, err := s.scanString()
		if err != nil {
			return err
		}
		name := s.name(a, b, plain)
		if err := s.colon(); err != nil {
			return err
		}
		isID := top && string(name) == "_id"
		if isID && seenID {
			return s.errf("duplicate member name %q", "_id")
		}
		comma := len(s.out) > body
		if comma {
			s.out = append(s.out, ',')
		}
		start := len(s.out)
		if plain {
			s.out = appendQuoted(s.out, name)
		} else {
			s.out = appendString(s.out, name)
		}
		s.out = append(s.out, ':')
		if err := s.value(); err != nil {
			return err
		}
		switch {
		case isID:
			seenID = true
			if comma {
				start--
			}
			s.out = s.out[:start]
		default:
			if top {
				s.top = append(s.top, span{rawStart, s.pos})
			}
			m := newMember(name, start, len(s.out))
			if n := len(s.members); n > base {
				switch c := compareMembers(&s.members[n-1], &m); {
				case c == 0:
					return &SyntaxError{Offset: rawStart, Msg: fmt.Sprintf("duplicate member name %q", clip(name))}
				case c > 0:
					sorted = false
				}
			}
			s.members = append(s.members, m)
		}
		more, err := s.nextMember()
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if !sorted {
		if err := s.reorder(body, s.members[base:]); err != nil {
			return err
		}
	}
	clear(s.members[base:]) // see putState
	s.members = s.members[:base]
	s.keys = s.keys[:keysBase]
	s.depth--
	s.out = append(s.out, '}')
	return nil
}

// name returns the member name whose content is src[a:b], decoded into
// s.keys when it holds escapes.
func (s *state) name(a, b int, plain bool) []byte {
	if plain {
		return s.src[a:b]
	}
	return s.unescapeName(a, b)
}

func (s *state) unescapeName(a, b int) []byte {
	k := len(s.keys)
	s.keys = unescape(s.keys, s.src[a:b])
	return s.keys[k:]
}

// colon skips the ':' after a member name and the whitespace around it.
func (s *state) colon() error {
	if p := s.pos; p+1 < len(s.src) && s.src[p] == ':' && s.src[p+1] > ' ' {
		s.pos = p + 1 // the common case, kept small enough to inline
		return nil
	}
	return s.spacedColon()
}

func (s *state) spacedColon() error {
	s.ws()
	if s.pos >= len(s.src) || s.src[s.pos] != ':' {
		return s.unexpected("':'")
	}
	s.pos++
	s.ws()
	return nil
}

// reorder rewrites out[body:] with the members ms in name order.
func (s *state) reorder(body int, ms []member) error {
	if err := s.sortMembers(ms); err != nil {
		return err
	}
	s.tmp = append(s.tmp[:0], s.out[body:]...)
	s.out = s.out[:body]
	for i, m := range ms {
		if i > 0 {
			s.out = append(s.out, ',')
		}
		s.out = append(s.out, s.tmp[m.start-body:m.end-body]...)
	}
	return nil
}

// nextMember reads what follows an object member: ',' (more is true) or
// '}'.
func (s *state) nextMember() (more bool, err error) {
	if s.pos < len(s.src) && s.src[s.pos] == ',' {
		s.pos++ // the common case, kept small enough to inline
		return true, nil
	}
	return s.lastMember()
}

func (s *state) lastMember() (more bool, err error) {
	s.ws()
	if s.pos >= len(s.src) {
		return false, s.unexpected("',' or '}'")
	}
	switch s.src[s.pos] {
	case ',':
		s.pos++
		return true, nil
	case '}':
		s.pos++
		return false, nil
	}
	return false, s.unexpected("',' or '}'")
}
