// Package targets reads and validates the refresher's configuration document
// (README: "Refresher", "Configuration"): a JSON object listing the targets whose
// OAuth 2.0 client-credentials tokens (RFC 6749 §4.4,
// https://www.rfc-editor.org/rfc/rfc6749#section-4.4) are kept fresh in SSM
// Parameter Store.
//
// # Document
//
//	{
//	  "defaults": { "refresh_before": "30m" },
//	  "targets": [
//	    { "name": "aos-audit", "secret_id": "aos/audit-app",
//	      "issuer": "https://identity.avepointonlineservices.com",
//	      "scope": "audit.read.all", "parameter_name": "/tokens/aos-audit" }
//	  ]
//	}
//
// The JSON field names are listed on [Target]. Unknown fields are errors (a
// misspelt optional field would otherwise be silently ignored), and so are
// duplicate fields in one object.
//
// # Defaults
//
// "defaults" may hold any target field except "name" and "instances". A
// target's own value wins over the default one, field by field; "params" is
// merged key by key, the target's keys winning. An empty string set in a
// target clears a default (for example "scope": ""). Values taken from
// defaults are validated for every target that uses them, and their problems
// say "(from defaults)".
//
// # Several data centers
//
// A target may carry "instances": ["eu8", "us5"]. It then stands for one
// target per instance, named "{name}.{instance}", in which the literal
// "{instance}" is replaced by the instance in token_url, issuer,
// parameter_name, secret_id, scope and the values of params. parameter_name
// must contain "{instance}", so that the instances do not overwrite each
// other's token. Problems that depend on the instance say which one.
//
// # Validation
//
// [Parse] rejects a document as a whole, with a [ValidationError] listing
// every [Problem] it found, each naming the target (by name, or as
// "targets[i]" when the name is missing or invalid) and the JSON field. Field
// values are never repeated in problems; field names and target names are.
package targets
