package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/audio"
	"github.com/airkeep/airkeep/streamer"
)

// audioExts are the files taken as sounds; Liquidsoap's Debian build
// decodes all of them through ffmpeg.
var audioExts = map[string]bool{
	".mp3": true, ".ogg": true, ".oga": true, ".opus": true, ".flac": true,
	".wav": true, ".m4a": true, ".aac": true, ".mp2": true,
}

// importReport says what an import did.
type importReport struct {
	Station                        schedule.Station
	Programs, Music, Schedules     int
	Episodes, Sounds, Removed      int
	Deactivated, SchedulesRemoved  int
	From, To                       time.Time
	Loc                            *time.Location
	Generate                       schedule.GenerateReport
	ConflictPairs                  int
	ProgramsWithoutEpisodeFolders  int
	soundsByProgram                map[string]int
	scheduleField, scheduleProgram map[int64]string
}

// importStation loads a checked station file into the store, idempotently
// (every row is an upsert by its natural key), and generates the
// diffusions of the coming weeks from now. What the file no longer holds
// is retired: a program is deactivated, a schedule removed with its future
// diffusions (those already acted on stay, as history), a sound whose file
// is gone is marked removed. It returns warnings about what works but
// probably is not what was meant: overlapping schedules, diffusions with
// no episode folder, files that cannot be played.
func importStation(ctx context.Context, c *stationConfig, st schedule.Store, now time.Time) (importReport, []*fileError, error) {
	p := &problems{file: c.File, keys: c.keys}
	rep := importReport{soundsByProgram: map[string]int{}, scheduleField: map[int64]string{}, scheduleProgram: map[int64]string{}}
	station, err := st.PutStation(ctx, schedule.Station{Slug: c.Slug, Name: c.Name, Zone: c.Zone})
	if err != nil {
		return rep, nil, err
	}
	rep.Station = station
	inFile := map[string]bool{}
	paths := map[string]string{} // sound path → field that holds it

	for _, m := range c.Music {
		inFile[m.Name] = true
		prog, err := st.PutProgram(ctx, schedule.Program{StationID: station.ID, Slug: m.Name, Title: m.Name, Active: true, Stream: true})
		if err != nil {
			return rep, nil, fmt.Errorf("%s: %w", m.Field, err)
		}
		rep.Music++
		files, err := audioFiles(p, m.Field+".dir", m.Dir, true)
		if err != nil {
			return rep, nil, err
		}
		if len(files) == 0 {
			p.warnf(m.Field+".dir", "no audio file in %s: this rotation stays silent", m.Dir)
		}
		for i, f := range files {
			if err := putSound(ctx, p, st, paths, m.Field, schedule.Sound{ProgramID: prog.ID, Path: f, Position: i}); err != nil {
				return rep, nil, err
			}
			rep.Sounds++
			rep.soundsByProgram[m.Name]++
		}
	}

	for _, pc := range c.Programs {
		inFile[pc.Slug] = true
		prog, err := st.PutProgram(ctx, schedule.Program{StationID: station.ID, Slug: pc.Slug, Title: pc.Title, Active: pc.Active})
		if err != nil {
			return rep, nil, fmt.Errorf("%s: %w", pc.Field, err)
		}
		rep.Programs++
		kept := map[string]bool{}
		for _, sc := range pc.Schedules {
			s := sc.Schedule
			s.ProgramID = prog.ID
			stored, err := st.PutSchedule(ctx, s)
			if err != nil {
				return rep, nil, fmt.Errorf("%s: %w", sc.Field, err)
			}
			kept[s.Name] = true
			rep.Schedules++
			rep.scheduleField[stored.ID] = sc.Field
			rep.scheduleProgram[stored.ID] = pc.Slug
		}
		scheds, err := st.Schedules(ctx, prog.ID)
		if err != nil {
			return rep, nil, err
		}
		for _, s := range scheds {
			if kept[s.Name] {
				continue
			}
			if _, err := schedule.RemoveSchedule(ctx, st, station.ID, s.ID, now); err != nil {
				return rep, nil, fmt.Errorf("%s: remove schedule %q: %w", pc.Field, s.Name, err)
			}
			rep.SchedulesRemoved++
		}
		if pc.Sounds == "" {
			continue
		}
		entries, err := os.ReadDir(pc.Sounds)
		if err != nil {
			return rep, nil, fmt.Errorf("%s.sounds: %w", pc.Field, err)
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			date, err := schedule.ParseDate(name)
			if !e.IsDir() || err != nil {
				p.warnf(pc.Field+".sounds", "%s ignored: episode folders are named by their date, YYYY-MM-DD", filepath.Join(pc.Sounds, name))
				continue
			}
			files, err := audioFiles(p, pc.Field+".sounds", filepath.Join(pc.Sounds, name), false)
			if err != nil {
				return rep, nil, err
			}
			if len(files) == 0 {
				continue
			}
			// The generator names episodes the same way, so a diffusion
			// on that date finds these sounds.
			ep, err := st.PutEpisode(ctx, schedule.Episode{ProgramID: prog.ID, Slug: date.String(), Title: pc.Title + " " + date.String()})
			if err != nil {
				return rep, nil, err
			}
			rep.Episodes++
			for i, f := range files {
				if err := putSound(ctx, p, st, paths, pc.Field, schedule.Sound{ProgramID: prog.ID, EpisodeID: ep.ID, Path: f, Position: i}); err != nil {
					return rep, nil, err
				}
				rep.Sounds++
				rep.soundsByProgram[pc.Slug]++
			}
		}
	}

	// Retire what the file no longer holds.
	progs, err := st.Programs(ctx, station.ID)
	if err != nil {
		return rep, nil, err
	}
	for _, pr := range progs {
		if inFile[pr.Slug] || !pr.Active {
			continue
		}
		pr.Active = false
		if _, err := st.PutProgram(ctx, pr); err != nil {
			return rep, nil, err
		}
		scheds, err := st.Schedules(ctx, pr.ID)
		if err != nil {
			return rep, nil, err
		}
		for _, s := range scheds {
			if _, err := schedule.RemoveSchedule(ctx, st, station.ID, s.ID, now); err != nil {
				return rep, nil, err
			}
			rep.SchedulesRemoved++
		}
		rep.Deactivated++
		p.warnf("programs", "program %q is no longer in the file: deactivated, its future diffusions removed", pr.Slug)
	}
	sounds, err := st.Sounds(ctx, station.ID)
	if err != nil {
		return rep, nil, err
	}
	for _, s := range sounds {
		if s.Type == schedule.SoundRemoved {
			continue
		}
		if _, err := os.Stat(s.Path); errors.Is(err, fs.ErrNotExist) {
			if _, err := st.SetSoundRemoved(ctx, s.ID, true); err != nil {
				return rep, nil, err
			}
			rep.Removed++
		}
	}

	// The coming weeks.
	rep.From, rep.To, rep.Loc = now, now.AddDate(0, 0, 7*c.Weeks), c.Loc
	rep.Generate, err = schedule.Generate(ctx, st, schedule.GenerateRequest{StationID: station.ID, From: rep.From, To: rep.To, Prune: true})
	if err != nil {
		return rep, nil, err
	}
	rep.ConflictPairs = warnConflicts(p, c, rep)
	if err := warnEmptyEpisodes(ctx, p, c, st, station, &rep); err != nil {
		return rep, nil, err
	}
	return rep, p.warns, nil
}

// putSound stores one sound file, with its duration when it can be read.
func putSound(ctx context.Context, p *problems, st schedule.Store, paths map[string]string, field string, s schedule.Sound) error {
	if other, dup := paths[s.Path]; dup {
		p.warnf(field, "%s is also a sound of %s: a file belongs to one program; the last one read keeps it", s.Path, other)
	}
	paths[s.Path] = field
	base := filepath.Base(s.Path)
	s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	s.Type = schedule.SoundArchive
	if d, _, err := audio.DurationFile(s.Path); err == nil {
		s.Duration = d
	} else {
		p.warnf(field, "%v", err) // the error names the file
	}
	stored, err := st.PutSound(ctx, s)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	if stored.Type == schedule.SoundRemoved {
		// The file is back: the upsert alone keeps a removed sound removed.
		if _, err := st.SetSoundRemoved(ctx, stored.ID, false); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
	}
	return nil
}

// audioFiles lists the audio files of dir, sorted by path (the play order
// of an episode's parts), recursively or not. A file whose name Liquidsoap's
// command line cannot carry is skipped with a warning.
func audioFiles(p *problems, field, dir string, recursive bool) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != dir && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		if !audioExts[strings.ToLower(filepath.Ext(path))] {
			return nil
		}
		if err := streamer.CheckArg(path); err != nil || strings.IndexFunc(path, unicode.IsControl) >= 0 {
			p.warnf(field, "%q skipped: its name holds a control character, which Liquidsoap's command line cannot carry", path)
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	slices.Sort(files)
	return files, nil
}

// warnConflicts reports overlapping diffusions, once per pair of
// schedules, with where each schedule is written. The monitor plays the
// earlier one and holds the other until its end (aircox's rule).
func warnConflicts(p *problems, c *stationConfig, rep importReport) int {
	type pair struct{ a, b int64 }
	count := map[pair]int{}
	first := map[pair]schedule.Conflict{}
	var order []pair
	for _, cf := range rep.Generate.Conflicts {
		k := pair{cf.A.ScheduleID, cf.B.ScheduleID}
		if count[k] == 0 {
			order = append(order, k)
			first[k] = cf
		}
		count[k]++
	}
	for _, k := range order {
		cf := first[k]
		fa, fb := rep.scheduleField[k.a], rep.scheduleField[k.b]
		if fa == "" {
			fa = fmt.Sprintf("schedule %d", k.a)
		}
		if fb == "" {
			fb = fmt.Sprintf("schedule %d", k.b)
		}
		where := fb
		if l := c.keys.line(fb); l > 0 {
			where = fmt.Sprintf("%s (line %d)", fb, l)
		}
		times := "once"
		if n := count[k]; n > 1 {
			times = fmt.Sprintf("%d times", n)
		}
		p.warnf(fa, "overlaps %s %s in the coming weeks, first %s–%s against %s–%s: the earlier one airs, the other waits for its end",
			where, times, cf.A.Start.In(c.Loc).Format(time.RFC3339), cf.A.End.In(c.Loc).Format("15:04:05"),
			cf.B.Start.In(c.Loc).Format(time.RFC3339), cf.B.End.In(c.Loc).Format("15:04:05"))
	}
	return len(order)
}

// warnEmptyEpisodes reports, per program with a sound folder, the coming
// diffusions whose episode has no sound: the monitor treats them as live
// shows and plays music over them.
func warnEmptyEpisodes(ctx context.Context, p *problems, c *stationConfig, st schedule.Store, station schedule.Station, rep *importReport) error {
	withSounds := map[int64]programConfig{}
	progs, err := st.Programs(ctx, station.ID)
	if err != nil {
		return err
	}
	for _, pr := range progs {
		for _, pc := range c.Programs {
			if pc.Slug == pr.Slug && pc.Sounds != "" && pc.Active {
				withSounds[pr.ID] = pc
			}
		}
	}
	ds, err := st.Diffusions(ctx, station.ID, rep.From, rep.To)
	if err != nil {
		return err
	}
	type gap struct {
		n     int
		first schedule.Diffusion
	}
	gaps := map[int64]*gap{}
	playlists := map[int64]bool{}
	for _, d := range ds {
		if _, ok := withSounds[d.ProgramID]; !ok || d.Type != schedule.OnAir || d.Start.Before(rep.From) {
			continue
		}
		has, seen := playlists[d.EpisodeID]
		if !seen {
			pl, err := st.Playlist(ctx, d.EpisodeID)
			if err != nil {
				return err
			}
			has = len(pl) > 0
			playlists[d.EpisodeID] = has
		}
		if has {
			continue
		}
		g := gaps[d.ProgramID]
		if g == nil {
			g = &gap{first: d}
			gaps[d.ProgramID] = g
		}
		g.n++
	}
	for _, pr := range progs {
		g := gaps[pr.ID]
		if g == nil {
			continue
		}
		pc := withSounds[pr.ID]
		ep, err := st.Episode(ctx, g.first.EpisodeID)
		if err != nil {
			return err
		}
		rep.ProgramsWithoutEpisodeFolders++
		p.warnf(pc.Field+".sounds", "%d coming diffusions have no sound in %s, first %s (folder %s): they will air as live shows, with music",
			g.n, pc.Sounds, g.first.Start.In(c.Loc).Format(time.RFC3339), ep.Slug)
	}
	return nil
}
