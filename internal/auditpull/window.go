package auditpull

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/archive"
	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/manifest"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// outcome is what pulling one window did.
type outcome struct {
	key                        string // "" when the window had no records and no earlier object
	records, duplicates, pages int
	raw, quarantined           int // poison records stored by their raw bytes; non-objects quarantined
	delta                      int // records gained (or lost) against the previous manifest
}

// scratch is the memory a window in flight reuses from window to window.
type scratch struct {
	seen idSet
	line []byte
}

// run is what a window's manifest says of the invocation that pulled it.
type run struct {
	requestID string
}

// window pulls w into its object: every record once, with its _id; then
// writes its manifest. On any error the object is aborted, so nothing is
// stored under its key, and no manifest is written.
func (p *Puller) window(ctx context.Context, w window.Window, sc *scratch, rn run) (outcome, error) {
	var out outcome
	clear(sc.seen)
	obj := p.Archive.Create(ctx, w.Key(p.Config.Prefix))
	var quarantine *archive.Object // created for the first item that is not an object
	q := auditapi.Query{Start: w.Start, End: w.End, ProductTypes: p.Config.ProductTypes, GeoLocations: p.Config.GeoLocations}
	err := p.API.Pages(ctx, q, func(records *auditapi.Records) error {
		out.pages++
		for records.Next() {
			// The common case: canonjson's scan of the record is also what
			// delimits it in the page, so the record is read once.
			rest := records.Rest()
			line, id, n, err := canonjson.WithIDPrefix(sc.line[:0], rest)
			if err == nil && !records.Skip(n) {
				err = errors.New("the page reader refused the record's end")
			}
			if err != nil {
				if line, id, err = p.poison(ctx, w, &out, records, &quarantine, sc.line[:0], err); err != nil {
					return err
				}
				if line == nil {
					continue
				}
			}
			sc.line = line
			if !sc.seen.add(id) {
				out.duplicates++
				continue
			}
			if err := obj.WriteLine(line); err != nil {
				return err
			}
		}
		return records.Err()
	})
	// A re-pull replaces what the previous pull stored, even with nothing
	// (README: "S3 layout"): the manifest then names an empty object, not a
	// key that still holds the earlier records.
	var prev manifest.Manifest
	var found bool
	if err == nil {
		prev, found, err = p.manifests().Get(ctx, w)
	}
	if err == nil && found {
		if prev.Object.Key != "" {
			obj.KeepEmpty()
		}
		if prev.Quarantine.Key != "" {
			if quarantine == nil {
				quarantine = p.Archive.Create(ctx, w.QuarantineKey(p.Config.Prefix))
			}
			quarantine.KeepEmpty()
		}
	}
	var qs archive.Stored
	if err == nil && quarantine != nil {
		if _, err = quarantine.Commit(); err == nil {
			qs = quarantine.Stored()
		}
	}
	if err == nil {
		out.records = obj.Lines()
		out.key, err = obj.Commit()
	}
	if err == nil {
		out.delta, err = p.writeManifest(ctx, w, q, out, obj.Stored(), qs, rn, prev, found)
	}
	if err != nil {
		obj.Abort(err)
		if quarantine != nil {
			quarantine.Abort(err)
		}
		return outcome{}, fmt.Errorf("auditpull: window %s: %w", w, p.explain(err))
	}
	if out.raw+out.quarantined > 0 {
		p.publishPoison(ctx, w, out.raw+out.quarantined)
	}
	return out, nil
}

// poison handles the current record of records, which canonjson could not
// canonicalise for cause (README: "S3 layout"): an item that is not an
// object goes to the window's quarantine object (created on first use), and
// line is nil; an object without a canonical form gets its raw line. An item
// that is not JSON at all is the page's error.
func (p *Puller) poison(ctx context.Context, w window.Window, out *outcome, records *auditapi.Records,
	quarantine **archive.Object, dst []byte, cause error) (line []byte, id [32]byte, err error) {
	rec, err := records.Item()
	if err != nil {
		return nil, id, err
	}
	i := records.Index()
	if !isObject(rec) {
		if *quarantine == nil {
			*quarantine = p.Archive.Create(ctx, w.QuarantineKey(p.Config.Prefix))
		}
		if err := (*quarantine).WriteLine(quarantineLine(dst, w.String(), out.pages, i, rec)); err != nil {
			return nil, id, err
		}
		out.quarantined++
		p.log().WarnContext(ctx, "page item is not a record object; quarantined", "window", w.String(),
			"page", out.pages, "index", i, "key", w.QuarantineKey(p.Config.Prefix))
		return nil, id, nil
	}
	line, id = rawLine(dst, rec)
	out.raw++
	p.log().WarnContext(ctx, "record has no canonical form; stored as returned with _id_basis raw",
		"window", w.String(), "page", out.pages, "index", i, "reason", fmt.Sprint(cause))
	return line, id, nil
}

// writeManifest writes w's manifest (README: "S3 layout"), after its
// objects and before the checkpoint moves, with the change in records
// against prev, the manifest it replaces (found is false when there is none).
func (p *Puller) writeManifest(ctx context.Context, w window.Window, q auditapi.Query, out outcome,
	obj, quarantine archive.Stored, rn run, prev manifest.Manifest, found bool) (int, error) {
	m := manifest.Manifest{
		WindowStart: w.Start.UTC(), WindowEnd: w.End.UTC(),
		Query: manifest.Query{StartTime: stamp(q.Start), EndTime: stamp(q.End),
			ProductTypes: orEmpty(q.ProductTypes), GeoLocations: orEmpty(q.GeoLocations)},
		Pages: out.pages, Records: out.records, Duplicates: out.duplicates,
		RawIDRecords: out.raw, Quarantined: out.quarantined,
		Object: describe(obj), Quarantine: describe(quarantine),
		RequestID: rn.requestID, PulledAt: p.now().Truncate(time.Second),
	}
	if found {
		m.PreviousRecords = &prev.Records
		m.RecordsDelta = out.records - prev.Records
	}
	return m.RecordsDelta, p.manifests().Put(ctx, m)
}

func describe(st archive.Stored) manifest.Object {
	if st.Key == "" {
		return manifest.Object{}
	}
	return manifest.Object{Key: st.Key, Size: st.Size, SHA256: hex.EncodeToString(st.SHA256[:]), VersionID: st.VersionID}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// explain adds what an operator needs to know to the errors that name no
// setting of their own.
func (p *Puller) explain(err error) error {
	var unauthorized *auditapi.UnauthorizedError
	if errors.As(err, &unauthorized) {
		return fmt.Errorf("the token in parameter %s was refused even after re-reading it: %w", p.Config.TokenParameter, err)
	}
	return err
}
