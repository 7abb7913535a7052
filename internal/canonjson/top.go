package canonjson

import "bytes"

// Bounds of the member order kept for reuse: AvePoint records have about 20
// members with short names.
const (
	maxOrderMembers = 64
	maxOrderBytes   = 4 << 10
)

// field is a member of the top-level object: where its decoded name is (in
// the input, or in state.keys when it had escapes) and the span of its
// canonical `"name":value` text, in the input when raw, else in state.side.
// It holds offsets, not slices, so that a pooled state keeps no page alive.
type field struct {
	nameAt, nameEnd int
	escaped         bool
	start, end      int
	raw             bool
}

// fieldName returns the decoded name of f.
func (s *state) fieldName(f *field) []byte {
	if f.escaped {
		return s.keys[f.nameAt:f.nameEnd]
	}
	return s.src[f.nameAt:f.nameEnd]
}

// order is the sorted order of one sequence of member names: the names
// (concatenated, each ending at ends[i]) and perm, the indexes of the
// members in name order. AvePoint sends every record with the same members
// in the same order, so the order of the last object is what the next one
// needs, and checking its names costs less than sorting.
type order struct {
	names []byte
	ends  []int
	perm  []int
	plain bool // no name holds a byte that a JSON string must escape
}

// name returns the i-th name of the order, nil past the last.
func (o *order) name(i int) []byte {
	if i >= len(o.ends) {
		return nil
	}
	start := 0
	if i > 0 {
		start = o.ends[i-1]
	}
	return o.names[start:o.ends[i]]
}

// quoted reports whether src at i holds the i-th name of the order, quoted
// and without escapes, and returns the index after it. The names are plain,
// so those bytes are a valid string holding exactly that name.
func (o *order) quoted(src []byte, i int, k int) (int, bool) {
	want := o.name(k)
	end := i + 1 + len(want)
	if want == nil || !o.plain || end >= len(src) || src[end] != '"' || !bytes.Equal(src[i+1:end], want) {
		return 0, false
	}
	return end + 1, true
}

// topObject canonicalises the top-level object at s.pos, appending to s.out,
// in one pass over its text. A member already in canonical form (a name
// without escapes, no whitespace, a string without escapes) is kept as a
// span of the input; any other is canonicalised into s.side. The members are
// then copied once, in name order, which is taken from s.order when the
// names come in the sequence of the last object, and sorted otherwise.
func (s *state) topObject() error {
	s.pos++
	s.depth++
	out := s.out
	s.out = s.side[:0]
	s.fields = s.fields[:0]
	err := s.topMembers()
	s.side, s.out = s.out, out
	if err != nil {
		return err
	}
	perm, err := s.sortFields()
	if err != nil {
		return err
	}
	s.out = append(s.out, '{')
	for i, j := range perm {
		if i > 0 {
			s.out = append(s.out, ',')
		}
		f := &s.fields[j]
		if f.raw {
			s.out = append(s.out, s.src[f.start:f.end]...)
		} else {
			s.out = append(s.out, s.side[f.start:f.end]...)
		}
	}
	s.out = append(s.out, '}')
	s.depth--
	return nil
}

// topMembers scans the members of the top-level object into s.fields,
// writing the canonical text of those not kept raw to s.out.
func (s *state) topMembers() error {
	s.sameOrder = true
	s.ws()
	if s.pos < len(s.src) && s.src[s.pos] == '}' {
		s.pos++
		return nil
	}
	seenID := false
	for {
		s.ws()
		if s.pos >= len(s.src) || s.src[s.pos] != '"' {
			return s.unexpected("a member name")
		}
		rawStart := s.pos
		var a, b int
		plainName := true
		if end, ok := s.order.quoted(s.src, s.pos, len(s.fields)); ok {
			a, b, s.pos = rawStart+1, end-1, end
		} else {
			s.sameOrder = false
			var err error
			if a, b, plainName, err = s.scanString(); err != nil {
				return err
			}
		}
		name := s.name(a, b, plainName)
		at := field{nameAt: a, nameEnd: b}
		if !plainName { // name ends s.keys
			at.nameAt, at.nameEnd, at.escaped = len(s.keys)-len(name), len(s.keys), true
		}
		if err := s.colon(); err != nil {
			return err
		}
		compact := plainName && s.pos == b+2 // `"name":` as is
		isID := s.skipID && string(name) == "_id"
		if isID && seenID {
			return s.errf("duplicate member name %q", "_id")
		}
		start := len(s.out)
		if s.pos < len(s.src) && s.src[s.pos] == '"' {
			va, vb, plainValue, err := s.scanString()
			if err != nil {
				return err
			}
			switch {
			case isID:
			case compact && plainValue:
				at.start, at.end, at.raw = rawStart, s.pos, true
				s.fields = append(s.fields, at)
			default:
				s.out = s.appendName(s.out, name, plainName)
				s.out = s.appendStringValue(s.out, s.src[va:vb], plainValue)
				at.start, at.end = start, len(s.out)
				s.fields = append(s.fields, at)
			}
		} else {
			s.out = s.appendName(s.out, name, plainName)
			if err := s.value(); err != nil {
				return err
			}
			if isID {
				s.out = s.out[:start]
			} else {
				at.start, at.end = start, len(s.out)
				s.fields = append(s.fields, at)
			}
		}
		if isID {
			seenID = true
		} else if s.skipID {
			s.top = append(s.top, span{rawStart, s.pos})
		}
		if more, err := s.nextMember(); !more || err != nil {
			return err
		}
	}
}

func (s *state) appendName(dst, name []byte, plain bool) []byte {
	if plain {
		dst = appendQuoted(dst, name)
	} else {
		dst = appendString(dst, name)
	}
	return append(dst, ':')
}

// sortFields returns the indexes of s.fields in name order, reusing s.order
// when the names are the same sequence, and otherwise sorting them and
// keeping the result in s.order.
func (s *state) sortFields() ([]int, error) {
	fs, o := s.fields, &s.order
	if s.sameOrder && len(fs) == len(o.ends) { // len(o.perm) == len(o.ends) always
		return o.perm, nil // distinct names: they were sorted once without a duplicate
	}
	ms := s.members[:0]
	for i := range fs {
		ms = append(ms, newMember(s.fieldName(&fs[i]), i, 0))
	}
	s.members = ms
	if err := s.sortMembers(ms); err != nil {
		return nil, err // the remembered order stays as it was
	}
	perm := o.perm[:0]
	for _, m := range ms {
		perm = append(perm, m.start)
	}
	clear(ms) // see putState
	s.members = ms[:0]
	o.perm, o.names, o.ends = perm, o.names[:0], o.ends[:0]
	var size int
	for i := range fs {
		size += fs[i].nameEnd - fs[i].nameAt
	}
	if len(fs) > maxOrderMembers || size > maxOrderBytes {
		o.perm = nil
		return perm, nil
	}
	o.plain = true
	for i := range fs {
		name := s.fieldName(&fs[i])
		o.names = append(o.names, name...)
		o.ends = append(o.ends, len(o.names))
		o.plain = o.plain && skipPlain(name, 0) == len(name)
	}
	return perm, nil
}
