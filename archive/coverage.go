package archive

import "time"

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
