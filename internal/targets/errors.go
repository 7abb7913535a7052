package targets

import (
	"strconv"
	"strings"
)

// Problem is one reason a document is invalid.
type Problem struct {
	// Target is the target's name, or "targets[i]" (its position) when its
	// name is missing or invalid; empty for a problem of the document itself
	// or of its defaults.
	Target string
	// Field is the JSON field at fault ("token_url", "params.audience",
	// "defaults.name"); empty for a problem of the whole document or target.
	Field string
	// Message says what is wrong, never repeating the field's value.
	Message string
}

// String renders the problem as `target "aos-audit": token_url: message`.
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.Target == "":
	case strings.HasPrefix(p.Target, "targets["):
		b.WriteString(p.Target)
		b.WriteString(": ")
	default:
		b.WriteString("target ")
		b.WriteString(strconv.Quote(p.Target))
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError is the error of a document that failed validation; it
// lists every problem found.
type ValidationError struct {
	// Source says where the document came from when a [Loader] read it
	// ("REFRESHER_CONFIG" or "SSM parameter /name"); empty from [Parse].
	Source string
	// Problems are in document order; there is at least one.
	Problems []Problem
}

// Error lists the problems:
// `config: invalid document: target "aos-audit": token_url: must be https (or a loopback host); target "x": ...`.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("config: invalid document")
	if e.Source != "" {
		b.WriteString(" (from ")
		b.WriteString(e.Source)
		b.WriteString(")")
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}
