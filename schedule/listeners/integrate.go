package listeners

import (
	"slices"
	"time"
)

// Audience is what samples say of a span of time.
type Audience struct {
	// ListenerTime is the time listened, summed over listeners: the
	// integral of the listener count. In hours, SoundExchange's aggregate
	// tuning hours.
	ListenerTime time.Duration
	// Covered is how much of the span the samples cover; the rest is
	// unknown (the sampler could not reach Icecast).
	Covered time.Duration
}

// Average is the mean listener count over the covered time; ok is false
// when nothing of the span is covered.
func (a Audience) Average() (avg float64, ok bool) {
	if a.Covered <= 0 {
		return 0, false
	}
	return a.ListenerTime.Seconds() / a.Covered.Seconds(), true
}

// TuningHours is ListenerTime in hours.
func (a Audience) TuningHours() float64 { return a.ListenerTime.Hours() }

// Measure integrates samples over [from, to). The counts of all mounts
// sampled at one instant are added (a station on an MP3 and an Ogg mount
// has the listeners of both), and each instant's total holds until the
// next instant, or for hold at most (two sampling intervals, say): past
// that, time is not covered. samples need not be sorted.
func Measure(samples []Sample, from, to time.Time, hold time.Duration) Audience {
	var a Audience
	if !to.After(from) || len(samples) == 0 {
		return a
	}
	s := slices.Clone(samples)
	slices.SortFunc(s, func(x, y Sample) int { return x.At.Compare(y.At) })
	type point struct {
		at    time.Time
		total int
	}
	var pts []point
	for _, x := range s {
		if n := len(pts); n > 0 && pts[n-1].at.Equal(x.At) {
			pts[n-1].total += x.Listeners
			continue
		}
		pts = append(pts, point{x.At, x.Listeners})
	}
	for i, p := range pts {
		end := p.at.Add(hold)
		if i+1 < len(pts) && pts[i+1].at.Before(end) {
			end = pts[i+1].at
		}
		lo, hi := maxTime(p.at, from), minTime(end, to)
		if !hi.After(lo) {
			continue
		}
		d := hi.Sub(lo)
		a.Covered += d
		a.ListenerTime += time.Duration(p.total) * d
	}
	return a
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
