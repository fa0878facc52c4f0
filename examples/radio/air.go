package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

// streamer's Controller drives the live slots (the contract is
// schedule.LivePlayer).
var _ schedule.LivePlayer = (*streamer.Controller)(nil)

// newAir builds the as-run logger of what Liquidsoap reports about its air
// (dead air, jingles, live shows), with the station file's webhook and
// live programs.
func (r *runner) newAir(ctx context.Context) (*schedule.Air, error) {
	c := r.cfg
	cfg := schedule.AirConfig{Store: r.store, StationID: r.station.ID, Station: c.Slug, Logger: r.log.With("component", "air")}
	if c.Webhook != "" {
		cfg.Webhook = &schedule.Webhook{URL: c.Webhook}
	}
	if len(c.Live) > 0 {
		progs, err := r.store.Programs(ctx, r.station.ID)
		if err != nil {
			return nil, err
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
			return nil, fmt.Errorf("no live program of the station file is in the database: run radio import again")
		}
		cfg.Live = &schedule.LiveConfig{Store: r.store, Player: r.ctl, Programs: creds, Grace: c.LiveGrace, Delay: c.Delay}
	}
	return schedule.NewAir(cfg)
}

// watchAir hands what Liquidsoap reports to the as-run log until ctx ends.
func (r *runner) watchAir(ctx context.Context) error {
	err := r.ctl.Watch(ctx, streamer.WatchConfig{}, func(e streamer.AirEvent) {
		ae, ok := airEvent(e)
		if !ok {
			return
		}
		if err := r.air.Report(ctx, ae); err != nil && ctx.Err() == nil {
			r.log.Warn("air event not logged", "event", ae.Kind, "err", err)
		}
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// airEvent converts a Liquidsoap event to what the as-run log takes.
func airEvent(e streamer.AirEvent) (schedule.AirEvent, bool) {
	out := schedule.AirEvent{Time: e.Time, Source: e.Source(), ID: fmt.Sprintf("%x:%d", e.Generation, e.Seq)}
	switch e.Kind {
	case streamer.AirBlankStart:
		out.Kind = schedule.DeadAirStart
	case streamer.AirBlankEnd:
		out.Kind = schedule.DeadAirEnd
	case streamer.AirJingle:
		out.Kind, out.Source, out.URI = schedule.JingleOnAir, "jingles", e.Fields["filename"]
	case streamer.AirEmergency:
		out.Kind, out.Source, out.URI = schedule.EmergencyOnAir, "emergency", e.Fields["filename"]
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

// writeAirSummary lists the dead air and the jingles logged since from.
func writeAirSummary(ctx context.Context, w io.Writer, r *runner, from time.Time) error {
	entries, err := schedule.AsRun(ctx, r.store, r.station.ID, from, time.Now().Add(time.Minute))
	if err != nil {
		return err
	}
	jingles := 0
	for _, e := range entries {
		switch e.Event {
		case schedule.LogDeadAir:
			end := "still silent"
			if !e.End.IsZero() {
				end = fmt.Sprintf("%s (%.1fs)", e.End.In(r.cfg.Location).Format(time.TimeOnly), e.Duration().Seconds())
			}
			fmt.Fprintf(w, "dead air on %s: %s to %s", e.Source, e.Start.In(r.cfg.Location).Format(time.TimeOnly), end)
			if e.Comment != "" {
				fmt.Fprintf(w, " (%s)", e.Comment)
			}
			fmt.Fprintln(w)
		case schedule.LogOnAir:
			if e.Source == "emergency" {
				fmt.Fprintf(w, "  covered by %s at %s\n", e.URI, e.Start.In(r.cfg.Location).Format(time.TimeOnly))
			}
		case schedule.LogJingle:
			jingles++
		}
	}
	if jingles > 0 {
		fmt.Fprintf(w, "%d jingles on air\n", jingles)
	}
	return nil
}
