package schedule

import (
	"time"
)

// Fold tells how a local wall-clock time was turned into an instant.
type Fold int

const (
	// Exact: the wall time exists exactly once on that date.
	Exact Fold = iota
	// Gap: the wall time was skipped by a forward transition (spring
	// forward); the instant is moved forward by the gap, so 02:30 on the
	// spring-forward night in Paris airs at 03:30 CEST.
	Gap
	// Overlap: the wall time happened twice (fall back); the instant is the
	// standard-time occurrence, the second one, as aircox (pytz
	// is_dst=False) does.
	Overlap
)

func (f Fold) String() string {
	switch f {
	case Exact:
		return "exact"
	case Gap:
		return "gap"
	case Overlap:
		return "overlap"
	}
	return "fold?"
}

// LocalInstant returns the instant at which the wall clock of loc reads
// time t on date d, and how it was resolved.
//
// time.Date documents its choice for times in a gap or an overlap as "not
// guaranteed", so this resolves both explicitly. In a gap the instant is
// read with the offset in force before the transition (02:30 becomes 03:30
// after a one-hour spring-forward). In an overlap it is the occurrence that
// is not daylight-saving time; when both or neither are (a zone changing
// its standard offset), the later one. These are aircox's rules.
func LocalInstant(d Date, t TimeOfDay, loc *time.Location) (time.Time, Fold) {
	// wall is the local reading as if it were UTC; an instant u shows that
	// reading in loc iff u = wall - offset(u).
	wall := time.Date(d.Year, d.Month, d.Day, t.Hour, t.Minute, t.Second, 0, time.UTC)
	offsets := make([]int, 0, 3)
	for _, probe := range []time.Time{wall.Add(-24 * time.Hour), wall, wall.Add(24 * time.Hour)} {
		o := offsetAt(probe, loc)
		if !containsInt(offsets, o) {
			offsets = append(offsets, o)
		}
	}
	var valid []time.Time
	earliest := time.Time{}
	for _, o := range offsets {
		c := wall.Add(-time.Duration(o) * time.Second)
		if earliest.IsZero() || c.Before(earliest) {
			earliest = c
		}
		if offsetAt(c, loc) == o {
			valid = append(valid, c)
		}
	}
	switch len(valid) {
	case 1:
		return valid[0].In(loc), Exact
	case 0:
		before := offsetAt(earliest, loc)
		return wall.Add(-time.Duration(before) * time.Second).In(loc), Gap
	}
	best := valid[0]
	for _, c := range valid[1:] {
		bestDST, cDST := best.In(loc).IsDST(), c.In(loc).IsDST()
		switch {
		case bestDST && !cDST:
			best = c
		case bestDST == cDST && c.After(best):
			best = c
		}
	}
	return best.In(loc), Overlap
}

func offsetAt(t time.Time, loc *time.Location) int {
	_, o := t.In(loc).Zone()
	return o
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// LoadZone loads an IANA zone by name, with a typed error. The empty name
// is rejected rather than read as UTC, since a schedule without a zone is
// exactly the ambiguity this package exists to avoid.
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, &ParseError{Kind: "zone", Value: name, Err: errEmptyZone}
	}
	if name == "Local" {
		// time.LoadLocation("Local") is the machine's zone: not portable.
		return nil, &ParseError{Kind: "zone", Value: name, Err: errEmptyZone}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &ParseError{Kind: "zone", Value: name, Err: err}
	}
	return loc, nil
}
