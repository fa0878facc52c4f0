package playlist

import "time"

// date extrapolates program date-times from the first tagged segment:
// backward for the segments before it, forward with each duration for the
// untagged ones after it; a tagged segment whose date strays from the
// extrapolated one by more than tol is reported as a Skew. It reports the
// index of a segment dated out of range, or -1.
func date(pl *Media, tol time.Duration) int {
	first := -1
	for i := range pl.Segments {
		if pl.Segments[i].PDTTagged {
			first = i
			break
		}
	}
	if first < 0 {
		return -1
	}
	pl.HasPDT = true
	for i := first - 1; i >= 0; i-- {
		pl.Segments[i].PDT = pl.Segments[i+1].PDT.Add(-pl.Segments[i].Duration.Duration())
	}
	for i := first + 1; i < len(pl.Segments); i++ {
		s, prev := &pl.Segments[i], &pl.Segments[i-1]
		want := prev.End()
		if !s.PDTTagged {
			s.PDT = want
			continue
		}
		// A discontinuity may move the clock on purpose; anywhere else a
		// jump is skew (wubloader #539).
		if d := s.PDT.Sub(want); !s.Discontinuity && (d > tol || d < -tol) {
			pl.Skews = append(pl.Skews, Skew{MSN: s.MSN, Delta: d})
		}
	}
	for i := range pl.Segments {
		if y := pl.Segments[i].PDT.Year(); y < 1 || y > 9999 {
			return i
		}
	}
	return -1
}
