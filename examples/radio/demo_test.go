package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/stationfile"

	"github.com/airkeep/airkeep/schedule/audio"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

// TestWAV: the demo's tones are WAV files of the length asked for, as
// the importer reads them.
func TestWAV(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []time.Duration{time.Second, 2500 * time.Millisecond, 20 * time.Second} {
		p := filepath.Join(dir, d.String()+".wav")
		require.NoError(t, writeToneWAV(p, d, tone{Freqs: []float64{440, 550}, Pulse: time.Second}))
		got, format, err := audio.DurationFile(p)
		require.NoError(t, err)
		require.Equal(t, audio.WAV, format)
		require.Equal(t, d, got)
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, int64(44+2*d.Seconds()*wavRate), fi.Size())
	}
}

func TestDemoLayout(t *testing.T) {
	shows := demoShows(2 * time.Minute)
	require.Len(t, shows, 3)
	for i, s := range shows {
		require.Equal(t, time.Duration(30*(i+1))*time.Second, s.At)
		require.Equal(t, 20*time.Second, s.duration())
		require.LessOrEqual(t, s.At+s.duration(), 110*time.Second)
	}
	require.Len(t, demoShows(time.Minute), 1)
	long := demoShows(10 * time.Minute)
	require.Len(t, long, 19)
	require.Equal(t, "news-2", long[3].Slug)

	// The station it writes loads, imports and yields the shows at their
	// times, with their parts in order.
	dir := t.TempDir()
	start := time.Date(2026, 11, 23, 23, 59, 30, 0, time.UTC) // the shows cross midnight
	ds, err := writeDemoStationOnAir(dir, start, shows, 3*time.Second, true, true)
	require.NoError(t, err)
	c, warns, err := stationfile.Load(ds.StationFile, stationfile.ForRun)
	require.NoError(t, err)
	require.Empty(t, warns)
	require.True(t, c.Streamer.AllowRoot)
	require.Equal(t, 10*time.Second, c.CancelTimeout)
	store, err := sqlitestore.New(t.Context(), sqlitestore.Config{Path: ds.DB})
	require.NoError(t, err)
	defer store.Close()
	rep, warns, err := c.Sync(t.Context(), store, start)
	require.NoError(t, err)
	require.Empty(t, warns)
	require.Equal(t, 3, rep.Generate.Created)
	diffs, err := store.Diffusions(t.Context(), rep.Station.ID, start, start.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, diffs, 3)
	for i, d := range diffs {
		require.Equal(t, start.Add(shows[i].At), d.Start)
		require.Equal(t, 20*time.Second, d.Duration())
		pl, err := store.Playlist(t.Context(), d.EpisodeID)
		require.NoError(t, err)
		require.Len(t, pl, len(shows[i].Parts))
		for j, s := range pl {
			require.Equal(t, shows[i].Parts[j], s.Duration)
		}
	}
	p, err := store.Program(t.Context(), diffs[1].ProgramID)
	require.NoError(t, err)
	require.Equal(t, `The "Tone" Hour`, p.Title)
}
