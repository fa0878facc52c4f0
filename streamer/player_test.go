package streamer

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// player is the Player interface package schedule declares (it never
// imports streamer). Kept here, method for method, so that a change to
// Controller that breaks the contract fails this package's build too.
type player interface {
	Generation(ctx context.Context) (uint64, error)
	OnAir(ctx context.Context) (source, uri string, airTime time.Time, err error)
	DealerQueue(ctx context.Context) ([]string, error)
	DealerRemaining(ctx context.Context) (remaining time.Duration, playing bool, err error)
	Push(ctx context.Context, uris ...string) error
	SyncPlaylist(ctx context.Context, name string, uris []string) error
}

var _ player = (*Controller)(nil)

// TestWritePlaylistWithoutServer checks that a station can write its m3u
// files before Liquidsoap first starts, and that SyncPlaylist then fails only
// on the reload.
func TestWritePlaylistWithoutServer(t *testing.T) {
	st := testStation(t)
	ctl, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	defer ctl.Close()
	m3u := st.Playlists[0].Path
	require.NoError(t, ctl.WritePlaylist("music", []string{"music/c.wav", "#odd.wav"}))
	data, err := os.ReadFile(m3u)
	require.NoError(t, err)
	require.Equal(t, "#EXTM3U\nmusic/c.wav\n./#odd.wav\n", string(data))

	err = ctl.SyncPlaylist(context.Background(), "music", []string{"music/a.wav"})
	require.ErrorIs(t, err, ErrUnavailable)
	data, err = os.ReadFile(m3u)
	require.NoError(t, err)
	require.Equal(t, "#EXTM3U\nmusic/a.wav\n", string(data), "written, though the reload failed")

	var ae *ArgError
	require.ErrorAs(t, ctl.WritePlaylist("nope", nil), &ae)
	require.ErrorAs(t, ctl.WritePlaylist("music", []string{"a\rb"}), &ae)
}
