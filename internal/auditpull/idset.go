package auditpull

// idSet remembers the _id of every record written to a window's object, by
// the first 16 bytes of the SHA-256: see the package documentation for its
// cost and why 16 bytes suffice.
type idSet map[[16]byte]struct{}

// add records id and reports whether it is new.
func (s idSet) add(id [32]byte) bool {
	k := [16]byte(id[:16])
	if _, ok := s[k]; ok {
		return false
	}
	s[k] = struct{}{}
	return true
}
