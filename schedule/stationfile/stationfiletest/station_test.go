package stationfiletest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/stationfile"
	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

// TestWrite: the station written loads, imports and yields the shows at
// their times, with their parts in order.
func TestWrite(t *testing.T) {
	shows := stationfiletest.Shows(2 * time.Minute)
	start := time.Date(2026, 11, 23, 23, 59, 30, 0, time.UTC) // the shows cross midnight
	for _, onAir := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "on-air safety"}[onAir], func(t *testing.T) {
			testWrite(t, start, shows, onAir)
		})
	}
}

func testWrite(t *testing.T, start time.Time, shows []stationfiletest.Show, onAir bool) {
	dir := t.TempDir()
	ds, err := stationfiletest.Write(dir, stationfiletest.Config{Start: start, Shows: shows, MusicLength: 3 * time.Second, AllowRoot: true, OnAir: onAir})
	require.NoError(t, err)
	c, warns, err := stationfile.Load(ds.File, stationfile.ForRun)
	require.NoError(t, err)
	require.Empty(t, warns)
	require.True(t, c.Streamer.AllowRoot)
	require.Equal(t, onAir, c.Streamer.Jingles != nil)
	require.Equal(t, onAir, c.Streamer.DeadAir != nil)
	require.Equal(t, 10*time.Second, c.CancelTimeout)
	store := schedule.NewMemStore()
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
