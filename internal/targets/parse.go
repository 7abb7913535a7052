package targets

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/tokenrelay/tokenrelay/internal/canonjson"
)

// nameRE is what a target name must match.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Parse decodes and validates a configuration document. The error is a
// *ValidationError listing every problem when the document is invalid.
func Parse(doc []byte) (*Document, error) {
	var p parser
	cfg := p.document(doc)
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	return cfg, nil
}

// parser collects the problems of one document.
type parser struct {
	problems []Problem
}

func (p *parser) add(target, field, message string) {
	p.problems = append(p.problems, Problem{Target: target, Field: field, Message: message})
}

// spec is one decoded object (the defaults or one target) before merging.
type spec struct {
	strs         map[string]string
	params       map[string]string
	paramOrder   []string
	hasParams    bool
	instances    []string
	instanceIdx  []int
	hasInstances bool
	// bad holds the fields present with a problem of shape, which are not
	// validated further.
	bad map[string]bool
}

func (p *parser) document(doc []byte) *Document {
	if err := json.Unmarshal(doc, new(json.RawMessage)); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			p.add("", "", fmt.Sprintf("malformed JSON at offset %d: %v", syntax.Offset, syntax))
		} else {
			p.add("", "", "malformed JSON")
		}
		return nil
	}
	top, ok := members(doc)
	if !ok {
		p.add("", "", "the document must be a JSON object, not "+canonjson.Kind(doc))
		return nil
	}
	var defaultsRaw, targetsRaw json.RawMessage
	for _, m := range top {
		switch m.key {
		case "defaults", "targets":
			dst := &defaultsRaw
			if m.key == "targets" {
				dst = &targetsRaw
			}
			if *dst != nil {
				p.add("", m.key, "duplicate field")
				continue
			}
			*dst = m.value
		default:
			p.add("", m.key, unknownMessage(m.key, documentFields))
		}
	}

	var defaults spec
	if defaultsRaw != nil {
		ms, ok := members(defaultsRaw)
		if !ok {
			p.add("", "defaults", "must be an object, not "+canonjson.Kind(defaultsRaw))
		}
		defaults = p.spec(ms, "", "defaults.", true)
	}

	if targetsRaw == nil {
		p.add("", "targets", "required: list at least one target")
		return nil
	}
	els, ok := elements(targetsRaw)
	switch {
	case !ok:
		p.add("", "targets", "must be an array of targets, not "+canonjson.Kind(targetsRaw))
		return nil
	case len(els) == 0:
		p.add("", "targets", "must list at least one target")
		return nil
	}

	v := validator{parser: p, names: map[string]string{}, parameters: map[string]string{}}
	cfg := &Document{}
	for i, el := range els {
		label := "targets[" + strconv.Itoa(i) + "]"
		ms, ok := members(el)
		if !ok {
			p.add(label, "", "must be an object, not "+canonjson.Kind(el))
			continue
		}
		if name, ok := nameOf(ms); ok {
			label = name
		}
		d := merge(i, label, defaults, p.spec(ms, label, "", false))
		cfg.Targets = append(cfg.Targets, v.target(d)...)
	}
	return cfg
}

// nameOf returns the target's name when it is valid.
func nameOf(ms []member) (string, bool) {
	for _, m := range ms {
		if m.key == fieldName {
			name, ok := canonjson.String(m.value)
			return name, ok && nameRE.MatchString(name)
		}
	}
	return "", false
}

// spec decodes the members of the defaults (inDefaults) or of one target,
// reporting unknown and duplicate fields and fields of the wrong JSON type.
func (p *parser) spec(ms []member, target, prefix string, inDefaults bool) spec {
	s := spec{strs: map[string]string{}, bad: map[string]bool{}}
	seen := map[string]bool{}
	for _, m := range ms {
		field := prefix + shortKey(m.key)
		if seen[m.key] {
			p.add(target, field, "duplicate field")
			s.bad[m.key] = true
			continue
		}
		seen[m.key] = true
		k, known := targetFields[m.key]
		switch {
		case !known:
			p.add(target, field, unknownMessage(m.key, targetFields))
			continue
		case inDefaults && m.key == fieldName:
			p.add(target, field, "not allowed in defaults: every target names itself")
			continue
		case inDefaults && m.key == fieldInstances:
			p.add(target, field, "not allowed in defaults: list instances in the target")
			continue
		}
		switch k {
		case kindString:
			v, ok := canonjson.String(m.value)
			if !ok {
				p.add(target, field, "must be a string, not "+canonjson.Kind(m.value))
				s.bad[m.key] = true
				continue
			}
			s.strs[m.key] = v
		case kindParams:
			p.params(&s, m.value, target, field)
		case kindInstances:
			p.instances(&s, m.value, target, field)
		}
	}
	return s
}

func (p *parser) params(s *spec, raw json.RawMessage, target, field string) {
	ms, ok := members(raw)
	if !ok {
		p.add(target, field, "must be an object of strings, not "+canonjson.Kind(raw))
		s.bad[fieldParams] = true
		return
	}
	s.hasParams = true
	s.params = map[string]string{}
	for _, m := range ms {
		if _, dup := s.params[m.key]; dup {
			p.add(target, field+"."+shortKey(m.key), "duplicate field")
			continue
		}
		v, ok := canonjson.String(m.value)
		if !ok {
			p.add(target, field+"."+shortKey(m.key), "must be a string, not "+canonjson.Kind(m.value))
			continue
		}
		s.params[m.key] = v
		s.paramOrder = append(s.paramOrder, m.key)
	}
}

func (p *parser) instances(s *spec, raw json.RawMessage, target, field string) {
	els, ok := elements(raw)
	if !ok {
		p.add(target, field, "must be an array of instance names, not "+canonjson.Kind(raw))
		s.bad[fieldInstances] = true
		return
	}
	s.hasInstances = true
	for i, el := range els {
		v, ok := canonjson.String(el)
		if !ok {
			p.add(target, fmt.Sprintf("%s[%d]", field, i), "must be a string, not "+canonjson.Kind(el))
			s.bad[fieldInstances] = true
			continue
		}
		s.instances = append(s.instances, v)
		s.instanceIdx = append(s.instanceIdx, i)
	}
}

// shortKey cuts a field name repeated in a problem to 64 bytes, so that a
// runaway key cannot flood the error.
func shortKey(key string) string {
	if len(key) <= 64 {
		return key
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(key[cut]) {
		cut--
	}
	return key[:cut] + "…"
}
