package storeurl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
)

// Schemes of the URLs Parse accepts.
const (
	File = "file"
	S3   = "s3"
)

// DefaultEndpoint is the S3 endpoint of an s3:// URL without ?endpoint=.
const DefaultEndpoint = "s3.amazonaws.com"

// URL is a parsed store URL.
type URL struct {
	// Scheme is File or S3.
	Scheme string
	// Path is the archive folder of a File URL, as the operating system
	// takes it.
	Path string
	// Bucket and Prefix locate an S3 archive. Prefix has no leading or
	// trailing slash; "" is the bucket root.
	Bucket, Prefix string
	// Endpoint is HOST or HOST:PORT; "" means DefaultEndpoint.
	Endpoint string
	// Region is the bucket's region; "" means asked from the server.
	Region string
	// Insecure talks plain HTTP.
	Insecure bool
	// Lookup is path-style or virtual-host requests (style=).
	Lookup s3store.BucketLookup
}

// Error reports a store URL that Parse refuses. Part names what is wrong:
// url, scheme, path, credentials, bucket, prefix, query, endpoint,
// insecure, region or style.
type Error struct {
	URL    string // as given, with any user information removed
	Part   string
	Reason string
	Err    error // the cause, if any
}

func (e *Error) Error() string {
	return fmt.Sprintf("storeurl: bad %s in %q: %s", e.Part, e.URL, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

// Parse parses a store URL:
//
//	/var/lib/airkeep/segments      a folder (any string without "://")
//	file:///var/lib/airkeep/segments
//	file://segments                a folder relative to the working directory
//	s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&insecure=1&style=path
//
// A file URL's path is percent-decoded; a plain path is taken as it is.
// An s3 URL's query parameters are all optional: endpoint defaults to
// Amazon S3 (it may also be written http://HOST:PORT, which means
// insecure=1), region to asking the server, insecure to HTTPS, style
// (path, virtual or auto) to auto. Credentials never go in the URL, where
// they would end up in process lists and logs; s3store reads them from
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or from Config.S3.
func Parse(raw string) (URL, error) {
	fail := func(part, reason string, err error) (URL, error) {
		return URL{}, &Error{URL: redact(raw), Part: part, Reason: reason, Err: err}
	}
	if raw == "" {
		return fail("url", "empty", nil)
	}
	if strings.IndexByte(raw, 0) >= 0 {
		return fail("url", "contains a NUL byte", nil)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || !isScheme(scheme) {
		// A plain path. One letter before "://" would be a drive.
		return URL{Scheme: File, Path: raw}, nil
	}
	switch strings.ToLower(scheme) {
	case File:
		return parseFile(rest, fail)
	case S3:
		return parseS3(raw, fail)
	}
	return fail("scheme", fmt.Sprintf("unsupported scheme %q: want a path, file://PATH or s3://BUCKET/PREFIX", scheme), nil)
}

// isScheme reports an RFC 3986 scheme of two characters or more.
func isScheme(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// Location returns the store named by a tool's pair of flags: -dir DIR, a
// folder taken as it is (even if it looks like a URL), or -store URL.
// Exactly one must be given; otherwise the *Error's Part is "flags".
func Location(dir, storeURL string) (URL, error) {
	switch {
	case dir != "" && storeURL != "":
		return URL{}, &Error{URL: redact(storeURL), Part: "flags", Reason: "give -dir or -store, not both"}
	case dir == "" && storeURL == "":
		return URL{}, &Error{Part: "flags", Reason: "-dir or -store is required"}
	case dir != "":
		if strings.IndexByte(dir, 0) >= 0 {
			return URL{}, &Error{URL: dir, Part: "path", Reason: "contains a NUL byte"}
		}
		return URL{Scheme: File, Path: dir}, nil
	}
	return Parse(storeURL)
}

func parseFile(rest string, fail func(part, reason string, err error) (URL, error)) (URL, error) {
	if strings.ContainsAny(rest, "?#") {
		return fail("path", "a file URL takes no query or fragment (write ? and # as %3F and %23, or give a plain path)", nil)
	}
	// RFC 8089: file://localhost/PATH is /PATH. Any other "host" is
	// taken as the first folder of a relative path (file://segments),
	// which is what people mean by it.
	if r, ok := strings.CutPrefix(rest, "localhost/"); ok {
		rest = "/" + r
	}
	p, err := url.PathUnescape(rest)
	if err != nil {
		return fail("path", "bad percent-encoding", err)
	}
	if p == "" {
		return fail("path", "empty", nil)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return fail("path", "contains a NUL byte", nil)
	}
	return URL{Scheme: File, Path: p}, nil
}

func parseS3(raw string, fail func(part, reason string, err error) (URL, error)) (URL, error) {
	pu, err := url.Parse(raw)
	if err != nil {
		return fail("url", "does not parse", err)
	}
	if pu.User != nil {
		return fail("credentials", "credentials do not belong in the URL: set "+s3store.EnvAccessKey+" and "+s3store.EnvSecretKey, nil)
	}
	if pu.Fragment != "" || strings.HasSuffix(raw, "#") {
		return fail("url", "an s3 URL takes no fragment", nil)
	}
	u := URL{Scheme: S3, Bucket: pu.Host}
	if pu.Port() != "" || strings.HasSuffix(pu.Host, ":") {
		return fail("bucket", "a bucket has no port: give the server as ?endpoint=HOST:PORT", nil)
	}
	if err := s3utils.CheckValidBucketNameStrict(u.Bucket); err != nil {
		return fail("bucket", err.Error(), err)
	}
	if u.Prefix, err = s3store.CleanPrefix(pu.Path); err != nil {
		return fail("prefix", configReason(err), err)
	}
	q, err := url.ParseQuery(pu.RawQuery)
	if err != nil {
		return fail("query", "does not parse", err)
	}
	for key, vals := range q {
		if len(vals) > 1 {
			return fail("query", fmt.Sprintf("%s given %d times", key, len(vals)), nil)
		}
		v := vals[0]
		switch key {
		case "endpoint":
			hostport := v
			if scheme, hp, ok := strings.Cut(v, "://"); ok {
				hostport = hp
				hostport = strings.TrimSuffix(hostport, "/")
				switch strings.ToLower(scheme) {
				case "http":
					u.Insecure = true
				case "https":
				default:
					return fail("endpoint", "want HOST:PORT, http://HOST:PORT or https://HOST:PORT", nil)
				}
				if q.Has("insecure") {
					return fail("endpoint", "give the scheme in endpoint= or insecure=, not both", nil)
				}
			}
			if err := s3store.ValidateEndpoint(hostport); err != nil {
				return fail("endpoint", configReason(err), err)
			}
			u.Endpoint = hostport
		case "insecure":
			b := true // ?insecure alone is a flag
			if v != "" {
				if b, err = strconv.ParseBool(v); err != nil {
					return fail("insecure", "want 1 or 0", err)
				}
			}
			if !strings.Contains(q.Get("endpoint"), "://") {
				u.Insecure = b
			}
		case "region":
			if !validRegion(v) {
				return fail("region", "want letters, digits, '-', '_' or '.', at most 64", nil)
			}
			u.Region = v
		case "style":
			switch v {
			case "auto":
				u.Lookup = s3store.LookupAuto
			case "path":
				u.Lookup = s3store.LookupPath
			case "virtual":
				u.Lookup = s3store.LookupVirtualHost
			default:
				return fail("style", "want path, virtual or auto", nil)
			}
		default:
			return fail("query", fmt.Sprintf("unknown parameter %q (want endpoint, region, insecure or style)", key), nil)
		}
	}
	return u, nil
}

func validRegion(r string) bool {
	if r == "" || len(r) > 64 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func configReason(err error) string {
	var ce *archive.ConfigError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return err.Error()
}

// redact removes user information from a URL for error messages.
func redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		return scheme + "://REDACTED@" + rest[at+1:]
	}
	return raw
}

// String returns the URL in the canonical form that Parse reads back to
// the same URL: file:// with a percent-encoded path, or s3:// with the
// query parameters that differ from their defaults, sorted.
func (u URL) String() string {
	switch u.Scheme {
	case File:
		return "file://" + escapePath(u.Path)
	case S3:
		var b strings.Builder
		b.WriteString("s3://")
		b.WriteString(u.Bucket)
		if u.Prefix != "" {
			b.WriteByte('/')
			b.WriteString(escapePath(u.Prefix))
		}
		sep := byte('?')
		param := func(k, v string) {
			b.WriteByte(sep)
			sep = '&'
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(escapeQuery(v))
		}
		if u.Endpoint != "" {
			param("endpoint", u.Endpoint)
		}
		if u.Insecure {
			param("insecure", "1")
		}
		if u.Region != "" {
			param("region", u.Region)
		}
		switch u.Lookup {
		case s3store.LookupPath:
			param("style", "path")
		case s3store.LookupVirtualHost:
			param("style", "virtual")
		}
		return b.String()
	}
	return ""
}

// escapePath percent-encodes what Parse would otherwise read as something
// else: '%', '?', '#', controls, spaces and non-ASCII, and a leading
// "localhost/", which file URLs strip.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("/-._~!$&'()*+,;=:@", c) >= 0:
			if i == 0 && c == 'l' && (p == "localhost" || strings.HasPrefix(p, "localhost/")) {
				b.WriteString("%6C")
				continue
			}
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// escapeQuery percent-encodes a query value, leaving the characters of a
// HOST:PORT readable.
func escapeQuery(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-._~:[]", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Config holds what a URL does not say. Its zero value works: file stores
// with DirStore's defaults, S3 stores with s3store's defaults and
// credentials from the environment.
type Config struct {
	// Dir configures stores of file URLs; Root comes from the URL.
	Dir archive.DirConfig
	// S3 configures stores of s3 URLs: credentials, memory, cache, clock.
	// Endpoint, Bucket, Prefix, Insecure, and Region and BucketLookup
	// when the URL sets them, come from the URL.
	S3 s3store.Config
	// MustExist refuses a file URL whose folder does not exist, instead
	// of creating it: for tools that only read, where a typo should not
	// make an empty archive.
	MustExist bool
	// Logger is used by a store whose own config has no Logger. Nil
	// means discard.
	Logger *slog.Logger
}

// Open parses raw and opens the store it names: an *archive.DirStore for
// a path or file URL, an *s3store.Store for an s3 URL. A URL that does not
// parse gets an *Error; a store that cannot be opened gets its backend's
// error (for S3: s3store.ErrAccessDenied, s3store.ErrNoSuchBucket, ...).
func Open(ctx context.Context, raw string, cfg Config) (archive.Store, error) {
	u, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	return u.Open(ctx, cfg)
}

// Open opens the store u names. See the package function Open.
func (u URL) Open(ctx context.Context, cfg Config) (archive.Store, error) {
	switch u.Scheme {
	case File:
		dc := cfg.Dir
		dc.Root = u.Path
		if dc.Logger == nil {
			dc.Logger = cfg.Logger
		}
		if cfg.MustExist {
			st, err := os.Stat(u.Path)
			if err != nil {
				return nil, fmt.Errorf("storeurl: %w", err)
			}
			if !st.IsDir() {
				return nil, fmt.Errorf("storeurl: %s: not a folder: %w", u.Path, fs.ErrInvalid)
			}
		}
		return archive.NewDirStore(dc)
	case S3:
		sc := cfg.S3
		sc.Endpoint, sc.Bucket, sc.Prefix, sc.Insecure = u.Endpoint, u.Bucket, u.Prefix, u.Insecure
		if sc.Endpoint == "" {
			sc.Endpoint = DefaultEndpoint
		}
		if u.Region != "" {
			sc.Region = u.Region
		}
		if u.Lookup != s3store.LookupAuto {
			sc.BucketLookup = u.Lookup
		}
		if sc.Logger == nil {
			sc.Logger = cfg.Logger
		}
		return s3store.New(ctx, sc)
	}
	return nil, &Error{URL: u.String(), Part: "scheme", Reason: fmt.Sprintf("unsupported scheme %q", u.Scheme)}
}
