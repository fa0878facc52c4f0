package stationfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

// playlists records what WritePlaylists writes.
type playlists map[string][]string

func (p playlists) WritePlaylist(name string, uris []string) error {
	p[name] = uris
	return nil
}

func TestPlayoutConfig(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"music/b.wav", "music/a.wav"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755))
		require.NoError(t, stationfiletest.WriteWAV(filepath.Join(dir, f), time.Second, stationfiletest.Tone{Freqs: []float64{440}}))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "quiet"), 0o755))
	src := minimal + "[[music]]\nname = \"music\"\ndir = \"music\"\n[[music]]\nname = \"quiet\"\ndir = \"quiet\"\n[monitor]\ndelay = \"2s\"\ncancel_timeout = \"never\"\n"
	c, _, err := Parse("s.toml", dir, []byte(src), ForRun, env(nil))
	require.NoError(t, err)

	require.NoError(t, c.MakeDirs())
	fi, err := os.Stat(filepath.Join(dir, "liquidsoap", "playlists"))
	require.NoError(t, err)
	require.True(t, fi.IsDir())
	pc := c.ProcessConfig()
	require.Equal(t, filepath.Join(dir, "liquidsoap"), pc.Dir)
	require.Equal(t, "liquidsoap", pc.Binary)
	require.Equal(t, 7*time.Second, c.ControllerConfig().Margin)

	store := schedule.NewMemStore()
	rep, _, err := c.Sync(t.Context(), store, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	mc := c.MonitorConfig(store, nil, rep.Station.ID)
	require.Equal(t, 2*time.Second, mc.Delay)
	require.Negative(t, mc.CancelTimeout, "never")
	require.Equal(t, c.Streamer.DealerID(), mc.DealerSource)

	got := playlists{}
	require.NoError(t, c.WritePlaylists(t.Context(), store, rep.Station.ID, got))
	require.Equal(t, playlists{"music": {filepath.Join(dir, "music/a.wav"), filepath.Join(dir, "music/b.wav")}, "quiet": nil}, got)
}
