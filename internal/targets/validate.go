package targets

import (
	"fmt"
	"strconv"
	"strings"
)

// validator checks merged targets one by one, remembering the names and
// parameters already taken.
type validator struct {
	*parser
	// names maps each (expanded) target name to the position of the target
	// that took it first.
	names map[string]string
	// parameters maps each parameter name to the target that writes it first.
	parameters map[string]string
}

// target validates one merged target and returns its expanded targets, or
// nil when it has a problem.
func (v *validator) target(d draft) []Target {
	before := len(v.problems)
	insts := v.instances(d)
	v.name(d)
	v.field(d, fieldSecretID, insts, true, checkSecretID)
	if p, ok := d.str[fieldParameterName]; ok && d.hasInstances && p.v != "" && !strings.Contains(p.v, Placeholder) {
		v.add(d.label, fieldParameterName, decorate("must contain {instance} when the target lists instances, or they overwrite each other's token", p, ""))
	}
	v.field(d, fieldParameterName, insts, true, checkParameterName)
	v.endpoint(d, insts)
	v.field(d, fieldAuthMethod, nil, false, checkAuthMethod)
	v.field(d, fieldBasicAuthEncoding, nil, false, checkBasicAuthEncoding)
	v.field(d, fieldScope, insts, false, checkScope)
	v.params(d)
	v.field(d, fieldRefreshBefore, nil, false, checkRefreshBefore)
	v.field(d, fieldDefaultLifetime, nil, false, checkDefaultLifetime)
	v.field(d, fieldValueFormat, nil, false, checkValueFormat)
	v.field(d, fieldKMSKeyID, nil, false, checkKMSKeyID)
	v.field(d, fieldWarnBefore, nil, false, checkWarnBefore)
	targets := v.expand(d, insts)
	if len(v.problems) > before {
		return nil
	}
	return targets
}

// decorate says where a problem's value came from.
func decorate(msg string, from sval, inst string) string {
	if from.fromDefaults {
		msg += " (from defaults)"
	}
	if inst != "" {
		msg += " (instance " + strconv.Quote(inst) + ")"
	}
	return msg
}

// instances checks the instance list and returns the valid instance names.
func (v *validator) instances(d draft) []string {
	if !d.hasInstances {
		return nil
	}
	if len(d.instances) == 0 && !d.bad[fieldInstances] {
		v.add(d.label, fieldInstances, "must list at least one instance")
	}
	var valid []string
	seen := map[string]bool{}
	for _, in := range d.instances {
		field := fmt.Sprintf("%s[%d]", fieldInstances, in.index)
		switch {
		case !instanceRE.MatchString(in.name):
			v.add(d.label, field, "must match ^[A-Za-z0-9._-]{1,32}$")
		case seen[in.name]:
			v.add(d.label, field, "duplicate instance")
		default:
			seen[in.name] = true
			valid = append(valid, in.name)
		}
	}
	return valid
}

func (v *validator) name(d draft) {
	if d.bad[fieldName] {
		return
	}
	switch n := d.str[fieldName].v; {
	case n == "":
		v.add(d.label, fieldName, "required")
	case !nameRE.MatchString(n):
		v.add(d.label, fieldName, "must match ^[A-Za-z0-9._-]{1,64}$")
	}
}

// field checks one string field. A value holding {instance} is checked once
// per instance, after substitution.
func (v *validator) field(d draft, field string, insts []string, required bool, check func(string) string) {
	if d.bad[field] {
		return
	}
	sv := d.str[field]
	if sv.v == "" {
		if required {
			v.add(d.label, field, decorate("required", sv, ""))
		}
		return
	}
	if !substituted(field) || !strings.Contains(sv.v, Placeholder) {
		if m := check(sv.v); m != "" {
			v.add(d.label, field, decorate(m, sv, ""))
		}
		return
	}
	if !d.hasInstances {
		v.add(d.label, field, decorate("contains {instance} but the target lists no instances", sv, ""))
		return
	}
	for _, inst := range insts {
		if m := check(strings.ReplaceAll(sv.v, Placeholder, inst)); m != "" {
			v.add(d.label, field, decorate(m, sv, inst))
		}
	}
}

// endpoint checks that exactly one of token_url and issuer is set, and each.
func (v *validator) endpoint(d draft, insts []string) {
	tokenURL, issuer := d.str[fieldTokenURL], d.str[fieldIssuer]
	switch {
	case d.bad[fieldTokenURL] || d.bad[fieldIssuer]:
	case tokenURL.v != "" && issuer.v != "":
		msg := "set only one of token_url and issuer"
		if tokenURL.fromDefaults != issuer.fromDefaults {
			inherited := fieldIssuer
			if tokenURL.fromDefaults {
				inherited = fieldTokenURL
			}
			msg += fmt.Sprintf(` (%s comes from defaults; clear it with "%s": "")`, inherited, inherited)
		} else if tokenURL.fromDefaults {
			msg += " (both from defaults)"
		}
		v.add(d.label, fieldTokenURL, msg)
	case tokenURL.v == "" && issuer.v == "":
		v.add(d.label, fieldTokenURL, "required: set token_url or issuer")
	}
	v.field(d, fieldTokenURL, insts, false, checkTokenURL)
	v.field(d, fieldIssuer, insts, false, checkIssuer)
}

// params checks the extra request parameters: names not empty nor reserved.
func (v *validator) params(d draft) {
	if d.bad[fieldParams] {
		return
	}
	for _, k := range d.paramOrder {
		sv := d.params[k]
		if k == "" {
			v.add(d.label, fieldParams, decorate("a parameter name must not be empty", sv, ""))
			continue
		}
		field := fieldParams + "." + shortKey(k)
		if why, reserved := reservedParams[k]; reserved {
			v.add(d.label, field, decorate("reserved: "+why, sv, ""))
			continue
		}
		if strings.Contains(sv.v, Placeholder) && !d.hasInstances {
			v.add(d.label, field, decorate("contains {instance} but the target lists no instances", sv, ""))
		}
	}
}

// expand returns the target's expansions, checking that their names and
// parameters are not already taken by an earlier target.
func (v *validator) expand(d draft, insts []string) []Target {
	name := d.str[fieldName].v
	nameOK := !d.bad[fieldName] && nameRE.MatchString(name)
	position := "targets[" + strconv.Itoa(d.index) + "]"
	if !d.hasInstances {
		if nameOK {
			v.claimName(d, name, position, "")
		}
		v.claimParameter(d, "", nameOK)
		return []Target{d.build("")}
	}
	out := make([]Target, 0, len(insts))
	for _, inst := range insts {
		if nameOK {
			if expanded := name + "." + inst; nameRE.MatchString(expanded) {
				v.claimName(d, expanded, position, inst)
			} else {
				v.add(d.label, fieldInstances, fmt.Sprintf("instance %q makes the name longer than 64 characters", inst))
			}
		}
		v.claimParameter(d, inst, nameOK)
		out = append(out, d.build(inst))
	}
	return out
}

func (v *validator) claimName(d draft, name, position, inst string) {
	other, taken := v.names[name]
	switch {
	case !taken:
		v.names[name] = position
	case inst == "":
		v.add(d.label, fieldName, "duplicate: "+other+" has the same name")
	default:
		v.add(d.label, fieldInstances, fmt.Sprintf("expanded name %q is already the name of %s", name, other))
	}
}

// claimParameter records the parameter a valid target writes, or reports
// that an earlier target writes it already.
func (v *validator) claimParameter(d draft, inst string, nameOK bool) {
	sv := d.str[fieldParameterName]
	has := strings.Contains(sv.v, Placeholder)
	if d.bad[fieldParameterName] || sv.v == "" || has != d.hasInstances {
		return
	}
	param := d.value(fieldParameterName, inst)
	if checkParameterName(param) != "" {
		return
	}
	if other, taken := v.parameters[param]; taken {
		v.add(d.label, fieldParameterName, decorate("same parameter as "+other, sv, inst))
		return
	}
	holder := "targets[" + strconv.Itoa(d.index) + "]"
	if nameOK {
		holder = d.value(fieldName, "")
		if inst != "" {
			holder += "." + inst
		}
		holder = "target " + strconv.Quote(holder)
	} else if inst != "" {
		holder += " (instance " + strconv.Quote(inst) + ")"
	}
	v.parameters[param] = holder
}
