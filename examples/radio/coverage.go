package main

import (
	"time"

	"github.com/airkeep/airkeep/archive"
)

// interval is a span of time [Start, End).
type interval struct{ Start, End time.Time }

func (i interval) Duration() time.Duration { return i.End.Sub(i.Start) }

// coverage measures how much of [from, to) a timeline holds: the time
// covered by full segments, and the holes, merged, in order. A suspect or
// partial segment counts as a hole: its bytes may not hold its whole
// duration (wubloader's selection puts a hole after one, too).
//
// It belongs in package archive (a Timeline method); it lives here until
// it moves.
func coverage(tl archive.Timeline, from, to time.Time) (present time.Duration, holes []interval) {
	if !from.Before(to) {
		return 0, nil
	}
	covered := make([]interval, 0, len(tl.Items))
	for _, it := range tl.Items {
		if it.Hole || it.Type != archive.Full {
			continue
		}
		s, e := maxTime(it.Start, from), minTime(it.End, to)
		if !s.Before(e) {
			continue
		}
		if n := len(covered); n > 0 && !s.After(covered[n-1].End) {
			// Segments overlap or join: extend.
			covered[n-1].End = maxTime(covered[n-1].End, e)
			continue
		}
		covered = append(covered, interval{s, e})
	}
	at := from
	for _, c := range covered {
		present += c.Duration()
		if c.Start.After(at) {
			holes = append(holes, interval{at, c.Start})
		}
		at = maxTime(at, c.End)
	}
	if at.Before(to) {
		holes = append(holes, interval{at, to})
	}
	return present, holes
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
