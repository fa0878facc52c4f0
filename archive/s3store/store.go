package s3store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/singleflight"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// Store is an archive.Store in an S3 bucket. Its keys are the archive's
// relative paths, STREAM/VARIANT/HOUR/NAME under an optional prefix, so a
// bucket synced to a disk is a wubloader archive, and several nodes can
// share one bucket: a segment's name fixes its bytes, and commits are
// conditional creates, so concurrent writers of the same segment leave one
// object and never overwrite it.
//
// A Store starts no goroutines and holds no connections of its own beyond
// its HTTP transport's idle pool; it needs no Close. It is safe for
// concurrent use.
type Store struct {
	client *minio.Client
	core   minio.Core
	bucket string
	prefix string // "" or ending in "/"

	clock        airkeep.Clock
	log          *slog.Logger
	retryTimeout time.Duration
	openTTL      time.Duration
	closedTTL    time.Duration
	settle       time.Duration
	summaryTTL   time.Duration
	tempDir      string
	maxSize      int64

	memLimit int64
	memUsed  atomic.Int64 // bytes of writer chunks reserved against memLimit
	chunks   sync.Pool    // of *chunk

	cache  *hourCache // nil when disabled
	flight singleflight.Group
	stats  archive.Stats

	mu       sync.Mutex
	reported map[string]bool // foreign names already logged
}

var _ archive.Store = (*Store)(nil)

// New returns a Store over cfg.Bucket. It checks once, with one listing
// request, that the bucket exists and the credentials may list it, so that
// a wrong key or bucket name fails here with ErrAccessDenied or
// ErrNoSuchBucket rather than at the first segment. Transient failures of
// that check are retried within cfg.RetryTimeout and ctx.
//
// The credentials need s3:ListBucket, s3:GetObject and s3:PutObject on the
// prefix, and s3:DeleteObject for RemoveHour.
func New(ctx context.Context, cfg Config) (*Store, error) {
	set, err := cfg.validate(os.Getenv)
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupAuto
	switch set.bucketLookup {
	case LookupPath:
		lookup = minio.BucketLookupPath
	case LookupVirtualHost:
		lookup = minio.BucketLookupDNS
	}
	client, err := minio.New(set.endpoint, &minio.Options{
		Creds:        set.creds,
		Secure:       !set.insecure,
		Transport:    set.transport,
		Region:       set.region,
		BucketLookup: lookup,
		// One attempt per call: retry() is the only retry policy, and it
		// runs on the injected clock.
		MaxRetries: 1,
	})
	if err != nil {
		return nil, configCause("Endpoint", err)
	}
	s := &Store{
		client: client, core: minio.Core{Client: client}, bucket: set.bucket, prefix: set.prefix,
		clock: set.clock, log: set.log, retryTimeout: set.retryTimeout,
		openTTL: set.openTTL, closedTTL: set.closedTTL, settle: set.settle, summaryTTL: set.summaryTTL,
		tempDir: set.tempDir, maxSize: set.maxSize, memLimit: set.memoryLimit,
		reported: make(map[string]bool),
	}
	if set.cacheHours > 0 {
		s.cache = newHourCache(set.cacheHours)
	}
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// check lists at most one key of the prefix: it needs the same permission
// as every listing, and fails with NoSuchBucket or AccessDenied.
func (s *Store) check(ctx context.Context) error {
	noOwner := false
	return s.retry(ctx, "check bucket", s.prefix, func() error {
		for obj := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1, FetchOwner: &noOwner}) {
			return obj.Err // the first answer settles it
		}
		return nil
	})
}

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// Prefix returns the key prefix, "" or ending in "/".
func (s *Store) Prefix() string { return s.prefix }

// Stats returns the store's counters.
func (s *Store) Stats() *archive.Stats { return &s.stats }

// key returns the object key of a segment. seg must be valid
// (seg.Validate): keys are only ever built from validated names, so no key
// leaves the prefix.
func (s *Store) key(seg archive.Segment) string { return s.prefix + seg.Path() }

func (s *Store) tombstoneKey(seg archive.Segment) string {
	return s.hourPrefix(seg.Stream, seg.Variant, seg.Hour()) + seg.TombstoneName()
}

func (s *Store) hourPrefix(stream, variant, hour string) string {
	return s.prefix + stream + "/" + variant + "/" + hour + "/"
}

// Create starts writing a segment. Bytes are hashed as they arrive and held
// in memory, or in a temporary file past Config.MemoryLimit; nothing is
// sent until Commit.
func (s *Store) Create(ctx context.Context, seg archive.Segment) (archive.SegmentWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	seg, err := archive.PrepareCreate(seg)
	if err != nil {
		return nil, err
	}
	return &writer{store: s, seg: seg, h: sha256.New()}, nil
}

// Open returns a segment's bytes, streamed from the server. The first
// request is made before Open returns, so a missing segment is reported as
// archive.ErrNotFound at once. The reader seeks with range requests and
// resumes a body cut by a network failure where it stopped; those later
// requests run under ctx, so ctx must outlive the reader.
func (s *Store) Open(ctx context.Context, seg archive.Segment) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := seg.Validate(); err != nil {
		return nil, err
	}
	return s.open(ctx, s.key(seg))
}

// Streams lists the streams, sorted.
func (s *Store) Streams(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.listDirs(ctx, s.prefix, func(name string) bool { return archive.ValidateComponent("stream", name) == nil })
}

// Variants lists the variants of a stream, sorted.
func (s *Store) Variants(ctx context.Context, stream string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := archive.ValidateComponent("stream", stream); err != nil {
		return nil, err
	}
	return s.listDirs(ctx, s.prefix+stream+"/", func(name string) bool { return archive.ValidateComponent("variant", name) == nil })
}

// Hours lists the hours of a variant, sorted.
func (s *Store) Hours(ctx context.Context, stream, variant string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := archive.ValidateComponent("stream", stream); err != nil {
		return nil, err
	}
	if err := archive.ValidateComponent("variant", variant); err != nil {
		return nil, err
	}
	return s.listDirs(ctx, s.prefix+stream+"/"+variant+"/", func(name string) bool {
		_, err := archive.ParseHour(name)
		return err == nil
	})
}

// listDirs returns the names of the "folders" (common prefixes) directly
// under prefix that pass keep, sorted. Hidden names never pass keep.
func (s *Store) listDirs(ctx context.Context, prefix string, keep func(string) bool) ([]string, error) {
	_, dirs, err := s.list(ctx, prefix)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(dirs))
	for _, d := range dirs {
		if keep(d) {
			names = append(names, d)
		}
	}
	sort.Strings(names)
	return names, nil
}

// list returns the objects directly under prefix (names relative to it,
// with sizes) and the folders under it, with one delimited listing, retried
// from the start on a transient error.
func (s *Store) list(ctx context.Context, prefix string) (files []archive.RawEntry, dirs []string, err error) {
	noOwner := false
	err = s.retry(ctx, "list", prefix, func() error {
		files, dirs = files[:0], dirs[:0]
		opts := minio.ListObjectsOptions{Prefix: prefix, MaxKeys: defaultListPageLength, FetchOwner: &noOwner}
		for obj := range s.client.ListObjectsIter(ctx, s.bucket, opts) {
			if obj.Err != nil {
				return obj.Err
			}
			rest, ok := strings.CutPrefix(obj.Key, prefix)
			if !ok || rest == "" {
				continue // a misbehaving server, or a folder marker
			}
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				if i == len(rest)-1 {
					dirs = append(dirs, rest[:i])
				}
				continue
			}
			files = append(files, archive.RawEntry{Name: rest, Size: obj.Size})
		}
		return nil
	})
	return files, dirs, err
}

// List lists one hour. Listings are cached (see Config.OpenHourTTL and
// ClosedHourTTL), concurrent calls for one hour share one request, and
// writes through this Store refresh its hour at once. The returned slices
// are shared; do not modify them.
func (s *Store) List(ctx context.Context, stream, variant, hour string) (archive.Listing, error) {
	if err := ctx.Err(); err != nil {
		return archive.Listing{}, err
	}
	if err := archive.ValidateHourPath(stream, variant, hour); err != nil {
		return archive.Listing{}, err
	}
	k := hourKey{stream, variant, hour}
	if l, ok := s.cached(k); ok {
		return l, nil
	}
	flightKey := stream + "/" + variant + "/" + hour
	for {
		ch := s.flight.DoChan(flightKey, func() (any, error) {
			// A caller that missed the cache just before a shared fetch
			// filled it finds it here, instead of listing again.
			if l, ok := s.cached(k); ok {
				return l, nil
			}
			return s.fetchHour(ctx, k)
		})
		select {
		case r := <-ch:
			if r.Err != nil && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue // the caller that ran the shared request gave up; we have not
			}
			if r.Err != nil {
				return archive.Listing{}, r.Err
			}
			return r.Val.(archive.Listing), nil
		case <-ctx.Done():
			return archive.Listing{}, ctx.Err()
		}
	}
}

func (s *Store) cached(k hourKey) (archive.Listing, bool) {
	if s.cache == nil {
		return archive.Listing{}, false
	}
	start, _ := archive.ParseHour(k.hour)
	return s.cache.get(k, func(fetched time.Time) bool { return s.fresh(start, fetched, s.clock.Now()) })
}

// fresh reports whether a listing of the hour starting at hourStart,
// fetched at fetched, may still be used at now. Only a listing taken after
// the hour closed gets the closed-hour TTL: one taken while the hour was
// open may miss segments committed after it.
func (s *Store) fresh(hourStart, fetched, now time.Time) bool {
	age := now.Sub(fetched)
	if age < 0 {
		return false // the clock went back: trust nothing
	}
	ttl := s.openTTL
	if !fetched.Before(hourStart.Add(time.Hour + s.settle)) {
		ttl = s.closedTTL
		if ttl < 0 {
			return true
		}
	}
	return ttl > 0 && age < ttl
}

func (s *Store) fetchHour(ctx context.Context, k hourKey) (archive.Listing, error) {
	var epoch uint64
	if s.cache != nil {
		epoch = s.cache.begin()
	}
	fetched := s.clock.Now()
	closed := s.summaryTTL > 0 && s.closed(k, fetched)
	if closed {
		if l, ok := s.readSummary(ctx, k); ok {
			s.reportBad(k, l.Bad)
			if s.cache != nil {
				s.cache.put(k, l, fetched, epoch)
			}
			return l, nil
		}
	}
	files, _, err := s.list(ctx, s.hourPrefix(k.stream, k.variant, k.hour))
	if err != nil {
		return archive.Listing{}, err
	}
	// S3 lists keys in UTF-8 byte order, which is Go's string order, but
	// NewListing relies on it, so do not trust every server with it.
	if !sort.SliceIsSorted(files, func(i, j int) bool { return files[i].Name < files[j].Name }) {
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	}
	if hasRemovalMark(files) {
		// A removal was cut short: the hour is going, so it is gone.
		files = tombstonesOnly(files)
	}
	l := archive.NewListing(k.stream, k.variant, k.hour, files, &s.stats)
	s.reportBad(k, l.Bad)
	if closed && !hasRemovalMark(files) {
		s.writeSummary(ctx, k, l, files, fetched)
	}
	if s.cache != nil {
		s.cache.put(k, l, fetched, epoch)
	}
	return l, nil
}

// invalidate forgets the cached listing of seg's hour after a write to
// it, and its summary if the hour is closed.
func (s *Store) invalidate(seg archive.Segment) {
	k := hourKey{seg.Stream, seg.Variant, seg.Hour()}
	if s.cache != nil {
		s.cache.invalidate(k)
	}
	if s.summaryTTL > 0 && s.closed(k, s.clock.Now()) {
		s.dropSummary(k)
	}
}

// reportBad logs each foreign name once.
func (s *Store) reportBad(k hourKey, bad []string) {
	if len(bad) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range bad {
		key := s.hourPrefix(k.stream, k.variant, k.hour) + name
		if s.reported[key] {
			continue
		}
		if len(s.reported) < 10000 {
			s.reported[key] = true
		}
		s.log.Warn("skipping foreign object in archive", "bucket", s.bucket, "key", key)
	}
}

// emptySHA256 is the hex SHA-256 of no bytes, the payload hash of a
// tombstone.
var emptySHA256 = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// Tombstone writes the zero-byte object NAME.tombstone beside the segment.
func (s *Store) Tombstone(ctx context.Context, seg archive.Segment) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := seg.Validate(); err != nil {
		return err
	}
	defer s.invalidate(seg)
	existed, err := s.putIfAbsent(ctx, s.tombstoneKey(seg), 0, emptySHA256, "", func() io.Reader { return http.NoBody })
	if err != nil {
		return err
	}
	if !existed {
		s.stats.Tombstones.Add(1)
	}
	return nil
}

// putIfAbsent stores body (size bytes whose SHA-256 is sha) under key with
// If-None-Match: *, so that an existing object is never replaced. It
// reports whether the key already existed, which for a content-addressed
// key means the same bytes are already there. body is called once per
// attempt.
//
// The payload's SHA-256 goes into the signature (x-amz-content-sha256), so
// the server checks that the bytes it received are the bytes we hashed,
// and minio-go need not hash them again.
func (s *Store) putIfAbsent(ctx context.Context, key string, size int64, sha, contentType string, body func() io.Reader) (existed bool, err error) {
	opts := minio.PutObjectOptions{ContentType: contentType, DisableContentSha256: true}
	opts.SetMatchETagExcept("*")
	err = s.retry(ctx, "put", key, func() error {
		_, err := s.core.PutObject(ctx, s.bucket, key, body(), size, "", sha, opts)
		if err == nil {
			return nil
		}
		if r := minio.ToErrorResponse(err); r.StatusCode == http.StatusPreconditionFailed || r.Code == "PreconditionFailed" {
			existed = true
			return nil
		}
		if transient(err) && ctx.Err() == nil && s.exists(ctx, key, size) {
			// Either the key was there and the server refused the body
			// before reading it (versitygw answers 412 and closes the
			// connection, which the client sees as a reset while it
			// still sends), or our PUT landed and its answer was lost.
			// Both are done; sending again would only meet a 412.
			existed = true
			return nil
		}
		return err
	})
	return existed, err
}

// exists reports whether key is stored, with one HEAD. A size other than
// want is logged: the name promises the bytes, so someone else wrote a
// broken object under it, which this store will not overwrite.
func (s *Store) exists(ctx context.Context, key string, want int64) bool {
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return false
	}
	if info.Size != want {
		s.log.Warn("stored object has the wrong size for its name; archive.Verify will report it", "bucket", s.bucket, "key", key, "size", info.Size, "want", want)
	}
	return true
}

// removalMark is the hidden object RemoveHour writes into an hour before
// deleting anything and deletes last: while it is there, the hour lists as
// gone (its tombstones only), so that a removal cut short by a crash never
// leaves the hour half-listed. The next RemoveHour of the hour finishes it.
// wubloader's listings skip hidden names.
const removalMark = ".airkeep-removing"

func hasRemovalMark(files []archive.RawEntry) bool {
	for _, f := range files {
		if f.Name == removalMark {
			return true
		}
	}
	return false
}

func tombstonesOnly(files []archive.RawEntry) []archive.RawEntry {
	var out []archive.RawEntry
	for _, f := range files {
		if strings.HasSuffix(f.Name, ".tombstone") {
			out = append(out, f)
		}
	}
	return out
}

// RemoveHour deletes every object of an hour except its tombstones, with
// multi-object deletes of up to 1000 keys. A hidden mark written first and
// deleted last makes the hour list as gone from the first deletion on
// (see removalMark). Objects under deeper prefixes are left alone, as
// DirStore leaves sub-folders.
func (s *Store) RemoveHour(ctx context.Context, stream, variant, hour string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := archive.ValidateHourPath(stream, variant, hour); err != nil {
		return err
	}
	k := hourKey{stream, variant, hour}
	if s.cache != nil {
		defer s.cache.invalidate(k)
	}
	if s.summaryTTL > 0 {
		s.dropSummary(k)
	}
	prefix := s.hourPrefix(stream, variant, hour)
	files, _, err := s.list(ctx, prefix)
	if err != nil {
		return err
	}
	pending := make([]string, 0, len(files))
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".tombstone") && f.Name != removalMark {
			pending = append(pending, prefix+f.Name)
		}
	}
	if len(pending) > 0 {
		if _, err := s.putIfAbsent(ctx, prefix+removalMark, 0, emptySHA256, "", func() io.Reader { return http.NoBody }); err != nil {
			return err
		}
		if s.cache != nil {
			s.cache.invalidate(k)
		}
		if err := s.removeKeys(ctx, prefix, pending); err != nil {
			return err
		}
	}
	if hasRemovalMark(files) || len(pending) > 0 {
		return s.removeKeys(ctx, prefix, []string{prefix + removalMark})
	}
	return nil
}

// removeKeys deletes keys with multi-object deletes, retrying what fails
// transiently.
func (s *Store) removeKeys(ctx context.Context, prefix string, pending []string) error {
	return s.retry(ctx, "delete", prefix, func() error {
		objects := func(yield func(minio.ObjectInfo) bool) {
			for _, key := range pending {
				if !yield(minio.ObjectInfo{Key: key}) {
					return
				}
			}
		}
		results, err := s.client.RemoveObjectsWithIter(ctx, s.bucket, objects, minio.RemoveObjectsOptions{})
		if err != nil {
			return err
		}
		var failed []string
		var permanent, last error
		for r := range results {
			if r.Err == nil {
				continue
			}
			last = r.Err
			if !transient(r.Err) {
				permanent = fmt.Errorf("%s: %w", r.ObjectName, r.Err)
			}
			if r.ObjectName != "" {
				failed = append(failed, r.ObjectName)
			}
		}
		if permanent != nil {
			return permanent
		}
		if last != nil {
			// Retry only what failed.
			if len(failed) > 0 {
				pending = failed
			}
			return last
		}
		return nil
	})
}
