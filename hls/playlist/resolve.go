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
	dir  string // the base's folder as a URL, ending in "/"; "" when unknown
}

func newResolver(base *url.URL) resolver {
	r := resolver{base: base}
	if base != nil && (base.Scheme == "http" || base.Scheme == "https") && base.Host != "" {
		if d := base.ResolveReference(&url.URL{Path: "x"}).String(); strings.HasSuffix(d, "/x") {
			r.dir = d[:len(d)-1]
		}
	}
	return r
}

// plainRelative reports whether ref is a relative path, with an optional
// query, that needs neither escaping nor dot-segment removal: joined to
// the base's folder, it is already what resolving it would give. Live
// playlists list such names ("seg123.ts", "e0/12.ts?token=…") a few
// times a second per variant, so they skip url.Parse.
func plainRelative(ref string) bool {
	if ref == "" || ref[0] == '/' || ref[0] == '?' {
		return false
	}
	query := false
	segStart := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '~':
		case c == '.':
			if !query {
				// A "." or ".." segment would be removed by resolution.
				end := i + 1
				for end < len(ref) && ref[end] == '.' {
					end++
				}
				if i == segStart && (end == len(ref) || ref[end] == '/' || ref[end] == '?') && end-i <= 2 {
					return false
				}
			}
		case c == '/' && !query:
			segStart = i + 1
		case c == ':' && !query:
			return false // a scheme, or a colon url.Parse would take as one
		case c == '?' && !query:
			query = true
		case query && (c == '=' || c == '&' || c == '+' || c == '/' || c == ',' || c == ';'):
		default:
			return false
		}
	}
	return true
}

func (r resolver) resolve(ref string) (string, error) {
	if r.dir != "" && plainRelative(ref) {
		return r.dir + ref, nil
	}
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
