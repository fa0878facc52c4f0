package archive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DirConfig configures a DirStore.
type DirConfig struct {
	// Root is the archive's base folder, holding STREAM/VARIANT/HOUR/...
	// as wubloader lays it out. Required; created if missing.
	Root string
	// NoSync skips fsync of segment files and their folders. Commits are
	// then atomic but may not survive a power cut. Default false: durable.
	NoSync bool
	// CacheHours bounds how many hour listings are kept in memory. 0 means
	// 512; negative disables the cache.
	CacheHours int
	// Logger receives warnings about foreign files. Nil means discard.
	Logger *slog.Logger
	// NoSummaries neither reads nor writes hour summaries (see
	// summary.go): every new process lists each hour from the folder.
	// For read-only archives, and for measuring what summaries save.
	NoSummaries bool
}

// ConfigError reports an invalid configuration field: why, and the error
// that caused it, if any, for errors.Is and errors.As.
type ConfigError struct {
	Field  string
	Reason string // empty when Err says it all
	Err    error  // the cause, or nil
}

func (e *ConfigError) Error() string {
	switch {
	case e.Err == nil:
		return fmt.Sprintf("archive: config %s: %s", e.Field, e.Reason)
	case e.Reason == "":
		return fmt.Sprintf("archive: config %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("archive: config %s: %s: %v", e.Field, e.Reason, e.Err)
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// DirStore is a Store on a local folder with exactly wubloader's layout, so
// wubloader's tools read it and its nodes can backfill from it. Writes go to
// a hidden temporary file in the hour folder, are fsynced, and appear under
// their final name with an atomic link: readers never see a partial file,
// and a concurrent writer of the same segment never clobbers the first copy.
type DirStore struct {
	root   string
	noSync bool
	// noSummaries: see DirConfig.NoSummaries.
	noSummaries bool
	log         *slog.Logger
	stats       Stats

	// unnamed: write segments to O_TMPFILE files, named only when
	// committed; cleared the first time the file system refuses.
	unnamed atomic.Bool
	// fsync flushes a file or folder to stable storage: (*os.File).Sync,
	// behind a field so that tests can check that every commit syncs,
	// and in which order with its link.
	fsync func(*os.File) error

	mu       sync.Mutex
	reported map[string]bool // bad names already logged
	listings *lru[hourKey, *cachedListing]
}

var _ Store = (*DirStore)(nil)

// tempPrefix and tempSuffix mark our temporary files. The leading period
// hides them from wubloader's and airkeep's listings.
const (
	tempPrefix = ".airkeep-"
	tempSuffix = ".tmp"
)

// NewDirStore opens (creating if needed) an archive folder.
func NewDirStore(cfg DirConfig) (*DirStore, error) {
	if cfg.Root == "" {
		return nil, &ConfigError{Field: "Root", Reason: "required"}
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, &ConfigError{Field: "Root", Err: err}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("archive: create root: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &DirStore{root: root, noSync: cfg.NoSync, noSummaries: cfg.NoSummaries, log: log, fsync: (*os.File).Sync, reported: make(map[string]bool), listings: newLRU[hourKey, *cachedListing](orDefault(cfg.CacheHours, 512))}
	d.unnamed.Store(procFDs())
	return d, nil
}

// Root returns the absolute path of the archive folder.
func (d *DirStore) Root() string { return d.root }

// Stats returns the store's counters.
func (d *DirStore) Stats() *Stats { return &d.stats }

func (d *DirStore) hourDir(stream, variant, hour string) string {
	return filepath.Join(d.root, stream, variant, hour)
}

// Create starts writing a segment into a hidden temporary file in its hour
// folder.
func (d *DirStore) Create(ctx context.Context, seg Segment) (SegmentWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	seg, err := PrepareCreate(seg)
	if err != nil {
		return nil, err
	}
	dir := d.hourDir(seg.Stream, seg.Variant, seg.Hour())
	f, named, err := d.openTemp(dir)
	if errors.Is(err, fs.ErrNotExist) {
		// The hour's first segment: make its folder. Trying first saves a
		// stat on every other segment.
		if err = d.makeDir(dir); err == nil {
			f, named, err = d.openTemp(dir)
		}
	}
	if err != nil {
		d.stats.WriteErrors.Add(1)
		return nil, fmt.Errorf("archive: create %s: %w", seg.Path(), err)
	}
	if !named {
		return &dirWriter{store: d, seg: seg, dir: dir, f: f, h: sha256.New(), unnamed: true}, nil
	}
	return &dirWriter{store: d, seg: seg, dir: dir, f: f, h: sha256.New()}, nil
}

type dirWriter struct {
	store   *DirStore
	seg     Segment
	dir     string
	f       *os.File
	unnamed bool // f has no name until linked at commit
	h       hash.Hash
	n       int64
	err     error // first write error; the writer can then only abort
	done    bool
}

func (w *dirWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if err != nil {
		w.err = fmt.Errorf("archive: write %s: %w", w.seg.Path(), err)
		w.store.stats.WriteErrors.Add(1)
		return n, w.err
	}
	return n, nil
}

func (w *dirWriter) Hash() Hash {
	var h Hash
	w.h.Sum(h[:0])
	return h
}

func (w *dirWriter) Commit(ctx context.Context, typ Type) (Segment, error) {
	if w.done {
		return Segment{}, ErrClosed
	}
	if err := ValidateCommitType(typ); err != nil {
		return Segment{}, err
	}
	if w.err != nil {
		// The bytes on disk may differ from the bytes hashed.
		w.Abort()
		return Segment{}, w.err
	}
	if err := ctx.Err(); err != nil {
		w.Abort()
		return Segment{}, err
	}
	w.done = true
	seg := w.seg
	seg.Type = typ
	copy(seg.Hash[:], w.h.Sum(nil))
	tmp := w.f.Name()
	fail := func(err error) (Segment, error) {
		w.f.Close()
		if !w.unnamed {
			os.Remove(tmp)
		}
		w.store.stats.WriteErrors.Add(1)
		return Segment{}, fmt.Errorf("archive: commit %s: %w", seg.Path(), err)
	}
	if !w.store.noSync {
		if err := w.store.fsync(w.f); err != nil {
			return fail(err)
		}
	}
	final := filepath.Join(w.dir, seg.Name())
	var dup bool
	var err error
	if w.unnamed {
		dup, err = linkUnnamed(w.f, final)
	} else {
		dup, err = linkNoReplace(tmp, final)
	}
	if err != nil {
		return fail(err)
	}
	if err := w.f.Close(); err != nil {
		return fail(err)
	}
	if !w.unnamed {
		os.Remove(tmp)
	}
	if !dup && !w.store.noSync {
		if err := w.store.syncDir(w.dir); err != nil {
			return fail(err)
		}
	}
	w.store.stats.Committed(typ, w.n, dup)
	return seg, nil
}

func (w *dirWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.store.stats.Aborted.Add(1)
	w.f.Close()
	if w.unnamed {
		return nil // never named: closing it freed it
	}
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("archive: abort %s: %w", w.seg.Path(), err)
	}
	return nil
}

// openTemp opens the file a segment is written to before it is committed:
// an unnamed one where the file system allows (named false), otherwise a
// hidden temporary file in dir. The errors of a missing dir match
// fs.ErrNotExist.
func (d *DirStore) openTemp(dir string) (f *os.File, named bool, err error) {
	if d.unnamed.Load() {
		f, ok, err := openUnnamed(dir)
		if err != nil || ok {
			return f, false, err
		}
		d.unnamed.Store(false)
		d.log.Info("file system has no unnamed temporary files; using hidden names", "root", d.root)
	}
	f, err = os.CreateTemp(dir, tempPrefix+"*"+tempSuffix)
	if err != nil {
		return nil, true, err
	}
	// CreateTemp makes the file private; segments are public, as
	// wubloader's are, for the web server or tool that serves them.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, true, err
	}
	return f, true, nil
}

// linkNoReplace gives the file tmp the name final unless final exists, in
// which case it reports dup. A hard link is atomic and never replaces, so
// two writers of the same segment cannot both win, and readers of the first
// copy are never disturbed. On file systems without hard links it falls back
// to a rename, which is also safe here because a name fixes the content.
func linkNoReplace(tmp, final string) (dup bool, err error) {
	err = os.Link(tmp, final)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, fs.ErrExist):
		return true, nil
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.ENOTSUP), errors.Is(err, syscall.EXDEV), errors.Is(err, syscall.EMLINK):
		if _, serr := os.Lstat(final); serr == nil {
			return true, nil
		}
		return false, os.Rename(tmp, final)
	}
	return false, err
}

// makeDir creates an hour folder, and the stream and variant folders above
// it if needed, then syncs the folders whose entries may have changed: the
// commit syncs only the hour folder, so without this a power cut could
// lose a new hour, and the segments committed into it, whole.
func (d *DirStore) makeDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if d.noSync {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if err := d.syncDir(p); err != nil {
			return err
		}
		if p == d.root || p == filepath.Dir(p) {
			return nil
		}
	}
}

// syncDir makes the names created in dir durable.
func (d *DirStore) syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.fsync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open returns the bytes of a stored segment.
func (d *DirStore) Open(ctx context.Context, seg Segment) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := seg.Validate(); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(d.root, filepath.FromSlash(seg.Path())))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("archive: open %s: %w", seg.Path(), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("archive: open %s: %w", seg.Path(), err)
	}
	return f, nil
}

// Streams lists the stream folders.
func (d *DirStore) Streams(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return d.listDirs(d.root, func(name string) bool { return ValidateComponent("stream", name) == nil })
}

// Variants lists the variants of a stream.
func (d *DirStore) Variants(ctx context.Context, stream string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateComponent("stream", stream); err != nil {
		return nil, err
	}
	return d.listDirs(filepath.Join(d.root, stream), func(name string) bool { return ValidateComponent("variant", name) == nil })
}

// Hours lists the hour folders of a variant.
func (d *DirStore) Hours(ctx context.Context, stream, variant string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateComponent("stream", stream); err != nil {
		return nil, err
	}
	if err := ValidateComponent("variant", variant); err != nil {
		return nil, err
	}
	return d.listDirs(filepath.Join(d.root, stream, variant), func(name string) bool {
		_, err := ParseHour(name)
		return err == nil
	})
}

// listDirs lists the sub-folders of dir whose names pass keep, sorted.
// Hidden entries and foreign names are skipped; an absent dir lists empty.
func (d *DirStore) listDirs(dir string, keep func(string) bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("archive: list %s: %w", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || !keep(e.Name()) {
			continue
		}
		names = append(names, e.Name())
	}
	return names, nil
}

// List lists one hour folder. Listings are cached: an hour whose folder has
// not changed since it was last listed costs one stat, and in an hour that
// did change only new files are stat'ed (a name fixes its content, so it
// fixes its size). The returned slices are shared; do not modify them.
func (d *DirStore) List(ctx context.Context, stream, variant, hour string) (Listing, error) {
	if err := ctx.Err(); err != nil {
		return Listing{}, err
	}
	if err := ValidateHourPath(stream, variant, hour); err != nil {
		return Listing{}, err
	}
	dir := d.hourDir(stream, variant, hour)
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return Listing{}, nil
	}
	if err != nil {
		return Listing{}, fmt.Errorf("archive: list %s/%s/%s: %w", stream, variant, hour, err)
	}
	key := hourKey{stream, variant, hour}
	cached, _ := d.listings.get(key)
	if cached != nil && cached.fresh(info.ModTime()) {
		return cached.listing, nil
	}
	if l, listedAt, ok := d.readSummary(stream, variant, hour, info.ModTime()); ok {
		d.reportBad(stream, variant, hour, l.Bad)
		d.listings.put(key, &cachedListing{mtime: info.ModTime(), listedAt: listedAt, listing: l})
		return l, nil
	}
	// The real clock, not the injected airkeep.Clock: listedAt is compared
	// with the folder's mtime, which the kernel stamps from the real
	// clock. A fake clock here would make a listing look taken long
	// after (or before) the folder's last change, and a stale listing
	// could then be trusted forever (see cachedListing.fresh).
	listedAt := time.Now()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return Listing{}, nil
	}
	if err != nil {
		return Listing{}, fmt.Errorf("archive: list %s/%s/%s: %w", stream, variant, hour, err)
	}
	files := make([]RawEntry, 0, len(entries))
	sizes := make(map[string]int64, len(entries))
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			continue
		}
		var size int64
		if strings.HasSuffix(name, ".ts") {
			var ok bool
			if cached != nil {
				size, ok = cached.sizes[name]
			}
			if !ok {
				fi, err := e.Info()
				if err != nil {
					continue // removed since ReadDir
				}
				size = fi.Size()
			}
			sizes[name] = size
		}
		files = append(files, RawEntry{Name: name, Size: size})
	}
	l := NewListing(stream, variant, hour, files, &d.stats)
	d.reportBad(stream, variant, hour, l.Bad)
	d.listings.put(key, &cachedListing{mtime: info.ModTime(), listedAt: listedAt, listing: l, sizes: sizes})
	d.writeSummary(stream, variant, hour, l, info.ModTime(), listedAt)
	return l, nil
}

// HourStamp returns a stamp of an hour folder, its mtime, that changes
// whenever its listing may have changed, for the price of one stat; ok is
// false while the folder changed too recently for its mtime to be trusted
// (mtimeSlack). Coverage uses it to skip listing hours that did not change.
func (d *DirStore) HourStamp(ctx context.Context, stream, variant, hour string) (stamp uint64, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	if err := ValidateHourPath(stream, variant, hour); err != nil {
		return 0, false, err
	}
	info, err := os.Stat(d.hourDir(stream, variant, hour))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, true, nil // absent; a folder made later has an mtime
	}
	if err != nil {
		return 0, false, fmt.Errorf("archive: stat %s/%s/%s: %w", stream, variant, hour, err)
	}
	m := info.ModTime()
	return uint64(m.UnixNano()), time.Since(m) > mtimeSlack, nil
}

// reportBad logs each foreign name once.
func (d *DirStore) reportBad(stream, variant, hour string, bad []string) {
	if len(bad) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, name := range bad {
		key := stream + "/" + variant + "/" + hour + "/" + name
		if d.reported[key] {
			continue
		}
		if len(d.reported) < 10000 {
			d.reported[key] = true
		}
		d.log.Warn("skipping foreign file in archive", "path", key)
	}
}

// Tombstone writes an empty NAME.tombstone beside the segment.
func (d *DirStore) Tombstone(ctx context.Context, seg Segment) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := seg.Validate(); err != nil {
		return err
	}
	dir := d.hourDir(seg.Stream, seg.Variant, seg.Hour())
	f, err := os.CreateTemp(dir, tempPrefix+"*"+tempSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		// A tombstone that comes before any segment of its hour.
		if err = d.makeDir(dir); err == nil {
			f, err = os.CreateTemp(dir, tempPrefix+"*"+tempSuffix)
		}
	}
	if err != nil {
		return fmt.Errorf("archive: tombstone %s: %w", seg.Path(), err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("archive: tombstone %s: %w", seg.Path(), err)
	}
	dup, err := linkNoReplace(tmp, filepath.Join(dir, seg.TombstoneName()))
	if err != nil {
		return fmt.Errorf("archive: tombstone %s: %w", seg.Path(), err)
	}
	if dup {
		return nil
	}
	if !d.noSync {
		if err := d.syncDir(dir); err != nil {
			return fmt.Errorf("archive: tombstone %s: %w", seg.Path(), err)
		}
	}
	d.stats.Tombstones.Add(1)
	return nil
}

// RemoveHour deletes an hour folder, keeping its tombstones. The folder is
// first renamed aside, atomically, to a hidden name that every listing
// skips (wubloader's too), so that a crash at any point leaves the hour
// either whole or gone, never half-listed: the tombstones are then moved
// back into a new folder of the hour's name, and the renamed folder is
// deleted. A folder left aside by a crash is finished by the next
// RemoveHour or CleanTemp of its variant.
func (d *DirStore) RemoveHour(ctx context.Context, stream, variant, hour string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ValidateHourPath(stream, variant, hour); err != nil {
		return err
	}
	defer d.listings.forget(hourKey{stream, variant, hour})
	dir := d.hourDir(stream, variant, hour)
	aside := filepath.Join(d.root, stream, variant, removingPrefix+hour+removingSuffix)
	if err := os.Rename(dir, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return d.finishRemoval(stream, variant, hour)
		}
		// An aside folder from an earlier crash is in the way: finish
		// it first, then this one.
		if _, serr := os.Stat(aside); serr == nil {
			if ferr := d.finishRemoval(stream, variant, hour); ferr != nil {
				return ferr
			}
			err = os.Rename(dir, aside)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("archive: remove hour %s/%s/%s: %w", stream, variant, hour, err)
		}
	}
	if !d.noSync {
		if err := d.syncDir(filepath.Dir(dir)); err != nil {
			return fmt.Errorf("archive: remove hour %s/%s/%s: %w", stream, variant, hour, err)
		}
	}
	return d.finishRemoval(stream, variant, hour)
}

// Hour folders being removed are renamed to .removing-HOUR.tmp: hidden, and
// never a valid hour.
const (
	removingPrefix = ".removing-"
	removingSuffix = ".tmp"
)

// finishRemoval moves the tombstones (and any foreign sub-folder) of an
// hour renamed aside back into the hour's folder and deletes the rest.
func (d *DirStore) finishRemoval(stream, variant, hour string) error {
	d.removeSummary(stream, variant, hour)
	dir := d.hourDir(stream, variant, hour)
	aside := filepath.Join(d.root, stream, variant, removingPrefix+hour+removingSuffix)
	entries, err := os.ReadDir(aside)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("archive: remove hour %s/%s/%s: %w", stream, variant, hour, err)
	}
	var errs []error
	for _, e := range entries {
		keep := e.IsDir() || (strings.HasSuffix(e.Name(), ".tombstone") && e.Type().IsRegular())
		if !keep {
			continue
		}
		if err := d.makeDir(dir); err != nil {
			errs = append(errs, err)
			break
		}
		from, to := filepath.Join(aside, e.Name()), filepath.Join(dir, e.Name())
		if e.IsDir() {
			// Foreign sub-folders are not ours to delete.
			if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrExist) {
				errs = append(errs, err)
			}
			continue
		}
		// A tombstone already back (a crash after moving it) wins.
		if _, err := linkNoReplace(from, to); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		if !d.noSync {
			if err := d.syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		if err := os.RemoveAll(aside); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("archive: remove hour %s/%s/%s: %w", stream, variant, hour, err)
	}
	return nil
}

// finishRemovals finishes every removal of a variant that a crash left
// aside.
func (d *DirStore) finishRemovals(stream, variant string) error {
	entries, err := os.ReadDir(filepath.Join(d.root, stream, variant))
	if err != nil {
		return nil // nothing to finish; listing errors surface elsewhere
	}
	var errs []error
	for _, e := range entries {
		hour, ok := strings.CutPrefix(e.Name(), removingPrefix)
		if hour, ok = strings.CutSuffix(hour, removingSuffix); !ok || !e.IsDir() {
			continue
		}
		if _, err := ParseHour(hour); err != nil {
			continue
		}
		errs = append(errs, d.finishRemoval(stream, variant, hour))
	}
	return errors.Join(errs...)
}

// CleanTemp removes temporary files older than maxAge that crashed writers
// left behind: airkeep's hidden ones and wubloader's NAME-temp-UUID.ts; and
// it finishes removals of hours (RemoveHour) that a crash interrupted. The
// owner of a DirStore calls it at start-up, with maxAge well above the
// longest write (a segment download gives up after 20 minutes), so that a
// write still in progress elsewhere is never touched. It returns how many
// files it removed.
func (d *DirStore) CleanTemp(ctx context.Context, maxAge time.Duration, now time.Time) (int, error) {
	removed := 0
	streams, err := d.Streams(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range streams {
		variants, err := d.Variants(ctx, s)
		if err != nil {
			return removed, err
		}
		for _, v := range variants {
			if err := d.finishRemovals(s, v); err != nil {
				return removed, err
			}
			removed += d.cleanSummaryTemps(s, v, maxAge, now)
			hours, err := d.Hours(ctx, s, v)
			if err != nil {
				return removed, err
			}
			for _, h := range hours {
				if err := ctx.Err(); err != nil {
					return removed, err
				}
				n, err := d.cleanHour(s, v, h, maxAge, now)
				removed += n
				if err != nil {
					return removed, err
				}
			}
		}
	}
	return removed, nil
}

// cleanSummaryTemps removes the temporary files of hour summaries (written
// in the variant's folder) that a crash left, older than maxAge.
func (d *DirStore) cleanSummaryTemps(stream, variant string, maxAge time.Duration, now time.Time) int {
	dir := filepath.Join(d.root, stream, variant)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, tempPrefix) || !strings.HasSuffix(name, tempSuffix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < maxAge {
			continue
		}
		if os.Remove(filepath.Join(dir, name)) == nil {
			removed++
		}
	}
	return removed
}

func (d *DirStore) cleanHour(stream, variant, hour string, maxAge time.Duration, now time.Time) (int, error) {
	dir := d.hourDir(stream, variant, hour)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("archive: clean %s: %w", dir, err)
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		ours := strings.HasPrefix(name, tempPrefix) && strings.HasSuffix(name, tempSuffix)
		if !ours {
			seg, err := ParseName(stream, variant, hour, name)
			if err != nil || seg.Type != Temp {
				continue
			}
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < maxAge {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err == nil {
			removed++
			d.log.Info("removed stale temporary file", "path", filepath.Join(dir, name))
		}
	}
	return removed, nil
}
