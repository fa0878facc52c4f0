package schedule

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// SyncStore is what SyncStation calls: it writes a station's definition
// and retires what the definition no longer holds. Thirteen methods, over
// seven because one pass writes every kind of row of a definition
// (station, programs, schedules, episodes, sounds) and removes schedules
// the way RemoveSchedule does (ScheduleRemover).
type SyncStore interface {
	ScheduleRemover
	// PutStation upserts by Slug.
	PutStation(ctx context.Context, s Station) (Station, error)
	// PutProgram upserts by (StationID, Slug).
	PutProgram(ctx context.Context, p Program) (Program, error)
	// Programs returns the programs of a station, by slug.
	Programs(ctx context.Context, stationID int64) ([]Program, error)
	// PutSchedule upserts by (ProgramID, Name). It stores only schedules
	// that pass Validate.
	PutSchedule(ctx context.Context, s Schedule) (Schedule, error)
	// Schedules returns the schedules of a program, by name.
	Schedules(ctx context.Context, programID int64) ([]Schedule, error)
	// PutEpisode upserts by (ProgramID, Slug).
	PutEpisode(ctx context.Context, e Episode) (Episode, error)
	// PutSound upserts by Path. A sound marked SoundRemoved stays removed
	// until SetSoundRemoved(false), whatever type the upsert brings; that
	// type is the one it comes back to.
	PutSound(ctx context.Context, s Sound) (Sound, error)
	// SetSoundRemoved marks a sound removed (its file is gone) or brings
	// it back to the type it had.
	SetSoundRemoved(ctx context.Context, id int64, removed bool) (changed bool, err error)
	// Sounds returns every sound of the station's programs, by path.
	Sounds(ctx context.Context, stationID int64) ([]Sound, error)
}

// SyncRequest is a station's whole definition, as the program that embeds
// airkeep holds it (a file, a form, a configuration service), and what
// SyncStation needs to make the store hold it.
type SyncRequest struct {
	// Station is upserted by Slug.
	Station Station
	// Programs are upserted in order, by slug. A stored program of the
	// station that is not here is deactivated and its schedules removed.
	Programs []ProgramDef
	// Now is when the sync happens: a removed schedule loses its
	// diffusions from Now on (RemoveSchedule).
	Now time.Time
	// Stat checks that a sound's file still exists, as Config.Stat;
	// nil means os.Stat for paths and file:// URIs.
	Stat func(ctx context.Context, uri string) error
}

// ProgramDef is one program of a SyncRequest.
type ProgramDef struct {
	// Program: StationID is set by SyncStation.
	Program Program
	// Schedules are upserted by Name; the program's other schedules are
	// removed with their future diffusions.
	Schedules []Schedule
	// Sounds are the program's own sounds (a Stream program's music), in
	// play order: their Position is their index.
	Sounds []Sound
	// Episodes are upserted by slug, with their sounds.
	Episodes []EpisodeDef
}

// EpisodeDef is one episode of a ProgramDef and its sounds.
type EpisodeDef struct {
	// Episode: ProgramID is set by SyncStation.
	Episode Episode
	// Sounds are the episode's parts in play order: their Position is
	// their index.
	Sounds []Sound
}

// SyncReport says what SyncStation did.
type SyncReport struct {
	Station Station
	// Programs are the stored programs, in the order of the request, and
	// Schedules the stored schedules of each, in the order of its
	// ProgramDef.
	Programs  []Program
	Schedules [][]Schedule
	// Episodes and Sounds count the rows written.
	Episodes, Sounds int
	// Deactivated are the programs that the request no longer holds,
	// deactivated by this sync, by slug.
	Deactivated []Program
	// SchedulesRemoved counts the schedules removed: those no longer in
	// their program's definition, and those of deactivated programs.
	SchedulesRemoved int
	// Removed counts the sounds marked removed because their file is gone.
	Removed int
}

// SyncStation makes the store hold req's station definition, idempotently
// (every row is an upsert by its natural key), and retires what the
// definition no longer holds: a program is deactivated, a schedule removed
// with its future diffusions (those already acted on stay, as history), a
// sound whose file is gone is marked removed, and one that is back is
// restored. It does not generate diffusions: run Generate after it.
//
// The first error stops the sync; what was written before stays (each row
// is consistent on its own, and running the sync again completes it).
func SyncStation(ctx context.Context, st SyncStore, req SyncRequest) (SyncReport, error) {
	var rep SyncReport
	stat := req.Stat
	if stat == nil {
		stat = statFile
	}
	station, err := st.PutStation(ctx, req.Station)
	if err != nil {
		return rep, fmt.Errorf("sync: %w", err)
	}
	rep.Station = station
	defined := map[string]bool{}
	for _, pd := range req.Programs {
		defined[pd.Program.Slug] = true
		p := pd.Program
		p.StationID = station.ID
		prog, err := st.PutProgram(ctx, p)
		if err != nil {
			return rep, fmt.Errorf("sync: program %q: %w", p.Slug, err)
		}
		rep.Programs = append(rep.Programs, prog)
		scheds, err := syncSchedules(ctx, st, station.ID, prog, pd.Schedules, req.Now, &rep)
		rep.Schedules = append(rep.Schedules, scheds)
		if err != nil {
			return rep, fmt.Errorf("sync: program %q: %w", p.Slug, err)
		}
		if err := putSounds(ctx, st, prog.ID, 0, pd.Sounds, &rep); err != nil {
			return rep, fmt.Errorf("sync: program %q: %w", p.Slug, err)
		}
		for _, ed := range pd.Episodes {
			e := ed.Episode
			e.ProgramID = prog.ID
			ep, err := st.PutEpisode(ctx, e)
			if err != nil {
				return rep, fmt.Errorf("sync: program %q: episode %q: %w", p.Slug, e.Slug, err)
			}
			rep.Episodes++
			if err := putSounds(ctx, st, prog.ID, ep.ID, ed.Sounds, &rep); err != nil {
				return rep, fmt.Errorf("sync: program %q: episode %q: %w", p.Slug, e.Slug, err)
			}
		}
	}

	progs, err := st.Programs(ctx, station.ID)
	if err != nil {
		return rep, fmt.Errorf("sync: %w", err)
	}
	for _, pr := range progs {
		if defined[pr.Slug] || !pr.Active {
			continue
		}
		pr.Active = false
		if _, err := st.PutProgram(ctx, pr); err != nil {
			return rep, fmt.Errorf("sync: deactivate %q: %w", pr.Slug, err)
		}
		if _, err := syncSchedules(ctx, st, station.ID, pr, nil, req.Now, &rep); err != nil {
			return rep, fmt.Errorf("sync: deactivate %q: %w", pr.Slug, err)
		}
		rep.Deactivated = append(rep.Deactivated, pr)
	}

	sounds, err := st.Sounds(ctx, station.ID)
	if err != nil {
		return rep, fmt.Errorf("sync: %w", err)
	}
	for _, s := range sounds {
		if s.Type == SoundRemoved {
			continue
		}
		if err := stat(ctx, s.Path); errors.Is(err, fs.ErrNotExist) {
			if _, err := st.SetSoundRemoved(ctx, s.ID, true); err != nil {
				return rep, fmt.Errorf("sync: sound %s: %w", s.Path, err)
			}
			rep.Removed++
		}
	}
	return rep, nil
}

// syncSchedules upserts a program's schedules and removes its others.
func syncSchedules(ctx context.Context, st SyncStore, stationID int64, prog Program, want []Schedule, now time.Time, rep *SyncReport) ([]Schedule, error) {
	kept := map[string]bool{}
	var stored []Schedule
	for _, s := range want {
		s.ProgramID = prog.ID
		got, err := st.PutSchedule(ctx, s)
		if err != nil {
			return stored, fmt.Errorf("schedule %q: %w", s.Name, err)
		}
		kept[s.Name] = true
		stored = append(stored, got)
	}
	all, err := st.Schedules(ctx, prog.ID)
	if err != nil {
		return stored, err
	}
	for _, s := range all {
		if kept[s.Name] {
			continue
		}
		if _, err := RemoveSchedule(ctx, st, stationID, s.ID, now); err != nil {
			return stored, fmt.Errorf("remove schedule %q: %w", s.Name, err)
		}
		rep.SchedulesRemoved++
	}
	return stored, nil
}

// putSounds upserts sounds in play order, restoring any that were marked
// removed: the definition holds them, so their files are back.
func putSounds(ctx context.Context, st SyncStore, programID, episodeID int64, sounds []Sound, rep *SyncReport) error {
	for i, s := range sounds {
		s.ProgramID, s.EpisodeID, s.Position = programID, episodeID, i
		stored, err := st.PutSound(ctx, s)
		if err != nil {
			return fmt.Errorf("sound %s: %w", s.Path, err)
		}
		if stored.Type == SoundRemoved {
			// The upsert alone keeps a removed sound removed.
			if _, err := st.SetSoundRemoved(ctx, stored.ID, false); err != nil {
				return fmt.Errorf("sound %s: %w", s.Path, err)
			}
		}
		rep.Sounds++
	}
	return nil
}
