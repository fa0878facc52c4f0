package schedule

import (
	"sort"
	"time"
)

// SlotOverlap is two schedules whose diffusions share air time.
type SlotOverlap struct {
	// A and B index the schedules given to FirstSlotOverlap (A < B, or A == B
	// for a schedule overlapping itself, through a rerun).
	A, B int
	// At is the start of the later of the two occurrences.
	At time.Time
}

// FirstSlotOverlap returns the first instant in [from, to) at which
// occurrences of two of the schedules overlap, such as two live slots that
// would each need the harbor. ok is false when none do.
func FirstSlotOverlap(schedules []Schedule, from, to Date) (o SlotOverlap, ok bool, err error) {
	type occ struct {
		Occurrence
		i int
	}
	var all []occ
	for i, s := range schedules {
		os, err := s.Between(from, to)
		if err != nil {
			return SlotOverlap{}, false, err
		}
		for _, x := range os {
			all = append(all, occ{x, i})
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].Start.Before(all[b].Start) })
	// The occurrence running the longest so far decides.
	last := -1
	for k := range all {
		if last >= 0 && all[last].End.After(all[k].Start) {
			a, b := all[last].i, all[k].i
			if a > b {
				a, b = b, a
			}
			return SlotOverlap{A: a, B: b, At: all[k].Start}, true, nil
		}
		if last < 0 || all[k].End.After(all[last].End) {
			last = k
		}
	}
	return SlotOverlap{}, false, nil
}
