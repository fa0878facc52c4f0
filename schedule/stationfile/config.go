package stationfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

// MakeDirs makes Liquidsoap's working folder and the folder of its music
// playlists (streamer.Playlist paths), which must exist before the
// playlists are written and Liquidsoap starts.
func (c *Station) MakeDirs() error {
	for _, d := range []string{c.LiquidsoapDir, filepath.Join(c.LiquidsoapDir, "playlists")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// ProcessConfig is streamer.NewProcess's configuration for the station.
// The caller sets OnEvent and Logger.
func (c *Station) ProcessConfig() streamer.ProcessConfig {
	return streamer.ProcessConfig{Station: c.Streamer, Binary: c.Binary, Dir: c.LiquidsoapDir}
}

// ControllerConfig is streamer.NewController's configuration for the
// station: its zone, and a margin of the monitor's Delay plus 5s (aircox's
// rule: a tick plus 5s). The caller sets Logger.
func (c *Station) ControllerConfig() streamer.ControllerConfig {
	return streamer.ControllerConfig{Station: c.Streamer, Location: c.Location, Margin: c.Delay + 5*time.Second}
}

// MonitorConfig is schedule.New's configuration for the station stored as
// stationID, played on player: the file's [monitor] settings, and the
// dealer's source name as the station's script calls it. The caller sets
// Logger.
func (c *Station) MonitorConfig(st schedule.MonitorStore, player schedule.Player, stationID int64) schedule.Config {
	return schedule.Config{Store: st, Player: player, StationID: stationID, Delay: c.Delay, CancelTimeout: c.CancelTimeout,
		SyncInterval: c.SyncInterval, DealerSource: c.Streamer.DealerID()}
}

// PlaylistStore is what WritePlaylists reads.
type PlaylistStore interface {
	// StreamPlaylists returns, for each active Stream program of the
	// station, its sounds in play order.
	StreamPlaylists(ctx context.Context, stationID int64) ([]schedule.StreamPlaylist, error)
}

// PlaylistWriter writes a music playlist's file: streamer's Controller.
type PlaylistWriter interface {
	WritePlaylist(name string, uris []string) error
}

var _ PlaylistWriter = (*streamer.Controller)(nil)

// WritePlaylists writes each music rotation's playlist from the store
// before Liquidsoap starts (it reads them at start-up), so that music
// plays from its first second; the monitor keeps them in sync afterwards.
// A rotation the store has no sound of gets an empty playlist.
func (c *Station) WritePlaylists(ctx context.Context, st PlaylistStore, stationID int64, w PlaylistWriter) error {
	lists, err := st.StreamPlaylists(ctx, stationID)
	if err != nil {
		return err
	}
	uris := map[string][]string{}
	for _, pl := range lists {
		for _, s := range pl.Sounds {
			uris[pl.Name] = append(uris[pl.Name], s.Path)
		}
	}
	for _, p := range c.Streamer.Playlists {
		if err := w.WritePlaylist(p.ID, uris[p.ID]); err != nil {
			return fmt.Errorf("music playlist %s: %w", p.ID, err)
		}
	}
	return nil
}
