package canonjson

import "slices"

// member is one object member: its unescaped name and the span of its
// canonical `"name":value` text in out. prefix holds the name's first 8
// bytes, big-endian and zero-padded, when they are ASCII (ascii is then
// true): for such names comparing prefixes orders them as compareNames does,
// whenever the prefixes differ.
type member struct {
	name       []byte
	start, end int
	prefix     uint64
	ascii      bool
}

func newMember(name []byte, start, end int) member {
	m := member{name: name, start: start, end: end, ascii: true}
	for i := range 8 {
		var c byte
		if i < len(name) {
			c = name[i]
		}
		if c >= 0x80 {
			m.ascii = false
			break
		}
		m.prefix = m.prefix<<8 | uint64(c)
	}
	return m
}

func compareMembers(x, y *member) int {
	if x.ascii && y.ascii && x.prefix != y.prefix {
		if x.prefix < y.prefix {
			return -1
		}
		return 1
	}
	return compareNames(x.name, y.name)
}

// sortMembers sorts ms by name; two equal names are an error.
func (s *state) sortMembers(ms []member) error {
	if len(ms) <= 40 {
		insertionSort(ms)
	} else {
		slices.SortFunc(ms, func(x, y member) int { return compareMembers(&x, &y) })
	}
	for i := 1; i < len(ms); i++ {
		if compareMembers(&ms[i-1], &ms[i]) == 0 {
			return s.errf("duplicate member name %q in the object ending", clip(ms[i].name))
		}
	}
	return nil
}

func insertionSort(ms []member) {
	for i := 1; i < len(ms); i++ {
		m := ms[i]
		j := i
		for ; j > 0 && compareMembers(&ms[j-1], &m) > 0; j-- {
			ms[j] = ms[j-1]
		}
		ms[j] = m
	}
}

// clip shortens a member name for an error message.
func clip(name []byte) string {
	if len(name) > 64 {
		return string(name[:64]) + "…"
	}
	return string(name)
}
