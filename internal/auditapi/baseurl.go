package auditapi

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/redact"
)

// DataCenters are the documented data-center codes: the code "us" is
// https://graph-us.avepointonlineservices.com.
var DataCenters = []string{
	"au", "sg", "ca", "ne", "we", "fr", "de", "jp", "kr", "ch", "uk", "us", "uae", "za", "qa", "gov", "aos2",
	"gcp-au", "gcp-jp", "gcp-us", "gcp-we", "gcp-kr",
}

// BaseURL returns the audit API's base URL for s: a data-center code such
// as "us" or "gcp-us", or a full URL (https unless on a loopback host,
// without query or fragment).
func BaseURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		code := strings.ToLower(s)
		if !slices.Contains(DataCenters, code) {
			return nil, fmt.Errorf("auditapi: unknown data center %q; use a URL or one of %s", s, strings.Join(DataCenters, ", "))
		}
		return &url.URL{Scheme: "https", Host: "graph-" + code + ".avepointonlineservices.com"}, nil
	}
	u, err := httpclient.CheckURL(s)
	if err != nil {
		return nil, fmt.Errorf("auditapi: base URL: %w", err)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("auditapi: base URL %s must not have a query or fragment", redact.URL(s))
	}
	return u, nil
}
