package auditapi

import "encoding/json"

// Records is the "data" array of one page, read item by item, in order: what
// Pages hands its callback. Next moves to the next item and Item returns it.
//
// A caller that scans every item anyway (auditpull canonicalises each with
// canonjson) can delimit it by that scan instead, so that the item is read
// once: Rest returns the page from the item's first byte on, and Skip(n)
// says that the item is its first n bytes. A Stream client's page is then
// read in place, and its items are validated by the caller's scan and by
// Item; Records checks the array around them, and Pages the page around the
// array, so that a page is accepted only if ParsePage (or the Lenient
// reading) accepts it, with the same items.
type Records struct {
	// A page read whole: its items. nil for a page read in place.
	items []json.RawMessage

	// A page read in place.
	body     []byte
	lenient  bool         // items need not be objects, nor within maxDepth
	pageErr  func() error // the error of the page, once it is found bad
	pos      int          // the current item's start; after Skip or Item, its end
	end      int          // the index after the array, once read to its end
	started  bool
	pending  bool // the current item is not yet delimited
	finished bool

	i   int // index of the current item
	err error
}

// RecordsOf returns the Records of items, a page's "data" read whole (as by
// ParsePage): for tests, and for a source of records that is not a page.
func RecordsOf(items []json.RawMessage) *Records {
	if items == nil {
		items = []json.RawMessage{}
	}
	return &Records{items: items, i: -1}
}

// inPlace returns the Records of the "data" array at body[i] (its '[').
func inPlace(body []byte, i int, lenient bool, pageErr func() error) *Records {
	return &Records{body: body, pos: i + 1, lenient: lenient, pageErr: pageErr, i: -1}
}

// Next moves to the next item; false after the last one, or once the page is
// found bad (Err). An item the caller neither delimited (Skip) nor read
// (Item) is delimited and validated by Next.
func (r *Records) Next() bool {
	if r.err != nil || r.finished {
		return false
	}
	if r.items != nil {
		r.i++
		r.finished = r.i >= len(r.items)
		return !r.finished
	}
	if r.pending {
		if _, err := r.Item(); err != nil {
			return false
		}
	}
	b := r.body
	i := skipSpace(b, r.pos)
	switch {
	case i < len(b) && b[i] == ']':
		r.end, r.finished = i+1, true
		return false
	case !r.started: // the first item, after '['
	case i < len(b) && b[i] == ',':
		i = skipSpace(b, i+1)
	default:
		return r.fail()
	}
	if i >= len(b) {
		return r.fail()
	}
	r.pos, r.started, r.pending = i, true, true
	r.i++
	return true
}

// Index is the current item's position in the array.
func (r *Records) Index() int { return r.i }

// Rest returns the page from the current item's first byte on: the item and
// whatever follows it. For a page read whole it is the item alone.
func (r *Records) Rest() []byte {
	if r.items != nil {
		return r.items[r.i]
	}
	return r.body[r.pos:]
}

// Skip says that the current item is the first n bytes of Rest, as the
// caller's scan of it found: a JSON value (RFC 8259) that the scan
// validated. It reports false, and delimits nothing, when n cannot be the
// item (for a page read whole: when more than white space follows it); the
// caller then reads the item with Item.
func (r *Records) Skip(n int) bool {
	if r.items != nil {
		return n > 0 && skipSpace(r.items[r.i], n) == len(r.items[r.i])
	}
	if !r.pending || n <= 0 || r.pos+n > len(r.body) {
		return false
	}
	r.pos += n
	r.pending = false
	return true
}

// Item returns the current item, validated: a JSON value, and for a page
// that is not Lenient an object within ParsePage's nesting limit. An item
// that is not is the page's error (Err), which Item returns.
func (r *Records) Item() (json.RawMessage, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.items != nil {
		item := r.items[r.i]
		if !Valid(item) {
			r.err = &PageError{Index: r.i, Reason: "not JSON"}
			return nil, r.err
		}
		return item, nil
	}
	if !r.pending {
		return nil, &PageError{Index: r.i, Reason: "record already read"}
	}
	start := r.pos
	end, ok := lenValue(r.body, start)
	if ok && !r.lenient {
		var err error
		end, err = scanValue(r.body, start, 2)
		ok = err == nil && r.body[start] == '{'
	}
	if !ok {
		r.fail()
		return nil, r.err
	}
	r.pos, r.pending = end, false
	return r.body[start:end:end], nil
}

// Err is the page's error once Records found it bad, else nil.
func (r *Records) Err() error { return r.err }

// All reads the remaining items.
func (r *Records) All() ([]json.RawMessage, error) {
	var items []json.RawMessage
	for r.Next() {
		item, err := r.Item()
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, r.err
}

// fail records the page's error: the one ParsePage (or the Lenient reading)
// gives the whole body.
func (r *Records) fail() bool {
	r.err = r.pageErr()
	if r.err == nil { // the Lenient reading accepts what is not JSON inside a string
		r.err = &PageError{Index: r.i, Reason: "not JSON"}
	}
	return false
}
