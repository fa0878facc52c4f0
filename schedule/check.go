package schedule

import (
	"context"
	"time"
)

// ConflictPair is the overlaps between the diffusions of two schedules:
// how many there are and the first one, so that a station's editor is
// told once per pair of schedules, not once per week.
type ConflictPair struct {
	A, B  int64    // the schedules' IDs, as in First
	First Conflict // the earliest overlap
	Count int
}

// PairConflicts groups conflicts (GenerateReport.Conflicts, in time
// order) by pair of schedules, in the order of each pair's first overlap.
func PairConflicts(cs []Conflict) []ConflictPair {
	type pair struct{ a, b int64 }
	index := map[pair]int{}
	var out []ConflictPair
	for _, c := range cs {
		k := pair{c.A.ScheduleID, c.B.ScheduleID}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, ConflictPair{A: k.a, B: k.b, First: c})
		}
		out[i].Count++
	}
	return out
}

// SoundlessStore is what SoundlessDiffusions reads.
type SoundlessStore interface {
	// Diffusions returns the diffusions of a station that overlap [from,
	// to), any type and status, by (Start, ID).
	Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]Diffusion, error)
	// Playlist returns the sounds of an episode, in play order.
	Playlist(ctx context.Context, episodeID int64) ([]Sound, error)
}

// Soundless is a program's coming diffusions whose episode has no sound.
type Soundless struct {
	ProgramID int64
	Count     int
	First     Diffusion
}

// SoundlessDiffusions finds, for each program of programs, the on-air
// diffusions starting in [from, to) whose episode has no sound yet: the
// monitor airs them as live shows, over music, which for a program that
// plays recorded episodes means a folder is missing. The result is in the
// order of each program's first such diffusion.
func SoundlessDiffusions(ctx context.Context, st SoundlessStore, stationID int64, programs []int64, from, to time.Time) ([]Soundless, error) {
	wanted := map[int64]bool{}
	for _, id := range programs {
		wanted[id] = true
	}
	ds, err := st.Diffusions(ctx, stationID, from, to)
	if err != nil {
		return nil, err
	}
	index := map[int64]int{}
	hasSound := map[int64]bool{}
	var out []Soundless
	for _, d := range ds {
		if !wanted[d.ProgramID] || d.Type != OnAir || d.Start.Before(from) {
			continue
		}
		has, seen := hasSound[d.EpisodeID]
		if !seen {
			pl, err := st.Playlist(ctx, d.EpisodeID)
			if err != nil {
				return nil, err
			}
			has = len(pl) > 0
			hasSound[d.EpisodeID] = has
		}
		if has {
			continue
		}
		i, ok := index[d.ProgramID]
		if !ok {
			i = len(out)
			index[d.ProgramID] = i
			out = append(out, Soundless{ProgramID: d.ProgramID, First: d})
		}
		out[i].Count++
	}
	return out, nil
}
