package main

import (
	"context"
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
	TagTracks                      int // songs whose tracks come from their tags
	Deactivated, SchedulesRemoved  int
	From, To                       time.Time
	Loc                            *time.Location
	Generate                       schedule.GenerateReport
	ConflictPairs                  int
	ProgramsWithoutEpisodeFolders  int
	soundsByProgram                map[string]int
	scheduleField, scheduleProgram map[int64]string
}

// importStation loads a checked station file into the store with
// schedule.SyncStation (idempotent; what the file no longer holds is
// retired) and generates the diffusions of the coming weeks from now. It
// returns warnings about what works but probably is not what was meant:
// overlapping schedules, diffusions with no episode folder, files that
// cannot be played.
func importStation(ctx context.Context, c *stationConfig, st schedule.Store, now time.Time) (importReport, []*fileError, error) {
	p := &problems{file: c.File, keys: c.keys}
	rep := importReport{soundsByProgram: map[string]int{}, scheduleField: map[int64]string{}, scheduleProgram: map[int64]string{}}
	req := schedule.SyncRequest{Station: schedule.Station{Slug: c.Slug, Name: c.Name, Zone: c.Zone}, Now: now}
	paths := map[string]string{} // sound path → field that holds it
	tagged := map[string]audio.Tags{}
	var fields []string // the field of each program of req

	for _, m := range c.Music {
		files, err := audioFiles(p, m.Field+".dir", m.Dir, true)
		if err != nil {
			return rep, nil, err
		}
		if len(files) == 0 {
			p.warnf(m.Field+".dir", "no audio file in %s: this rotation stays silent", m.Dir)
		}
		req.Programs = append(req.Programs, schedule.ProgramDef{
			Program: schedule.Program{Slug: m.Name, Title: m.Name, Active: true, Stream: true},
			Sounds:  sounds(p, paths, m.Field, files)})
		if m.Tags {
			readTags(p, m.Field, files, tagged)
		}
		fields = append(fields, m.Field)
		rep.Music++
		rep.soundsByProgram[m.Name] += len(files)
	}

	for _, pc := range c.Programs {
		pd := schedule.ProgramDef{Program: schedule.Program{Slug: pc.Slug, Title: pc.Title, Active: pc.Active}}
		for _, sc := range pc.Schedules {
			pd.Schedules = append(pd.Schedules, sc.Schedule)
		}
		if pc.Sounds != "" {
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
				pd.Episodes = append(pd.Episodes, schedule.EpisodeDef{
					Episode: schedule.Episode{Slug: date.String(), Title: pc.Title + " " + date.String()},
					Sounds:  sounds(p, paths, pc.Field, files)})
				rep.soundsByProgram[pc.Slug] += len(files)
			}
		}
		req.Programs = append(req.Programs, pd)
		fields = append(fields, pc.Field)
		rep.Programs++
	}

	synced, err := schedule.SyncStation(ctx, st, req)
	if err != nil {
		return rep, nil, err
	}
	if rep.TagTracks, err = schedule.SyncTagTracks(ctx, st, synced.Station.ID, tagged); err != nil {
		return rep, nil, err
	}
	rep.Station = synced.Station
	rep.Episodes, rep.Sounds, rep.Removed = synced.Episodes, synced.Sounds, synced.Removed
	rep.Deactivated, rep.SchedulesRemoved = len(synced.Deactivated), synced.SchedulesRemoved
	for i, scheds := range synced.Schedules {
		if i < len(c.Music) {
			continue
		}
		pc := c.Programs[i-len(c.Music)]
		for j, s := range scheds {
			rep.Schedules++
			rep.scheduleField[s.ID] = pc.Schedules[j].Field
			rep.scheduleProgram[s.ID] = pc.Slug
		}
	}
	for _, pr := range synced.Deactivated {
		p.warnf("programs", "program %q is no longer in the file: deactivated, its future diffusions removed", pr.Slug)
	}

	// The coming weeks.
	rep.From, rep.To, rep.Loc = now, now.AddDate(0, 0, 7*c.Weeks), c.Loc
	rep.Generate, err = schedule.Generate(ctx, st, schedule.GenerateRequest{StationID: rep.Station.ID, From: rep.From, To: rep.To, Prune: true})
	if err != nil {
		return rep, nil, err
	}
	rep.ConflictPairs = warnConflicts(p, c, rep)
	if err := warnEmptyEpisodes(ctx, p, c, st, rep.Station, &rep); err != nil {
		return rep, nil, err
	}
	return rep, p.warns, nil
}

// readTags reads the tags of a rotation's songs into tagged, and warns of
// the tags dropped (a bad ISRC, a broken frame).
func readTags(p *problems, field string, files []string, tagged map[string]audio.Tags) {
	for _, f := range files {
		t, _, err := audio.TagsFile(f)
		if err != nil {
			continue // the duration's warning already names the file
		}
		for _, d := range t.Dropped {
			p.warnf(field, "%s: %v", f, d)
		}
		tagged[f] = t
	}
}

// sounds makes the sounds of files, in play order, with their durations
// when they can be read.
func sounds(p *problems, paths map[string]string, field string, files []string) []schedule.Sound {
	out := make([]schedule.Sound, 0, len(files))
	for _, f := range files {
		if other, dup := paths[f]; dup {
			p.warnf(field, "%s is also a sound of %s: a file belongs to one program; the last one read keeps it", f, other)
		}
		paths[f] = field
		base := filepath.Base(f)
		s := schedule.Sound{Path: f, Name: strings.TrimSuffix(base, filepath.Ext(base)), Type: schedule.SoundArchive}
		if d, _, err := audio.DurationFile(f); err == nil {
			s.Duration = d
		} else {
			p.warnf(field, "%v", err) // the error names the file
		}
		out = append(out, s)
	}
	return out
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
