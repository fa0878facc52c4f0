package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"
	"sync"
)

// MemStore is a Store that keeps segments in memory: for tests, and for
// programs that only pass segments through. It behaves like DirStore in
// every way the conformance suite checks.
type MemStore struct {
	mu    sync.RWMutex
	hours map[hourKey]map[string][]byte // file name -> bytes; tombstones are empty
	stats Stats
}

type hourKey struct{ stream, variant, hour string }

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{hours: make(map[hourKey]map[string][]byte)} }

// Stats returns the store's counters.
func (m *MemStore) Stats() *Stats { return &m.stats }

// PutRaw stores data under a relative path STREAM/VARIANT/HOUR/NAME without
// parsing NAME, as a foreign writer might. Tests use it to plant corrupt and
// foreign files; the stream, variant and hour must still be valid.
func (m *MemStore) PutRaw(rel string, data []byte) error {
	parts := strings.Split(rel, "/")
	if len(parts) != 4 || parts[3] == "" {
		return &NameError{Field: "path", Value: rel, Reason: "want STREAM/VARIANT/HOUR/NAME"}
	}
	if err := ValidateHourPath(parts[0], parts[1], parts[2]); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hourFiles(hourKey{parts[0], parts[1], parts[2]})[parts[3]] = bytes.Clone(data)
	return nil
}

// hourFiles returns the files of an hour, creating the hour. m.mu must be
// held for writing.
func (m *MemStore) hourFiles(k hourKey) map[string][]byte {
	files := m.hours[k]
	if files == nil {
		files = make(map[string][]byte)
		m.hours[k] = files
	}
	return files
}

// Create starts writing a segment into a buffer.
func (m *MemStore) Create(ctx context.Context, seg Segment) (SegmentWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	seg, err := PrepareCreate(seg)
	if err != nil {
		return nil, err
	}
	return &memWriter{store: m, seg: seg, h: sha256.New()}, nil
}

type memWriter struct {
	store *MemStore
	seg   Segment
	buf   bytes.Buffer
	h     hash.Hash
	done  bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, ErrClosed
	}
	w.buf.Write(p)
	w.h.Write(p)
	return len(p), nil
}

func (w *memWriter) Hash() Hash {
	var h Hash
	w.h.Sum(h[:0])
	return h
}

func (w *memWriter) Commit(ctx context.Context, typ Type) (Segment, error) {
	if w.done {
		return Segment{}, ErrClosed
	}
	if err := ValidateCommitType(typ); err != nil {
		return Segment{}, err
	}
	if err := ctx.Err(); err != nil {
		w.Abort()
		return Segment{}, err
	}
	w.done = true
	seg := w.seg
	seg.Type = typ
	copy(seg.Hash[:], w.h.Sum(nil))
	k := hourKey{seg.Stream, seg.Variant, seg.Hour()}
	name := seg.Name()
	w.store.mu.Lock()
	files := w.store.hourFiles(k)
	_, dup := files[name]
	if !dup {
		files[name] = w.buf.Bytes()
	}
	w.store.mu.Unlock()
	w.store.stats.Committed(typ, int64(w.buf.Len()), dup)
	return seg, nil
}

func (w *memWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.store.stats.Aborted.Add(1)
	return nil
}

// Open returns the bytes of a stored segment.
func (m *MemStore) Open(ctx context.Context, seg Segment) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := seg.Validate(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	data, ok := m.hours[hourKey{seg.Stream, seg.Variant, seg.Hour()}][seg.Name()]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("archive: open %s: %w", seg.Path(), ErrNotFound)
	}
	// Stored slices are never modified, so readers can share them.
	return nopCloser{bytes.NewReader(data)}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// Streams lists the streams.
func (m *MemStore) Streams(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.collect(func(k hourKey) (string, bool) { return k.stream, true }), nil
}

// Variants lists the variants of a stream.
func (m *MemStore) Variants(ctx context.Context, stream string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateComponent("stream", stream); err != nil {
		return nil, err
	}
	return m.collect(func(k hourKey) (string, bool) { return k.variant, k.stream == stream }), nil
}

// Hours lists the hours of a variant.
func (m *MemStore) Hours(ctx context.Context, stream, variant string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateComponent("stream", stream); err != nil {
		return nil, err
	}
	if err := ValidateComponent("variant", variant); err != nil {
		return nil, err
	}
	return m.collect(func(k hourKey) (string, bool) { return k.hour, k.stream == stream && k.variant == variant }), nil
}

// collect returns the distinct names pick selects from the hours, sorted.
func (m *MemStore) collect(pick func(hourKey) (string, bool)) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	seen := make(map[string]bool)
	names := []string{}
	for k := range m.hours {
		if name, ok := pick(k); ok && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// List lists one hour.
func (m *MemStore) List(ctx context.Context, stream, variant, hour string) (Listing, error) {
	if err := ctx.Err(); err != nil {
		return Listing{}, err
	}
	if err := ValidateHourPath(stream, variant, hour); err != nil {
		return Listing{}, err
	}
	m.mu.RLock()
	hourFiles := m.hours[hourKey{stream, variant, hour}]
	files := make([]RawEntry, 0, len(hourFiles))
	for name, data := range hourFiles {
		files = append(files, RawEntry{Name: name, Size: int64(len(data))})
	}
	m.mu.RUnlock()
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return NewListing(stream, variant, hour, files, &m.stats), nil
}

// Tombstone hides a segment.
func (m *MemStore) Tombstone(ctx context.Context, seg Segment) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := seg.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	files := m.hourFiles(hourKey{seg.Stream, seg.Variant, seg.Hour()})
	if _, ok := files[seg.TombstoneName()]; !ok {
		files[seg.TombstoneName()] = []byte{}
		m.stats.Tombstones.Add(1)
	}
	return nil
}

// RemoveHour deletes the segments of an hour, keeping its tombstones.
func (m *MemStore) RemoveHour(ctx context.Context, stream, variant, hour string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ValidateHourPath(stream, variant, hour); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := hourKey{stream, variant, hour}
	files := m.hours[k]
	for name := range files {
		if !strings.HasSuffix(name, ".tombstone") {
			delete(files, name)
		}
	}
	if len(files) == 0 {
		delete(m.hours, k)
	}
	return nil
}
