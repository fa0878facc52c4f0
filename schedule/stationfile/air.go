package stationfile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

// streamer's Controller drives the live slots (the contract is
// schedule.LivePlayer; neither package imports the other).
var _ schedule.LivePlayer = (*streamer.Controller)(nil)

// ErrNotSynced means the store lacks what the station file defines: Sync
// it again.
var ErrNotSynced = errors.New("stationfile: the station file is not synced into the store")

// AirStore is what the as-run logger of the station's air reads and
// writes (schedule.AirStore and, for live slots, schedule.LiveStore),
// and where it finds the live programs.
type AirStore interface {
	schedule.AirStore
	schedule.LiveStore
	Programs(ctx context.Context, stationID int64) ([]schedule.Program, error)
}

// AirConfig is the configuration of schedule.NewAir for the station
// stored as stationID: the file's dead-air webhook, and its live programs
// driven on player. It is ErrNotSynced when none of the live programs is
// in the store. The caller sets Logger and Clock.
func (c *Station) AirConfig(ctx context.Context, st AirStore, stationID int64, player schedule.LivePlayer) (schedule.AirConfig, error) {
	cfg := schedule.AirConfig{Store: st, StationID: stationID, Station: c.Slug}
	if c.Webhook != "" {
		cfg.Webhook = &schedule.Webhook{URL: c.Webhook}
	}
	if len(c.Live) == 0 {
		return cfg, nil
	}
	progs, err := st.Programs(ctx, stationID)
	if err != nil {
		return cfg, err
	}
	creds := map[int64]schedule.LiveCredentials{}
	for _, lp := range c.Live {
		for _, p := range progs {
			if p.Slug == lp.Slug {
				creds[p.ID] = lp.Credentials
			}
		}
	}
	if len(creds) == 0 {
		return cfg, fmt.Errorf("live programs: %w", ErrNotSynced)
	}
	cfg.Live = &schedule.LiveConfig{Store: st, Player: player, Programs: creds, Grace: c.LiveGrace, Delay: c.Delay}
	return cfg, nil
}

// AirEvent converts what Liquidsoap reports of its air
// (streamer.Controller.Watch) to what schedule.Air logs; ok is false for
// an event the log does not take.
func AirEvent(e streamer.AirEvent) (ae schedule.AirEvent, ok bool) {
	out := schedule.AirEvent{Time: e.Time, Source: e.Source(), ID: fmt.Sprintf("%x:%d", e.Generation, e.Seq)}
	switch e.Kind {
	case streamer.AirBlankStart:
		out.Kind = schedule.DeadAirStart
	case streamer.AirBlankEnd:
		out.Kind = schedule.DeadAirEnd
	case streamer.AirJingle:
		out.Kind, out.Source, out.URI = schedule.JingleOnAir, "jingles", e.Fields["filename"]
	case streamer.AirEmergency:
		out.Kind, out.Source, out.URI = schedule.EmergencyOnAir, schedule.EmergencySource, e.Fields["filename"]
	case streamer.AirLiveConnect:
		out.Kind = schedule.LiveConnected
	case streamer.AirLiveDisconnect:
		out.Kind = schedule.LiveDisconnected
	case streamer.AirLiveMetadata:
		out.Kind, out.Title, out.Artist = schedule.LiveMetadata, e.Fields["title"], e.Fields["artist"]
		if out.Title == "" && out.Artist == "" {
			// An Icecast-style update sends "song": "Artist - Title".
			song := e.Fields["song"]
			if a, t, ok := strings.Cut(song, " - "); ok {
				out.Artist, out.Title = a, t
			} else {
				out.Title = song
			}
		}
	case streamer.AirRestart:
		out.Kind, out.ID = schedule.PlayerRestarted, ""
	default:
		return schedule.AirEvent{}, false
	}
	return out, true
}
