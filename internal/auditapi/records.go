package auditapi

import (
	"encoding/json"
	"errors"
)

// Records is the "data" array of one page, read item by item, in order: what
// Pages hands its callback. Next moves to the next item and Item returns it.
//
// A caller that scans every item anyway (auditpull canonicalises each with
// canonjson) can delimit it by that scan instead, so that the item is read
// once: Rest returns the page from the item's first byte on, and Skip(n)
// says that the item is its first n bytes. A Stream client's page is read
// in place this way: the caller's scan and Item validate the items, Records
// the array around them, and Pages the page around the array, so that a
// page is accepted only if the Lenient reading accepts it, with the same
// items.
type Records struct {
	inPlace bool

	// A page read whole: its items.
	items []json.RawMessage

	// A page read in place.
	body     []byte
	pageErr  func() error // the error of the page, once it is found bad
	start    int          // the current item's first byte
	pos      int          // after '[' or the last item delimited; the current item's start until it is
	end      int          // the index after the array, once read to its end
	pending  bool         // the current item is not yet delimited
	finished bool

	i   int // index of the current item: -1 before the first
	err error
}

// RecordsOf returns the Records of items, a page's "data" read whole (as by
// ParsePage): for tests, and for a source of records that is not a page.
func RecordsOf(items []json.RawMessage) *Records {
	return &Records{items: items, i: -1}
}

// recordsIn returns the Records of the "data" array at body[i] (its '['),
// read in place; pageErr gives the page's error once it is found bad.
func recordsIn(body []byte, i int, pageErr func() error) *Records {
	return &Records{inPlace: true, body: body, pos: i + 1, pageErr: pageErr, i: -1}
}

// errNoRecord is a call that needs a current item when there is none.
var errNoRecord = errors.New("auditapi: no current record: call Next first")

// Next moves to the next item; false after the last one, or once the page is
// found bad (Err). An item the caller neither delimited (Skip) nor read
// (Item) is read and validated by Next.
func (r *Records) Next() bool {
	if r.err != nil || r.finished {
		return false
	}
	if !r.inPlace {
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
	case r.i < 0: // the first item, after '['
	case i < len(b) && b[i] == ',':
		i = skipSpace(b, i+1)
	default:
		return r.fail()
	}
	if i >= len(b) {
		return r.fail()
	}
	r.start, r.pos, r.pending = i, i, true
	r.i++
	return true
}

// current reports whether there is a current item.
func (r *Records) current() bool {
	if r.inPlace {
		return r.i >= 0 && !r.finished && r.err == nil
	}
	return r.i >= 0 && r.i < len(r.items)
}

// Index is the current item's position in the array.
func (r *Records) Index() int { return r.i }

// Rest returns the page from the current item's first byte on: the item and
// whatever follows it (for a page read whole, the item alone); nil when there
// is no current item.
func (r *Records) Rest() []byte {
	switch {
	case !r.current():
		return nil
	case r.inPlace:
		return r.body[r.start:]
	}
	return r.items[r.i]
}

// Skip says that the current item is the first n bytes of Rest, as the
// caller's scan of it found: a JSON value (RFC 8259) that the scan
// validated; what follows it is checked by Next. It reports false, and
// delimits nothing, when n cannot be the item: outside Rest, or (for a
// page read whole) followed by more than white space. The caller then
// reads the item with Item.
func (r *Records) Skip(n int) bool {
	switch {
	case !r.current() || n <= 0:
		return false
	case !r.inPlace:
		item := r.items[r.i]
		return n <= len(item) && skipSpace(item, n) == len(item)
	case !r.pending || n > len(r.body)-r.start:
		return false
	}
	r.pos, r.pending = r.start+n, false
	return true
}

// Item returns the current item, validated: a JSON value (RFC 8259), at any
// depth. An item read in place that is not is the page's error (Err), which
// Item returns.
func (r *Records) Item() (json.RawMessage, error) {
	switch {
	case r.err != nil:
		return nil, r.err
	case !r.current():
		return nil, errNoRecord
	case !r.inPlace:
		item := r.items[r.i]
		if !Valid(item) {
			return nil, &PageError{Index: r.i, Reason: "not JSON"}
		}
		return item, nil
	case !r.pending: // delimited by Skip or an earlier Item
		return r.body[r.start:r.pos:r.pos], nil
	}
	end, ok := lenValue(r.body, r.start)
	if !ok {
		r.fail()
		return nil, r.err
	}
	r.pos, r.pending = end, false
	return r.body[r.start:end:end], nil
}

// Err is the page's error once Records found it bad, else nil.
func (r *Records) Err() error { return r.err }

// fail records the page's error: the one the whole reading of the page
// gives it.
func (r *Records) fail() bool {
	if r.pageErr != nil {
		r.err = r.pageErr()
	}
	if r.err == nil { // the whole reading accepts the page: a caller's Skip was wrong
		r.err = &PageError{Index: r.i, Reason: "record delimited wrongly by the reader's caller"}
	}
	return false
}
