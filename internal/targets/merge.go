package targets

import (
	"strings"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/oauth"
	"github.com/tokenrelay/tokenrelay/internal/paramstore"
)

// sval is a string field value and whether it came from the defaults.
type sval struct {
	v            string
	fromDefaults bool
}

// draft is one target with its defaults applied, before instances are
// expanded.
type draft struct {
	index        int
	label        string
	str          map[string]sval
	bad          map[string]bool
	params       map[string]sval
	paramOrder   []string
	instances    []instance
	hasInstances bool
}

// instance is one listed instance name and its position in "instances".
type instance struct {
	index int
	name  string
}

// merge applies the defaults to a target: the target's own values win, field
// by field, and params key by key.
func merge(index int, label string, defaults, own spec) draft {
	d := draft{index: index, label: label, str: map[string]sval{}, bad: map[string]bool{}}
	for f, v := range defaults.strs {
		d.str[f] = sval{v: v, fromDefaults: true}
	}
	for f := range defaults.bad {
		if _, set := own.strs[f]; !set && !(f == fieldParams && own.hasParams) {
			d.bad[f] = true
		}
	}
	for f, v := range own.strs {
		d.str[f] = sval{v: v}
	}
	for f := range own.bad {
		d.bad[f] = true
		delete(d.str, f)
	}
	if defaults.hasParams || own.hasParams {
		d.params = map[string]sval{}
	}
	for _, k := range defaults.paramOrder {
		if _, set := own.params[k]; !set {
			d.params[k] = sval{v: defaults.params[k], fromDefaults: true}
			d.paramOrder = append(d.paramOrder, k)
		}
	}
	for _, k := range own.paramOrder {
		d.params[k] = sval{v: own.params[k]}
		d.paramOrder = append(d.paramOrder, k)
	}
	// A malformed instances list still means the target has instances: its
	// {instance} placeholders are not reported again.
	d.hasInstances = own.hasInstances || own.bad[fieldInstances]
	for i, name := range own.instances {
		d.instances = append(d.instances, instance{index: own.instanceIdx[i], name: name})
	}
	return d
}

// value returns a field's value for one instance ("" when the target lists
// none), with {instance} replaced where it is substituted.
func (d draft) value(field, inst string) string {
	v := d.str[field].v
	if inst != "" && substituted(field) {
		v = strings.ReplaceAll(v, Placeholder, inst)
	}
	return v
}

// build returns the target for one instance ("" when the target lists none).
// It is called on valid drafts only.
func (d draft) build(inst string) Target {
	t := Target{
		Name:              d.value(fieldName, inst),
		SecretID:          d.value(fieldSecretID, inst),
		ParameterName:     d.value(fieldParameterName, inst),
		TokenURL:          d.value(fieldTokenURL, inst),
		Issuer:            d.value(fieldIssuer, inst),
		AuthMethod:        oauth.AuthMethod(d.value(fieldAuthMethod, inst)),
		BasicAuthEncoding: oauth.BasicEncoding(d.value(fieldBasicAuthEncoding, inst)),
		Scope:             d.value(fieldScope, inst),
		RefreshBefore:     DefaultRefreshBefore,
		DefaultLifetime:   oauth.DefaultLifetime,
		WarnBefore:        DefaultWarnBefore,
		ValueFormat:       paramstore.Format(d.value(fieldValueFormat, inst)),
		KMSKeyID:          d.value(fieldKMSKeyID, inst),
	}
	if inst != "" {
		t.Group = t.Name
		t.Name += "." + inst
	}
	if t.BasicAuthEncoding == "" {
		t.BasicAuthEncoding = oauth.BasicForm
	}
	if t.ValueFormat == "" {
		t.ValueFormat = paramstore.FormatJSON
	}
	if s := d.value(fieldRefreshBefore, inst); s != "" {
		t.RefreshBefore, _ = time.ParseDuration(s)
	}
	if s := d.value(fieldDefaultLifetime, inst); s != "" {
		t.DefaultLifetime, _ = time.ParseDuration(s)
	}
	if s := d.value(fieldWarnBefore, inst); s != "" {
		t.WarnBefore, _ = time.ParseDuration(s)
	}
	if len(d.params) > 0 {
		t.Params = make(map[string]string, len(d.params))
		for k, v := range d.params {
			if inst != "" {
				v.v = strings.ReplaceAll(v.v, Placeholder, inst)
			}
			t.Params[k] = v.v
		}
	}
	return t
}
