package auditpull

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tokenrelay/tokenrelay/internal/auditapi"
	"github.com/tokenrelay/tokenrelay/internal/canonjson"
	"github.com/tokenrelay/tokenrelay/internal/window"
)

// outcome is what pulling one window did.
type outcome struct {
	key                        string // "" when the window had no records
	records, duplicates, pages int
}

// scratch is the memory a run reuses from window to window.
type scratch struct {
	seen idSet
	line []byte
}

// window pulls w into its object: every record once, with its _id. On any
// error the object is aborted, so nothing is stored under its key.
func (p *Puller) window(ctx context.Context, w window.Window, sc *scratch) (outcome, error) {
	var out outcome
	clear(sc.seen)
	obj := p.Archive.Create(ctx, w.Key(p.Config.Prefix))
	q := auditapi.Query{Start: w.Start, End: w.End, ProductTypes: p.Config.ProductTypes, GeoLocations: p.Config.GeoLocations}
	err := p.API.Pages(ctx, q, func(records []json.RawMessage) error {
		out.pages++
		for i, rec := range records {
			line, id, err := canonjson.WithID(sc.line[:0], rec)
			if err != nil {
				return fmt.Errorf("record %d of page %d: %w", i, out.pages, err)
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
		return nil
	})
	if err == nil {
		out.records = obj.Lines()
		out.key, err = obj.Commit()
	}
	if err != nil {
		obj.Abort(err)
		return outcome{}, fmt.Errorf("auditpull: window %s: %w", w, p.explain(err))
	}
	return out, nil
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
