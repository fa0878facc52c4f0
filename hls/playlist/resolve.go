package playlist

import (
	"fmt"
	"net/url"
	"strings"
)

// resolver resolves URIs against a playlist's URL, refusing anything but
// http and https and any https-to-http downgrade.
type resolver struct {
	base *url.URL
}

func (r resolver) resolve(ref string) (string, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("bad URI %q: %v", clip(ref), err)
	}
	if r.base != nil {
		u = r.base.ResolveReference(u)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if r.base != nil && r.base.Scheme == "https" {
			return "", fmt.Errorf("URI %q downgrades https to http", clip(ref))
		}
	default:
		return "", fmt.Errorf("URI %q: scheme %q is not http or https", clip(ref), u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("URI %q has no host", clip(ref))
	}
	if strings.Contains(ref, "{$") {
		// EXT-X-DEFINE substitution is not supported; fetching the literal
		// URI would only fail later and less clearly.
		return "", fmt.Errorf("URI %q uses EXT-X-DEFINE variables", clip(ref))
	}
	u.Fragment = ""
	return u.String(), nil
}
