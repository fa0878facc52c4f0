package stationfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

// writeStation writes a station folder: the station file and the given
// files (empty ones for non-WAV names, one second of tone for .wav).
func writeStation(t *testing.T, src string, files ...string) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		switch filepath.Ext(f) {
		case ".wav":
			require.NoError(t, stationfiletest.WriteWAV(p, time.Second, stationfiletest.Tone{Freqs: []float64{440}}))
		case ".mp3":
			require.NoError(t, os.WriteFile(p, mp3Fixture(t), 0o644))
		default:
			require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		}
	}
	path = filepath.Join(dir, "station.toml")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	return dir, path
}

// mp3Fixture is 2 s of MP3 made by ffmpeg, from schedule/audio's fixtures.
func mp3Fixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "audio", "testdata", "mp3-cbr-mono.mp3"))
	require.NoError(t, err)
	return b
}

func fields(fes []*Problem) []string {
	var out []string
	for _, fe := range fes {
		out = append(out, fe.Field+": "+fe.Msg)
	}
	return out
}

const importStationFile = `name = "Import Test"
zone = "Europe/Paris"
weeks = 2
outputs = { dummy = true }

[[music]]
name = "music"
dir = "music"

[[programs]]
slug = "morning"
title = 'The "Morning" Show'
sounds = "shows/morning"
  [[programs.schedules]]
  name = "daily"
  date = 2026-11-23
  time = 08:00:00
  duration = "1h"
  frequency = "every"
  [[programs.schedules]]
  name = "late"
  date = 2026-11-23
  time = 08:30:00
  duration = "30m"
  frequency = "every"

[[programs]]
slug = "live"
  [[programs.schedules]]
  date = 2026-11-24
  time = 20:00:00
  duration = "2h"
  frequency = "every"
`

func TestSync(t *testing.T) {
	dir, path := writeStation(t, importStationFile,
		"music/a.wav", "music/sub/b.mp3", "music/notes.txt", "music/.hidden.mp3", "music/bad\nname.mp3",
		"shows/morning/2026-11-23/1-intro.wav", "shows/morning/2026-11-23/2-talk.mp3",
		"shows/morning/2026-11-24/show.wav", "shows/morning/readme.txt")
	ctx := t.Context()
	db := filepath.Join(dir, "station.db")
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) // 07:00 in Paris
	c, _, err := Load(path, ForImport)
	require.NoError(t, err)
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: db})
	require.NoError(t, err)
	defer store.Close()

	rep, warns, err := c.Sync(ctx, store, now)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Programs)
	require.Equal(t, 1, rep.Music)
	require.Equal(t, 3, rep.Schedules)
	require.Equal(t, 2, rep.Episodes)
	require.Equal(t, 2+3, rep.Sounds)
	// Two weeks of three weekly schedules ("every" is aircox's: every week).
	require.Equal(t, 6, rep.Generate.Created)
	require.Equal(t, 1, rep.ConflictPairs)
	w := fields(warns)
	require.Len(t, w, 4, "%q", w)
	require.Contains(t, w[0], `music[0].dir: "`+filepath.Join(dir, "music", `bad\nname.mp3`)+`" skipped: its name holds a control character`)
	require.Contains(t, w[1], "programs[0].sounds: "+filepath.Join(dir, "shows/morning/readme.txt")+" ignored")
	require.Contains(t, w[2], "programs[0].schedules[0]: overlaps programs[0].schedules[1] (line 20) 2 times in the coming weeks, first 2026-11-23T08:00:00+01:00")
	require.Contains(t, w[3], "programs[0].sounds: 2 coming diffusions have no sound in "+filepath.Join(dir, "shows/morning")+", first 2026-11-30T08:00:00+01:00")
	require.Equal(t, 14, warns[2].Line)

	// What the store holds.
	st, err := store.Station(ctx, "import-test")
	require.NoError(t, err)
	require.Equal(t, "Europe/Paris", st.Zone)
	progs, err := store.Programs(ctx, st.ID)
	require.NoError(t, err)
	require.Len(t, progs, 3)
	lists, err := store.StreamPlaylists(ctx, st.ID)
	require.NoError(t, err)
	require.Len(t, lists, 1)
	require.Equal(t, "music", lists[0].Name)
	require.Equal(t, []string{filepath.Join(dir, "music/a.wav"), filepath.Join(dir, "music/sub/b.mp3")}, paths(lists[0].Sounds))
	require.Equal(t, time.Second, lists[0].Sounds[0].Duration)
	require.Equal(t, 2*time.Second, lists[0].Sounds[1].Duration)
	morning, err := store.Program(ctx, progs[1].ID)
	require.NoError(t, err)
	require.Equal(t, `The "Morning" Show`, morning.Title)
	ep, err := store.EpisodeBySlug(ctx, morning.ID, "2026-11-23")
	require.NoError(t, err)
	pl, err := store.Playlist(ctx, ep.ID)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, "shows/morning/2026-11-23/1-intro.wav"), filepath.Join(dir, "shows/morning/2026-11-23/2-talk.mp3")}, paths(pl))
	d, err := store.DiffusionOfEpisodeAt(ctx, ep.ID, time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC), d.Start)

	// Again: nothing new.
	rep2, _, err := c.Sync(ctx, store, now)
	require.NoError(t, err)
	require.Equal(t, 0, rep2.Generate.Created)
	require.Equal(t, rep.Generate.Created, rep2.Generate.Existing)
	sounds, err := store.Sounds(ctx, st.ID)
	require.NoError(t, err)
	require.Len(t, sounds, 5)

	// A file deleted, a schedule and a program dropped from the file.
	require.NoError(t, os.Remove(filepath.Join(dir, "music/sub/b.mp3")))
	edited := strings.Replace(importStationFile, "[[programs]]\nslug = \"live\"", "[[programs]]\nslug = \"gone\"\nactive = false", 1)
	edited = edited[:strings.Index(edited, "  [[programs.schedules]]\n  name = \"late\"")] + edited[strings.Index(edited, "\n[[programs]]\nslug = \"gone\""):]
	require.NoError(t, os.WriteFile(path, []byte(edited), 0o644))
	c, _, err = Load(path, ForImport)
	require.NoError(t, err)
	rep3, warns, err := c.Sync(ctx, store, now)
	require.NoError(t, err)
	require.Equal(t, 1, rep3.Removed)
	require.Equal(t, 1, rep3.Deactivated)
	require.Equal(t, 2, rep3.SchedulesRemoved) // "late", and the live program's
	require.Equal(t, 0, rep3.ConflictPairs)
	require.Contains(t, strings.Join(fields(warns), "\n"), `program "live" is no longer in the file: deactivated`)
	b, err := store.SoundByPath(ctx, filepath.Join(dir, "music/sub/b.mp3"))
	require.NoError(t, err)
	require.Equal(t, schedule.SoundRemoved, b.Type)
	ds, err := store.Diffusions(ctx, st.ID, now, now.AddDate(0, 0, 14))
	require.NoError(t, err)
	require.Len(t, ds, 2, "only the daily morning diffusions remain")

	// The file comes back: so does the sound, though it is not an MP3
	// and has no duration.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "music/sub/b.mp3"), []byte("x"), 0o644))
	_, warns, err = c.Sync(ctx, store, now)
	require.NoError(t, err)
	require.Contains(t, fields(warns), "music[0]: "+filepath.Join(dir, "music/sub/b.mp3")+": audio: unknown format")
	b, err = store.SoundByPath(ctx, filepath.Join(dir, "music/sub/b.mp3"))
	require.NoError(t, err)
	require.Equal(t, schedule.SoundArchive, b.Type)
}

func paths(ss []schedule.Sound) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Path
	}
	return out
}

// TestSyncTags: the songs of a rotation get their tracks from their
// tags, a bad ISRC is dropped with a warning, and tags = false turns it
// off.
func TestSyncTags(t *testing.T) {
	t.Parallel()
	tagged := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "audio", "testdata", name))
		require.NoError(t, err)
		return b
	}
	for _, tt := range []struct {
		name   string
		option string
		tracks int
	}{{"default", "", 2}, {"off", "tags = false\n", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "name = \"Tags\"\nzone = \"UTC\"\nweeks = 1\noutputs = { dummy = true }\n\n[[music]]\nname = \"music\"\ndir = \"music\"\n" + tt.option
			dir, path := writeStation(t, src)
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "music"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "music", "a.mp3"), tagged("tags-id3v23.mp3"), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "music", "b.opus"), tagged("tags-opus.opus"), 0o644))
			c, _, err := Load(path, ForImport)
			require.NoError(t, err)
			st, err := sqlitestore.New(t.Context(), sqlitestore.Config{Path: filepath.Join(dir, "station.db")})
			require.NoError(t, err)
			defer st.Close()
			rep, problems, err := c.Sync(t.Context(), st, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
			require.NoError(t, err)
			warns := strings.Join(fields(problems), "\n")
			require.Equal(t, tt.tracks, rep.TagTracks)
			if tt.tracks == 0 {
				require.NotContains(t, warns, "ISRC")
				return
			}
			require.Contains(t, warns, `b.opus: audio: ogg/opus tag Vorbis comment ISRC dropped: not an ISRC: audio: bad ISRC "NOTANISRC"`)
			sounds, err := st.Sounds(t.Context(), rep.Station.ID)
			require.NoError(t, err)
			require.Len(t, sounds, 2)
			tracks, err := st.TimedTracks(t.Context(), sounds[0].ID)
			require.NoError(t, err)
			require.Len(t, tracks, 1)
			require.Equal(t, schedule.Track{ID: tracks[0].ID, SoundID: sounds[0].ID, Timed: true, Title: "Chanson d'été", Artist: "Zoé",
				Album: "Fixtures", Label: "Label Été", ISRC: "FRZ039800212", Info: "tags"}, tracks[0])
		})
	}
}
