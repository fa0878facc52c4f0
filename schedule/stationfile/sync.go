package stationfile

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

// SyncReport says what Sync did.
type SyncReport struct {
	Station                       schedule.Station // as stored, with its ID
	Programs, Music, Schedules    int              // in the file
	Episodes, Sounds, Removed     int              // as schedule.SyncReport
	TagTracks                     int              // songs whose tracks come from their tags
	Deactivated, SchedulesRemoved int              // retired: no longer in the file
	From, To                      time.Time        // the diffusions generated
	Generate                      schedule.GenerateReport
	ConflictPairs                 int // pairs of schedules whose diffusions overlap
	ProgramsWithoutEpisodeFolders int // programs with coming diffusions that have no sound
}

// Store is what Sync calls: it syncs the station, gives the songs their
// tags' tracks, generates the coming weeks and checks them.
type Store interface {
	schedule.SyncStore
	schedule.GenerateStore
	schedule.SoundlessStore
	schedule.TagTrackStore
	Episode(ctx context.Context, id int64) (schedule.Episode, error)
}

// Sync loads the station into the store with schedule.SyncStation
// (idempotent: what the file no longer holds is retired) and generates
// the diffusions of the coming Weeks from now. It reads the sound
// folders: every audio file of a [[music]] folder, and for a program one
// folder per episode, named by its date (YYYY-MM-DD), whose files are the
// episode's parts in name order. It returns warnings about what works but
// probably is not what was meant: overlapping schedules, diffusions with
// no episode folder, files that cannot be played.
func (c *Station) Sync(ctx context.Context, st Store, now time.Time) (SyncReport, []*Problem, error) {
	p := &problems{file: c.File, keys: c.keys}
	var rep SyncReport
	req := schedule.SyncRequest{Station: schedule.Station{Slug: c.Slug, Name: c.Name, Zone: c.Zone}, Now: now}
	paths := map[string]string{} // sound path → field that holds it
	tagged := map[string]audio.Tags{}

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
		rep.Music++
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
			}
		}
		req.Programs = append(req.Programs, pd)
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
	scheduleField := map[int64]string{}
	for i, scheds := range synced.Schedules {
		if i < len(c.Music) {
			continue
		}
		pc := c.Programs[i-len(c.Music)]
		for j, s := range scheds {
			rep.Schedules++
			scheduleField[s.ID] = pc.Schedules[j].Field
		}
	}
	for _, pr := range synced.Deactivated {
		p.warnf("programs", "program %q is no longer in the file: deactivated, its future diffusions removed", pr.Slug)
	}

	// The coming weeks.
	rep.From, rep.To = now, now.AddDate(0, 0, 7*c.Weeks)
	rep.Generate, err = schedule.Generate(ctx, st, schedule.GenerateRequest{StationID: rep.Station.ID, From: rep.From, To: rep.To, Prune: true})
	if err != nil {
		return rep, nil, err
	}
	rep.ConflictPairs = c.warnConflicts(p, rep.Generate.Conflicts, scheduleField)
	if rep.ProgramsWithoutEpisodeFolders, err = c.warnSoundless(ctx, p, st, rep); err != nil {
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
func (c *Station) warnConflicts(p *problems, conflicts []schedule.Conflict, scheduleField map[int64]string) int {
	pairs := schedule.PairConflicts(conflicts)
	for _, cp := range pairs {
		cf := cp.First
		fa, fb := scheduleField[cp.A], scheduleField[cp.B]
		if fa == "" {
			fa = fmt.Sprintf("schedule %d", cp.A)
		}
		if fb == "" {
			fb = fmt.Sprintf("schedule %d", cp.B)
		}
		where := fb
		if l := c.keys.line(fb); l > 0 {
			where = fmt.Sprintf("%s (line %d)", fb, l)
		}
		times := "once"
		if cp.Count > 1 {
			times = fmt.Sprintf("%d times", cp.Count)
		}
		p.warnf(fa, "overlaps %s %s in the coming weeks, first %s–%s against %s–%s: the earlier one airs, the other waits for its end",
			where, times, cf.A.Start.In(c.Location).Format(time.RFC3339), cf.A.End.In(c.Location).Format("15:04:05"),
			cf.B.Start.In(c.Location).Format(time.RFC3339), cf.B.End.In(c.Location).Format("15:04:05"))
	}
	return len(pairs)
}

// warnSoundless reports, per active program with a sound folder, the
// coming diffusions whose episode has no sound: the monitor treats them
// as live shows and plays music over them. It returns how many programs
// it warned of.
func (c *Station) warnSoundless(ctx context.Context, p *problems, st Store, rep SyncReport) (int, error) {
	progs, err := st.Programs(ctx, rep.Station.ID)
	if err != nil {
		return 0, err
	}
	withSounds := map[int64]Program{}
	var ids []int64
	for _, pr := range progs {
		for _, pc := range c.Programs {
			if pc.Slug == pr.Slug && pc.Sounds != "" && pc.Active {
				withSounds[pr.ID] = pc
				ids = append(ids, pr.ID)
			}
		}
	}
	found, err := schedule.SoundlessDiffusions(ctx, st, rep.Station.ID, ids, rep.From, rep.To)
	if err != nil {
		return 0, err
	}
	byProgram := map[int64]schedule.Soundless{}
	for _, s := range found {
		byProgram[s.ProgramID] = s
	}
	n := 0
	for _, pr := range progs { // in the store's order, by slug
		s, ok := byProgram[pr.ID]
		if !ok {
			continue
		}
		pc := withSounds[pr.ID]
		ep, err := st.Episode(ctx, s.First.EpisodeID)
		if err != nil {
			return 0, err
		}
		n++
		p.warnf(pc.Field+".sounds", "%d coming diffusions have no sound in %s, first %s (folder %s): they will air as live shows, with music",
			s.Count, pc.Sounds, s.First.Start.In(c.Location).Format(time.RFC3339), ep.Slug)
	}
	return n, nil
}
