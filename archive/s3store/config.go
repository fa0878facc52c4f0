package s3store

import (
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// BucketLookup says how requests name the bucket.
type BucketLookup int

const (
	// LookupAuto uses virtual-host style for Amazon S3 and the other big
	// clouds, path style for every other server (MinIO, versitygw, Ceph
	// RGW, Garage), as minio-go decides.
	LookupAuto BucketLookup = iota
	// LookupPath puts the bucket in the path: https://ENDPOINT/BUCKET/KEY.
	LookupPath
	// LookupVirtualHost puts the bucket in the host name:
	// https://BUCKET.ENDPOINT/KEY.
	LookupVirtualHost
)

// Environment variables read by New when Config carries no credentials,
// the names every AWS tool uses.
const (
	EnvAccessKey    = "AWS_ACCESS_KEY_ID"
	EnvSecretKey    = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken = "AWS_SESSION_TOKEN"
)

// Config configures a Store. Only Endpoint and Bucket are required; every
// other zero value is a documented default.
type Config struct {
	// Endpoint is the server as HOST or HOST:PORT, without a scheme:
	// "s3.amazonaws.com", "s3.eu-west-1.amazonaws.com", "127.0.0.1:7070".
	// Required.
	Endpoint string
	// Bucket holds the archive. Required; it must exist (the store never
	// creates buckets: their region, policy and lifecycle are the
	// operator's choice).
	Bucket string
	// Prefix puts the archive under a folder of the bucket, so that keys
	// are PREFIX/STREAM/VARIANT/HOUR/NAME. Empty means the bucket root.
	// Leading and trailing slashes are ignored; no component may be
	// empty, ".", ".." or contain control characters.
	Prefix string
	// Region is the bucket's region. Empty means derived from an AWS
	// endpoint's name, or else asked from the server once
	// (GetBucketLocation); set it to save that request.
	Region string
	// Insecure talks plain HTTP instead of HTTPS: for a server on the
	// same host or a trusted network only.
	Insecure bool
	// BucketLookup chooses path-style or virtual-host requests. The zero
	// value, LookupAuto, suits most servers.
	BucketLookup BucketLookup

	// AccessKey and SecretKey sign requests with AWS Signature V4, with
	// SessionToken for temporary credentials. Empty means the environment:
	// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
	AccessKey, SecretKey, SessionToken string
	// Credentials, if set, replaces the keys above with any minio-go
	// provider: IAM roles, STS, credential files.
	Credentials *credentials.Credentials
	// Anonymous sends unsigned requests, for public buckets. Without it,
	// New refuses to run with no credentials at all, since that is almost
	// always a missing environment variable.
	Anonymous bool
	// Transport carries the requests. Nil means minio-go's default
	// transport; set one for a private CA, a proxy, or tests.
	Transport http.RoundTripper

	// MemoryLimit bounds the bytes of segments being written that the
	// store holds in memory, across all its open writers. A writer that
	// would pass it spills to a temporary file. 0 means 64 MiB; negative
	// means every writer uses a temporary file.
	MemoryLimit int64
	// TempDir holds spilled segments. Empty means os.TempDir().
	TempDir string
	// MaxSegmentSize bounds one segment; a writer that receives more
	// fails with ErrTooLarge. 0 means 5 GiB, the most one S3 PUT may
	// carry, which is also the maximum.
	MaxSegmentSize int64

	// RetryTimeout bounds how long a request failing with a transient
	// error (5xx, throttling, timeouts, connection resets) is retried,
	// with exponential backoff from 100 ms to 5 s. 0 means 1 minute;
	// negative means no retries. Permanent errors (403, a missing bucket)
	// are never retried.
	RetryTimeout time.Duration

	// OpenHourTTL is how long a listing of an open hour (see HourSettle)
	// is reused before the server is asked again. Segments written
	// through this Store show at once whatever the TTL; the TTL bounds how
	// late segments written by other nodes show. 0 means 2 s; negative
	// means open hours are never cached.
	OpenHourTTL time.Duration
	// ClosedHourTTL is how long a listing of a closed hour is reused.
	// Segments are immutable, but other nodes can still add to a closed
	// hour (backfill) and hide segments in it (tombstones); this bounds
	// how late this store sees them. 0 means 10 minutes; negative means
	// forever, for a bucket that only this Store writes.
	ClosedHourTTL time.Duration
	// HourSettle is how long after its end an hour still counts as open:
	// the time within which captures still commit segments that started in
	// it (a download may retry for minutes). 0 means 20 minutes.
	HourSettle time.Duration
	// CacheHours bounds how many hour listings are cached. 0 means 168
	// (a week of one variant, about 40 MB at 2 s segments); negative
	// disables the cache.
	CacheHours int
	// SummaryTTL is how long an hour summary is trusted. A summary is the
	// listing of a closed hour stored beside it, as the hidden object
	// STREAM/VARIANT/.HOUR.summary (wubloader skips hidden names), so
	// that a new process lists a closed hour with one GET instead of a
	// listing; writes through any airkeep Store into a closed hour delete
	// it, and one older than SummaryTTL is checked against a listing
	// again, which bounds how late changes by other writers (a wubloader
	// node, a sync tool) show. 0 means 24 hours; negative turns summaries
	// off.
	SummaryTTL time.Duration

	// Clock drives the listing cache and retry waits. Nil means the
	// system clock.
	Clock airkeep.Clock
	// Logger receives retries, foreign files and spills. Nil means
	// discard.
	Logger *slog.Logger
}

// Defaults of the zero Config fields.
const (
	DefaultMemoryLimit    = 64 << 20
	MaxPutSize            = 5 << 30 // S3's limit on one PUT
	DefaultRetryTimeout   = time.Minute
	DefaultOpenHourTTL    = 2 * time.Second
	DefaultClosedHourTTL  = 10 * time.Minute
	DefaultHourSettle     = 20 * time.Minute
	DefaultCacheHours     = 168
	DefaultSummaryTTL     = 24 * time.Hour
	maxPrefixLen          = 512 // keeps PREFIX/STREAM/VARIANT/HOUR/NAME under S3's 1024 bytes
	retryInitialInterval  = 100 * time.Millisecond
	retryMaxInterval      = 5 * time.Second
	defaultListPageLength = 1000
)

// settings is a validated Config with its defaults applied; cfg itself is
// never modified.
type settings struct {
	endpoint     string
	bucket       string
	prefix       string // "" or ending in "/"
	creds        *credentials.Credentials
	memoryLimit  int64
	tempDir      string
	maxSize      int64
	retryTimeout time.Duration
	openTTL      time.Duration
	closedTTL    time.Duration
	settle       time.Duration
	cacheHours   int
	summaryTTL   time.Duration // 0: no summaries
	clock        airkeep.Clock
	log          *slog.Logger
	bucketLookup BucketLookup
	transport    http.RoundTripper
	region       string
	insecure     bool
	anonymous    bool
}

func configError(field, reason string) error {
	return &archive.ConfigError{Field: field, Reason: reason}
}

// configCause reports a bad field whose cause is err.
func configCause(field string, err error) error {
	return &archive.ConfigError{Field: field, Err: err}
}

// validate checks cfg once and resolves its defaults. getenv reads the
// environment (os.Getenv in New).
func (cfg Config) validate(getenv func(string) string) (settings, error) {
	s := settings{
		endpoint: cfg.Endpoint, bucket: cfg.Bucket, region: cfg.Region, insecure: cfg.Insecure,
		bucketLookup: cfg.BucketLookup, transport: cfg.Transport, anonymous: cfg.Anonymous,
		clock: airkeep.OrSystem(cfg.Clock), log: cfg.Logger,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := ValidateEndpoint(cfg.Endpoint); err != nil {
		return s, err
	}
	if cfg.Bucket == "" {
		return s, configError("Bucket", "required")
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return s, configCause("Bucket", err)
	}
	p, err := CleanPrefix(cfg.Prefix)
	if err != nil {
		return s, err
	}
	if p != "" {
		s.prefix = p + "/"
	}
	if cfg.BucketLookup < LookupAuto || cfg.BucketLookup > LookupVirtualHost {
		return s, configError("BucketLookup", "unknown lookup style")
	}
	if err := s.resolveCredentials(cfg, getenv); err != nil {
		return s, err
	}

	s.memoryLimit = cfg.MemoryLimit
	switch {
	case s.memoryLimit == 0:
		s.memoryLimit = DefaultMemoryLimit
	case s.memoryLimit < 0:
		s.memoryLimit = 0
	}
	s.tempDir = cfg.TempDir
	if s.tempDir == "" {
		s.tempDir = os.TempDir()
	}
	switch s.maxSize = cfg.MaxSegmentSize; {
	case s.maxSize == 0:
		s.maxSize = MaxPutSize
	case s.maxSize < 0 || s.maxSize > MaxPutSize:
		return s, configError("MaxSegmentSize", "must be between 1 byte and 5 GiB, the limit of one S3 PUT")
	}
	s.retryTimeout = orDuration(cfg.RetryTimeout, DefaultRetryTimeout)
	s.openTTL = orDuration(cfg.OpenHourTTL, DefaultOpenHourTTL)
	s.closedTTL = orDuration(cfg.ClosedHourTTL, DefaultClosedHourTTL)
	s.settle = cfg.HourSettle
	switch {
	case s.settle == 0:
		s.settle = DefaultHourSettle
	case s.settle < 0:
		return s, configError("HourSettle", "must not be negative")
	}
	s.cacheHours = cfg.CacheHours
	if s.cacheHours == 0 {
		s.cacheHours = DefaultCacheHours
	}
	switch s.summaryTTL = cfg.SummaryTTL; {
	case s.summaryTTL == 0:
		s.summaryTTL = DefaultSummaryTTL
	case s.summaryTTL < 0:
		s.summaryTTL = 0
	}
	return s, nil
}

func (s *settings) resolveCredentials(cfg Config, getenv func(string) string) error {
	switch {
	case cfg.Credentials != nil:
		if cfg.AccessKey != "" || cfg.SecretKey != "" || cfg.Anonymous {
			return configError("Credentials", "set Credentials, or AccessKey and SecretKey, or Anonymous, not several")
		}
		s.creds = cfg.Credentials
		return nil
	case cfg.Anonymous:
		if cfg.AccessKey != "" || cfg.SecretKey != "" {
			return configError("Anonymous", "set Anonymous or AccessKey and SecretKey, not both")
		}
		s.creds = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
		return nil
	case cfg.AccessKey != "" || cfg.SecretKey != "":
		if cfg.AccessKey == "" {
			return configError("AccessKey", "required with SecretKey")
		}
		if cfg.SecretKey == "" {
			return configError("SecretKey", "required with AccessKey")
		}
		s.creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
		return nil
	}
	ak, sk := getenv(EnvAccessKey), getenv(EnvSecretKey)
	switch {
	case ak != "" && sk != "":
		s.creds = credentials.NewStaticV4(ak, sk, getenv(EnvSessionToken))
		return nil
	case ak != "":
		return configError("SecretKey", EnvAccessKey+" is set but "+EnvSecretKey+" is not")
	case sk != "":
		return configError("AccessKey", EnvSecretKey+" is set but "+EnvAccessKey+" is not")
	}
	return configError("AccessKey", "no credentials: set AccessKey and SecretKey, or "+EnvAccessKey+" and "+EnvSecretKey+", or Anonymous for a public bucket")
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// ValidateEndpoint checks a Config.Endpoint: HOST or HOST:PORT. A scheme
// or path is refused rather than guessed at: http:// in an endpoint usually
// means the caller wanted Insecure.
func ValidateEndpoint(ep string) error {
	bad := func(reason string) error { return configError("Endpoint", reason) }
	switch {
	case ep == "":
		return bad("required")
	case strings.Contains(ep, "://"):
		return bad("want HOST or HOST:PORT without a scheme (use Insecure for plain HTTP)")
	case strings.ContainsAny(ep, "/?#@ \t\r\n"):
		return bad("want HOST or HOST:PORT")
	}
	host := ep
	if h, port, err := net.SplitHostPort(ep); err == nil {
		if port == "" || strings.TrimLeft(port, "0123456789") != "" {
			return bad("bad port")
		}
		host = h
	} else if strings.Count(ep, ":") > 0 && !strings.HasPrefix(ep, "[") {
		return bad("want HOST or HOST:PORT")
	}
	if host == "" {
		return bad("empty host")
	}
	return nil
}

// CleanPrefix checks a Config.Prefix and returns it without leading or
// trailing slashes, "" for the bucket root. A bad prefix gets an
// *archive.ConfigError for the field Prefix.
func CleanPrefix(p string) (string, error) {
	bad := func(reason string) (string, error) {
		return "", configError("Prefix", reason+": "+strconv.Quote(p))
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	if len(p) > maxPrefixLen {
		return bad("longer than 512 bytes")
	}
	if !utf8.ValidString(p) {
		return bad("not UTF-8")
	}
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "":
			return bad("empty component")
		case ".", "..":
			return bad("component . or ..")
		}
		for _, r := range c {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\\' {
				return bad("control character or backslash")
			}
		}
	}
	return p, nil
}
