package archive

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"time"

	"golang.org/x/sync/errgroup"
)

// Tolerances of wubloader's timeline (PR #374): segment timings from some
// origins are not exact, so a gap or overlap up to 10 ms between two
// segments still joins them.
const (
	allowableGap     = 10 * time.Millisecond
	allowableOverlap = 10 * time.Millisecond
)

// listConcurrency bounds the hour listings one selection runs at once.
const listConcurrency = 8

// Query asks for the best timeline of one variant over [Start, End).
type Query struct {
	Stream, Variant string
	Start, End      time.Time
	// NoHoles makes selection fail at the first hole with a *HolesError
	// (which matches ErrHoles), as wubloader's allow_holes=False does.
	NoHoles bool
}

// Item is one step of a Timeline: a segment, or a hole.
type Item struct {
	// Hole is true for a hole; Entry is then zero.
	Hole bool
	Entry
	// Start and End are the segment's span, or the hole's: from the end
	// of the segment before it (or the range start) to the start of the
	// segment after it (or the range end). A hole forced by a partial
	// segment between two adjoining segments has Start == End.
	Start, End time.Time
}

// Timeline is the best sequence of segments for a range, with explicit
// holes. Adjacent segments join (within 10 ms); unless the first item is a
// hole, the first segment starts at or before the range start; unless the
// last item is a hole, the last segment ends at or after the range end.
// A segment that is not full is always followed by a hole, since it may not
// join the next one intact.
type Timeline struct {
	Query Query
	Items []Item

	// fingerprint identifies the listings the timeline was built from, so
	// that what is derived from it (a playlist) can be cached.
	fingerprint uint64
}

// HasHoles reports whether the timeline has any hole.
func (t Timeline) HasHoles() bool {
	for _, it := range t.Items {
		if it.Hole {
			return true
		}
	}
	return false
}

// Segments returns the timeline's segments in order, without holes.
func (t Timeline) Segments() []Entry {
	segs := make([]Entry, 0, len(t.Items))
	for _, it := range t.Items {
		if !it.Hole {
			segs = append(segs, it.Entry)
		}
	}
	return segs
}

// HolesError reports a hole found in strict selection or a cut that does not
// allow holes.
type HolesError struct {
	Stream, Variant string
	// At is where the first hole starts.
	At time.Time
}

func (e *HolesError) Error() string {
	return fmt.Sprintf("archive: %s/%s: range contains holes, the first at %s",
		e.Stream, e.Variant, e.At.UTC().Format(time.RFC3339Nano))
}

// Unwrap makes errors.Is(err, ErrHoles) true.
func (e *HolesError) Unwrap() error { return ErrHoles }

// RangeError reports a query whose range cannot be selected.
type RangeError struct {
	Start, End time.Time
	Reason     string
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("archive: range %s to %s: %s", e.Start.UTC().Format(time.RFC3339Nano), e.End.UTC().Format(time.RFC3339Nano), e.Reason)
}

// SelectorConfig configures a Selector.
type SelectorConfig struct {
	// CacheHours bounds how many hours of per-hour results are cached.
	// 0 means 168 (a week of one variant, about 40 MB at 2 s segments);
	// negative disables the cache.
	CacheHours int
	// MaxRange bounds the length of a query's range, so that a hostile or
	// mistaken request cannot make selection walk years of hours. 0 means
	// 31 days.
	MaxRange time.Duration
}

// Selector picks best-segment timelines from a store, following wubloader's
// get_best_segments rules exactly, and caches each hour's winners keyed on
// the hour's listing so repeated queries over the same hours cost little.
// It is safe for concurrent use.
type Selector struct {
	store    Reader
	maxRange time.Duration
	seed     maphash.Seed
	hours    *lru[hourKey, hourResult]
	covers   *lru[coverageKey, cachedCoverage]
}

type hourResult struct {
	fingerprint uint64
	best        []Entry
}

// orDefault returns n, or def when n is zero.
func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// NewSelector returns a Selector over store.
func NewSelector(store Reader, cfg SelectorConfig) *Selector {
	maxRange := cfg.MaxRange
	if maxRange <= 0 {
		maxRange = 31 * 24 * time.Hour
	}
	return &Selector{
		store: store, maxRange: maxRange, seed: maphash.MakeSeed(),
		hours: newLRU[hourKey, hourResult](orDefault(cfg.CacheHours, 168)),
		// Coverage results are small (a few spans and counts): keep
		// a month of hours for a few variants.
		covers: newLRU[coverageKey, cachedCoverage](max(4*orDefault(cfg.CacheHours, 168), 4*744)),
	}
}

// Best returns the best timeline for q without caching.
func Best(ctx context.Context, store Reader, q Query) (Timeline, error) {
	return NewSelector(store, SelectorConfig{CacheHours: -1}).Best(ctx, q)
}

// Best returns the best timeline for q. Hours are scanned from the hour
// before q.Start's (a segment that starts at 00:59:59 may cover 01:00:01)
// through q.End's.
func (s *Selector) Best(ctx context.Context, q Query) (Timeline, error) {
	if err := validateQuery(q); err != nil {
		return Timeline{}, err
	}
	if q.End.Sub(q.Start) > s.maxRange {
		return Timeline{}, &RangeError{Start: q.Start, End: q.End, Reason: fmt.Sprintf("longer than %v", s.maxRange)}
	}
	start, end := q.Start.UTC(), q.End.UTC()
	// Gather the hours first, listing several at once (on S3 each listing
	// is a round trip), so the timeline is allocated once: a day of 2-second
	// segments is 43,200 items.
	first := start.Truncate(time.Hour).Add(-time.Hour)
	hours := make([][]Entry, int(end.Truncate(time.Hour).Sub(first)/time.Hour)+1)
	fps := make([]uint64, len(hours))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listConcurrency)
	for i := range hours {
		h := FormatHour(first.Add(time.Duration(i) * time.Hour))
		g.Go(func() error {
			best, fp, err := s.hour(gctx, q.Stream, q.Variant, h)
			hours[i], fps[i] = best, fp
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Timeline{}, err
	}
	var fingerprint uint64
	for _, fp := range fps {
		fingerprint = fingerprint*1099511628211 ^ fp
	}
	tl, err := assemble(q, hours)
	tl.fingerprint = fingerprint
	return tl, err
}

// assemble lays out the timeline of q from the winners of consecutive
// hours, the first being the hour before q.Start's, with wubloader's
// get_best_segments rules.
func assemble(q Query, hours [][]Entry) (Timeline, error) {
	start, end := q.Start.UTC(), q.End.UTC()
	tl := Timeline{Query: q}
	var prev *Entry
	hole := func(from, to time.Time) error {
		if q.NoHoles {
			return &HolesError{Stream: q.Stream, Variant: q.Variant, At: from}
		}
		if to.Before(from) {
			to = from
		}
		tl.Items = append(tl.Items, Item{Hole: true, Start: from, End: to})
		return nil
	}
	total := 0
	for _, best := range hours {
		total += len(best)
	}
	tl.Items = make([]Item, 0, total+2)
hours:
	for _, best := range hours {
		for i := range best {
			seg := &best[i]
			segStart, segEnd := seg.Start, seg.End()
			if prev == nil {
				switch {
				case !segStart.After(start) && start.Before(segEnd):
					// Covers the start.
				case start.Before(segStart) && segStart.Before(end):
					if err := hole(start, segStart); err != nil {
						return Timeline{}, err
					}
				default:
					continue
				}
			} else {
				prevEnd := prev.End()
				gap := segStart.Sub(prevEnd)
				if gap < -allowableOverlap {
					continue // overlaps the previous segment: the earliest wins
				}
				if prev.Type != Full || gap > allowableGap {
					if err := hole(prevEnd, segStart); err != nil {
						return Timeline{}, err
					}
				}
			}
			tl.Items = append(tl.Items, Item{Entry: *seg, Start: segStart, End: segEnd})
			prev = seg
			if !segEnd.Before(end) {
				break hours
			}
		}
	}
	// No tolerance at the range end: a last segment 5 ms short leaves a hole.
	switch {
	case prev == nil:
		if err := hole(start, end); err != nil {
			return Timeline{}, err
		}
	case prev.Type != Full || prev.End().Before(end):
		if err := hole(prev.End(), end); err != nil {
			return Timeline{}, err
		}
	}
	return tl, nil
}

func validateQuery(q Query) error {
	if err := ValidateComponent("stream", q.Stream); err != nil {
		return err
	}
	if err := ValidateComponent("variant", q.Variant); err != nil {
		return err
	}
	if q.Start.IsZero() || q.End.IsZero() {
		return &RangeError{Start: q.Start, End: q.End, Reason: "start and end are required"}
	}
	if !q.End.After(q.Start) {
		return &RangeError{Start: q.Start, End: q.End, Reason: "end must be after start"}
	}
	return nil
}

// hour returns the winners of one hour, from the cache when the hour's
// listing has not changed.
func (s *Selector) hour(ctx context.Context, stream, variant, hour string) ([]Entry, uint64, error) {
	l, err := s.store.List(ctx, stream, variant, hour)
	if err != nil {
		return nil, 0, err
	}
	best, fp := s.winners(stream, variant, hour, l)
	return best, fp, nil
}

// winners returns the winners of an hour's listing, and the listing's
// fingerprint, from the cache when the listing has not changed.
func (s *Selector) winners(stream, variant, hour string, l Listing) ([]Entry, uint64) {
	key := hourKey{stream, variant, hour}
	fp := s.fingerprint(l.Segments)
	if r, ok := s.hours.get(key); ok && r.fingerprint == fp {
		return r.best, fp
	}
	best := bestByStart(l.Segments)
	s.hours.put(key, hourResult{fingerprint: fp, best: best})
	return best, fp
}

// fingerprint identifies a listing by every field that selection reads.
func (s *Selector) fingerprint(entries []Entry) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var b [8 + 8 + 8 + 1 + 32]byte
	for i := range entries {
		e := &entries[i]
		putUint64(b[0:], uint64(e.Start.UnixMicro()))
		putUint64(b[8:], uint64(e.Duration.Duration()))
		putUint64(b[16:], uint64(e.Size))
		b[24] = byte(e.Type)
		copy(b[25:], e.Hash[:])
		h.Write(b[:])
	}
	return h.Sum64()
}

func putUint64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// bestByStart keeps one segment per distinct start time, following
// wubloader's best_segments_by_start: temp segments are ignored; a full
// segment wins, the longest, then largest, then highest hash among several;
// otherwise suspect beats partial and the largest file wins. entries must be
// sorted by name, as listings are; among equals the first in name order
// wins, as with Python's max.
func bestByStart(entries []Entry) []Entry {
	out := make([]Entry, 0, len(entries))
	for i := 0; i < len(entries); {
		j := i
		var bestFull, bestOther *Entry
		for ; j < len(entries) && entries[j].Start.Equal(entries[i].Start); j++ {
			e := &entries[j]
			switch e.Type {
			case Full:
				if bestFull == nil || fullBetter(e, bestFull) {
					bestFull = e
				}
			case Suspect, Partial:
				if bestOther == nil || otherBetter(e, bestOther) {
					bestOther = e
				}
			}
		}
		switch {
		case bestFull != nil:
			out = append(out, *bestFull)
		case bestOther != nil:
			out = append(out, *bestOther)
		}
		i = j
	}
	return out
}

func fullBetter(a, b *Entry) bool {
	if da, db := a.Duration.Duration(), b.Duration.Duration(); da != db {
		return da > db
	}
	if a.Size != b.Size {
		return a.Size > b.Size
	}
	return bytes.Compare(a.Hash[:], b.Hash[:]) > 0
}

func otherBetter(a, b *Entry) bool {
	if sa, sb := a.Type == Suspect, b.Type == Suspect; sa != sb {
		return sa
	}
	return a.Size > b.Size
}
