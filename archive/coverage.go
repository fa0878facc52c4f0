package archive

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Span is the stretch of time [Start, End).
type Span struct{ Start, End time.Time }

// Duration returns End - Start.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Coverage measures how much of [from, to) the timeline holds: the time
// covered by full segments, and the holes, merged and in order. A suspect
// or partial segment counts as a hole, since its bytes may not hold its
// whole duration (selection puts a hole after one, too). It is what a
// proof of broadcast or a retention audit reports.
func (t Timeline) Coverage(from, to time.Time) (present time.Duration, holes []Span) {
	if !from.Before(to) {
		return 0, nil
	}
	covered := make([]Span, 0, len(t.Items))
	for _, it := range t.Items {
		if it.Hole || it.Type != Full {
			continue
		}
		s, e := later(it.Start, from), earlier(it.End, to)
		if !s.Before(e) {
			continue
		}
		if n := len(covered); n > 0 && !s.After(covered[n-1].End) {
			// Joins or overlaps the last span (the 10 ms tolerance).
			covered[n-1].End = later(covered[n-1].End, e)
			continue
		}
		covered = append(covered, Span{s, e})
	}
	at := from
	for _, c := range covered {
		present += c.Duration()
		if c.Start.After(at) {
			holes = append(holes, Span{at, c.Start})
		}
		at = later(at, c.End)
	}
	if at.Before(to) {
		holes = append(holes, Span{at, to})
	}
	return present, holes
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// TypeCounts counts segments by type. Bad counts the names of an hour that
// are not usable segments: temp segments (downloads in progress or
// abandoned) and names that do not parse.
type TypeCounts struct{ Full, Suspect, Partial, Bad int }

// TypeDurations sums segment durations, as their names give them, by type.
type TypeDurations struct{ Full, Suspect, Partial time.Duration }

func (c *TypeCounts) add(typ Type, n int) {
	switch typ {
	case Full:
		c.Full += n
	case Suspect:
		c.Suspect += n
	case Partial:
		c.Partial += n
	default:
		c.Bad += n
	}
}

func (d *TypeDurations) add(typ Type, v time.Duration) {
	switch typ {
	case Full:
		d.Full += v
	case Suspect:
		d.Suspect += v
	case Partial:
		d.Partial += v
	}
}

// HourCoverage is what one hour of one variant holds: the quantities of
// wubloader's segment_coverage, per stream, variant and hour, with the
// same names as its Prometheus gauges. Times are measured inside the hour
// [Hour, Hour+1h): a segment listed in the hour before that runs into this
// one covers its first moments here, and the tail of a segment that runs
// past the hour's end is counted in the next hour; so the coverage of a
// range is the sum of its hours', and no hour covers more than 3600 s.
//
// Gaps of up to 10 ms between segments are not holes, as in selection
// (wubloader's timeline tolerance, PR #374).
type HourCoverage struct {
	// Hour is the start of the hour, UTC.
	Hour time.Time
	// Held reports whether the hour's folder lists anything at all.
	Held bool
	// Measured is the part of the hour in which holes are counted: the
	// whole hour, except that time before the variant's first segment
	// and after its last one is not a hole (the stream was not captured
	// yet, or that time has not come), as in wubloader. It is empty
	// when the variant holds nothing.
	Measured Span

	// Segments counts the hour's listed segments by type (segment_count):
	// tombstoned segments are not listed, and Bad counts temp segments and
	// names that do not parse.
	Segments TypeCounts
	// SegmentDuration sums the durations of the counted segments, by type
	// (segment_duration), whether or not they overlap.
	SegmentDuration TypeDurations
	// Raw is the time of the hour covered by at least one full, suspect or
	// partial segment (raw_coverage).
	Raw time.Duration
	// Editable is the time of the hour covered by the best-segment
	// timeline, the one playlists and cuts use (editable_coverage): one
	// winner per start time, and a segment starting more than 10 ms before
	// the previous winner ends is left out. Suspect and partial winners
	// count: their bytes can be cut, with a hole after them.
	Editable time.Duration
	// RawHoles are the stretches of Measured longer than 10 ms that no
	// segment covers; raw_holes is their number.
	RawHoles []Span
	// EditableHoles are the stretches of Measured longer than 10 ms that
	// the best timeline does not cover; editable_holes is their number.
	EditableHoles []Span
	// PartialOnly are the stretches of the hour that some segment covers
	// but no full segment does: only suspect or partial segments hold
	// them. The coverage map paints them orange.
	PartialOnly []Span
	// Covered are the stretches of the hour that some segment covers
	// (gaps of up to 10 ms joined), sorted.
	Covered []Span
	// Overlaps counts, by type, the hour's segments that the best timeline
	// leaves out (overlap_count): a copy that lost to another segment with
	// the same start (a second full copy, a partial beside a full one), or
	// a segment starting more than 10 ms before the previous winner ends.
	Overlaps TypeCounts
	// OverlapDuration is, by type, the time of those segments that the
	// timeline covers anyway (overlap_duration): the whole of a losing
	// copy, the overlapping part of an overlapping segment.
	OverlapDuration TypeDurations
}

// PartialOnlyDuration returns the total length of PartialOnly.
func (c HourCoverage) PartialOnlyDuration() time.Duration { return total(c.PartialOnly) }

// HoleDuration returns the total length of RawHoles.
func (c HourCoverage) HoleDuration() time.Duration { return total(c.RawHoles) }

func total(spans []Span) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.Duration()
	}
	return d
}

// CoverHour computes the coverage of the hour starting at hour from the
// listing of the hour before it (for segments that run into this one) and
// its own. Holes are counted within measured only (see
// HourCoverage.Measured); the zero Span means the whole hour.
func CoverHour(hour time.Time, prev, cur Listing, measured Span) HourCoverage {
	return coverHour(hour.UTC().Truncate(time.Hour), prev, cur, bestByStart(prev.Segments), bestByStart(cur.Segments), measured)
}

func coverHour(hour time.Time, prev, cur Listing, prevBest, curBest []Entry, measured Span) HourCoverage {
	end := hour.Add(time.Hour)
	if measured == (Span{}) {
		measured = Span{hour, end}
	}
	c := HourCoverage{Hour: hour, Held: len(cur.Segments) > 0 || len(cur.Bad) > 0 || len(cur.Tombstones) > 0, Measured: measured}
	for _, e := range cur.Segments {
		c.Segments.add(e.Type, 1)
		c.SegmentDuration.add(e.Type, e.Duration.Duration())
	}
	c.Segments.Bad += len(cur.Bad)

	// Every usable segment's span within the hour, in start order: the
	// tails of the hour before's, then the hour's own (listings are sorted
	// by start).
	clip := func(e *Entry) (Span, bool) {
		s, t := later(e.Start, hour), earlier(e.End(), end)
		return Span{s, t}, s.Before(t)
	}
	var all, full []Span
	for _, l := range []*Listing{&prev, &cur} {
		for i := range l.Segments {
			e := &l.Segments[i]
			if e.Type == Temp {
				continue
			}
			sp, ok := clip(e)
			if !ok {
				continue
			}
			all = append(all, sp)
			if e.Type == Full {
				full = append(full, sp)
			}
		}
	}
	sortSpans(all)
	sortSpans(full)
	c.Raw = total(mergeSpans(all, 0))
	c.Covered = mergeSpans(all, allowableGap)
	c.RawHoles = gaps(measured, c.Covered, allowableGap)
	c.PartialOnly = subtract(c.Covered, mergeSpans(full, allowableGap))

	// The best timeline over the hour, built as selection builds it.
	tl, _ := assemble(Query{Start: hour, End: end}, [][]Entry{prevBest, curBest})
	chosen := make([]Span, 0, len(tl.Items))
	picked := make(map[segmentID]bool, len(tl.Items))
	for _, it := range tl.Items {
		if it.Hole {
			continue
		}
		picked[idOf(&it.Entry)] = true
		if sp, ok := clip(&it.Entry); ok {
			chosen = append(chosen, sp)
		}
	}
	used := mergeSpans(chosen, 0)
	c.Editable = total(used)
	c.EditableHoles = gaps(measured, mergeSpans(chosen, allowableGap), allowableGap)
	for i := range cur.Segments {
		e := &cur.Segments[i]
		if e.Type == Temp || picked[idOf(e)] {
			continue
		}
		c.Overlaps.add(e.Type, 1)
		if sp, ok := clip(e); ok {
			c.OverlapDuration.add(e.Type, intersection(sp, used))
		}
	}
	return c
}

type segmentID struct {
	start int64
	hash  Hash
	typ   Type
}

func idOf(e *Entry) segmentID { return segmentID{e.Start.UnixMicro(), e.Hash, e.Type} }

func sortSpans(s []Span) {
	if !sort.SliceIsSorted(s, func(i, j int) bool { return s[i].Start.Before(s[j].Start) }) {
		sort.SliceStable(s, func(i, j int) bool { return s[i].Start.Before(s[j].Start) })
	}
}

// mergeSpans joins sorted spans that overlap or are at most tol apart.
func mergeSpans(spans []Span, tol time.Duration) []Span {
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && !s.Start.After(out[n-1].End.Add(tol)) {
			out[n-1].End = later(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// gaps returns the stretches of within longer than tol that no span of
// covered (sorted, disjoint) touches.
func gaps(within Span, covered []Span, tol time.Duration) []Span {
	var out []Span
	at := within.Start
	add := func(from, to time.Time) {
		from, to = later(from, within.Start), earlier(to, within.End)
		if to.Sub(from) > tol {
			out = append(out, Span{from, to})
		}
	}
	for _, c := range covered {
		if !c.End.After(within.Start) {
			continue
		}
		if !c.Start.Before(within.End) {
			break
		}
		if c.Start.After(at) {
			add(at, c.Start)
		}
		at = later(at, c.End)
	}
	if at.Before(within.End) {
		add(at, within.End)
	}
	return out
}

// subtract returns the parts of a (sorted, disjoint) outside b (sorted,
// disjoint).
func subtract(a, b []Span) []Span {
	var out []Span
	j := 0
	for _, s := range a {
		at := s.Start
		for j < len(b) && !b[j].End.After(at) {
			j++
		}
		for k := j; k < len(b) && b[k].Start.Before(s.End); k++ {
			if b[k].Start.After(at) {
				out = append(out, Span{at, b[k].Start})
			}
			at = later(at, b[k].End)
		}
		if at.Before(s.End) {
			out = append(out, Span{at, s.End})
		}
	}
	return out
}

// intersection returns how much of s the sorted, disjoint spans cover.
func intersection(s Span, spans []Span) time.Duration {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].End.After(s.Start) })
	var d time.Duration
	for ; i < len(spans) && spans[i].Start.Before(s.End); i++ {
		if a, b := later(s.Start, spans[i].Start), earlier(s.End, spans[i].End); a.Before(b) {
			d += b.Sub(a)
		}
	}
	return d
}

// CoverageReport is the coverage of one variant, hour by hour, over a
// range of whole hours.
type CoverageReport struct {
	Stream, Variant string
	// Range is the hours covered: from the start of the first hour to the
	// end of the last.
	Range Span
	// Hours has one entry per hour of Range, in order, held or not.
	Hours []HourCoverage
	// Computed is how many of Hours were computed for this report; the
	// others came from the cache, their listings unchanged (an hour
	// depends on its own listing and on the hour before's).
	Computed int
}

// Total sums the report's hours: counts and durations added, spans joined
// across hour boundaries (a hole from 00:50 to 01:10 is one hole).
// Total.Hour is the start of the range and Total.Measured spans the
// measured parts of all hours.
func (r CoverageReport) Total() HourCoverage {
	t := HourCoverage{Hour: r.Range.Start}
	for _, h := range r.Hours {
		t.Held = t.Held || h.Held
		if h.Measured.Start.Before(h.Measured.End) {
			if t.Measured == (Span{}) {
				t.Measured.Start = h.Measured.Start
			}
			t.Measured.End = h.Measured.End
		}
		t.Segments.Full += h.Segments.Full
		t.Segments.Suspect += h.Segments.Suspect
		t.Segments.Partial += h.Segments.Partial
		t.Segments.Bad += h.Segments.Bad
		t.SegmentDuration.Full += h.SegmentDuration.Full
		t.SegmentDuration.Suspect += h.SegmentDuration.Suspect
		t.SegmentDuration.Partial += h.SegmentDuration.Partial
		t.Raw += h.Raw
		t.Editable += h.Editable
		t.RawHoles = appendJoined(t.RawHoles, h.RawHoles)
		t.EditableHoles = appendJoined(t.EditableHoles, h.EditableHoles)
		t.PartialOnly = appendJoined(t.PartialOnly, h.PartialOnly)
		t.Covered = appendJoined(t.Covered, h.Covered)
		t.Overlaps.Full += h.Overlaps.Full
		t.Overlaps.Suspect += h.Overlaps.Suspect
		t.Overlaps.Partial += h.Overlaps.Partial
		t.OverlapDuration.Full += h.OverlapDuration.Full
		t.OverlapDuration.Suspect += h.OverlapDuration.Suspect
		t.OverlapDuration.Partial += h.OverlapDuration.Partial
	}
	return t
}

// appendJoined appends spans to dst, joining the first to the last of dst
// when they touch.
func appendJoined(dst, spans []Span) []Span {
	for _, s := range spans {
		if n := len(dst); n > 0 && !s.Start.After(dst[n-1].End) {
			dst[n-1].End = later(dst[n-1].End, s.End)
			continue
		}
		dst = append(dst, s)
	}
	return dst
}

// Coverage reports the coverage of one variant for every hour that
// [from, to) touches. Hour results are cached keyed on the listings they
// were computed from, so that asking again costs a listing check per hour
// (one stat on a DirStore) and only hours whose listing changed are
// computed again. A listing that fails is returned as an error, never
// shown as a hole.
func (s *Selector) Coverage(ctx context.Context, stream, variant string, from, to time.Time) (CoverageReport, error) {
	if err := validateQuery(Query{Stream: stream, Variant: variant, Start: from, End: to}); err != nil {
		return CoverageReport{}, err
	}
	first, last := from.UTC().Truncate(time.Hour), to.UTC().Add(-1).Truncate(time.Hour)
	if last.Add(time.Hour).Sub(first) > s.maxRange {
		return CoverageReport{}, &RangeError{Start: from, End: to, Reason: fmt.Sprintf("longer than %v", s.maxRange)}
	}
	r := CoverageReport{Stream: stream, Variant: variant, Range: Span{first, last.Add(time.Hour)}}
	// What the variant holds at all bounds where holes are counted.
	held, err := s.store.Hours(ctx, stream, variant)
	if err != nil {
		return CoverageReport{}, err
	}
	var edges Span
	if len(held) > 0 {
		if edges, err = s.edges(ctx, stream, variant, held); err != nil {
			return CoverageReport{}, err
		}
	}
	n := int(last.Sub(first)/time.Hour) + 1
	r.Hours = make([]HourCoverage, n)
	stamper, _ := s.store.(hourStamper)
	stamp := func(h time.Time) (uint64, bool, error) {
		if stamper == nil {
			return 0, false, nil
		}
		return stamper.HourStamp(ctx, stream, variant, FormatHour(h))
	}
	// Listings are taken lazily: an hour whose folder, and the hour
	// before's, kept their stamps is answered from the cache unlisted.
	var prev, cur *hourListing
	list := func(h time.Time) (*hourListing, error) {
		l, err := s.listing(ctx, stream, variant, FormatHour(h))
		return &l, err
	}
	prevStamp, prevOK, err := stamp(first.Add(-time.Hour))
	if err != nil {
		return CoverageReport{}, err
	}
	for i := range n {
		h := first.Add(time.Duration(i) * time.Hour)
		measured := Span{later(h, edges.Start), earlier(h.Add(time.Hour), edges.End)}
		if !measured.Start.Before(measured.End) {
			measured = Span{h, h} // nothing measured
		}
		curStamp, curOK, err := stamp(h)
		if err != nil {
			return CoverageReport{}, err
		}
		k := coverageKey{stream, variant, h}
		if c, ok := s.covers.get(k); ok && prevOK && curOK && c.stamped && c.prevStamp == prevStamp && c.curStamp == curStamp && c.measured == measured {
			r.Hours[i] = c.cov
			prev, prevStamp, prevOK = nil, curStamp, curOK
			continue
		}
		if prev == nil {
			if prev, err = list(h.Add(-time.Hour)); err != nil {
				return CoverageReport{}, err
			}
		}
		if cur, err = list(h); err != nil {
			return CoverageReport{}, err
		}
		var fresh bool
		r.Hours[i], fresh = s.coverCached(k, *prev, *cur, measured)
		if fresh {
			r.Computed++
		}
		if prevOK && curOK {
			// The stamps were taken before the listings: if the hour
			// changed between, the stamp is already stale, never
			// newer than what it vouches for.
			s.covers.put(k, cachedCoverage{prev: prev.fp, cur: cur.fp, measured: measured, cov: r.Hours[i], stamped: true, prevStamp: prevStamp, curStamp: curStamp})
		}
		prev, prevStamp, prevOK = cur, curStamp, curOK
	}
	return r, nil
}

// hourStamper is a store that tells, for the price of a stat, whether an
// hour may have changed: DirStore. ok false means the stamp cannot be
// trusted yet.
type hourStamper interface {
	HourStamp(ctx context.Context, stream, variant, hour string) (stamp uint64, ok bool, err error)
}

// edges returns the start of the variant's first segment and the end of
// its last, from the first and last hours that hold one.
func (s *Selector) edges(ctx context.Context, stream, variant string, held []string) (Span, error) {
	var e Span
	for _, h := range held {
		l, err := s.listing(ctx, stream, variant, h)
		if err != nil {
			return Span{}, err
		}
		for _, seg := range l.Segments {
			if seg.Type != Temp {
				e.Start = seg.Start
				break
			}
		}
		if !e.Start.IsZero() {
			break
		}
	}
	for i := len(held) - 1; i >= 0; i-- {
		l, err := s.listing(ctx, stream, variant, held[i])
		if err != nil {
			return Span{}, err
		}
		for _, seg := range l.Segments {
			if seg.Type != Temp {
				e.End = later(e.End, seg.End())
			}
		}
		if !e.End.IsZero() {
			break
		}
	}
	return e, nil
}

// hourListing is a listing with what selection derives from it.
type hourListing struct {
	Listing
	best []Entry
	fp   uint64
}

func (s *Selector) listing(ctx context.Context, stream, variant, hour string) (hourListing, error) {
	l, err := s.store.List(ctx, stream, variant, hour)
	if err != nil {
		return hourListing{}, err
	}
	best, fp := s.winners(stream, variant, hour, l)
	// The names that do not parse count too (segment_count{type="bad"}).
	fp = fp*1099511628211 ^ uint64(len(l.Bad)) ^ uint64(len(l.Tombstones))<<32
	return hourListing{Listing: l, best: best, fp: fp}, nil
}

type coverageKey struct {
	stream, variant string
	hour            time.Time
}

type cachedCoverage struct {
	prev, cur uint64 // the listings' fingerprints
	measured  Span
	cov       HourCoverage
	// stamped: prevStamp and curStamp vouch for the listings (hourStamper).
	stamped             bool
	prevStamp, curStamp uint64
}

func (s *Selector) coverCached(k coverageKey, prev, cur hourListing, measured Span) (HourCoverage, bool) {
	if c, ok := s.covers.get(k); ok && c.prev == prev.fp && c.cur == cur.fp && c.measured == measured {
		return c.cov, false
	}
	cov := coverHour(k.hour, prev.Listing, cur.Listing, prev.best, cur.best, measured)
	s.covers.put(k, cachedCoverage{prev: prev.fp, cur: cur.fp, measured: measured, cov: cov})
	return cov, true
}
