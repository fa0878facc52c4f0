package main

import (
	"context"
	"errors"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/stationfile"
	"github.com/airkeep/airkeep/streamer"
)

// newAir builds the as-run logger of what Liquidsoap reports about its air
// (dead air, jingles, live shows), with the station file's webhook and
// live programs.
func (r *runner) newAir(ctx context.Context) (*schedule.Air, error) {
	cfg, err := r.cfg.AirConfig(ctx, r.store, r.station.ID, r.ctl)
	if errors.Is(err, stationfile.ErrNotSynced) {
		return nil, errors.New("no live program of the station file is in the database: run radio import again")
	}
	if err != nil {
		return nil, err
	}
	cfg.Logger = r.log.With("component", "air")
	return schedule.NewAir(cfg)
}

// watchAir hands what Liquidsoap reports to the as-run log until ctx ends.
func (r *runner) watchAir(ctx context.Context) error {
	err := r.ctl.Watch(ctx, streamer.WatchConfig{}, func(e streamer.AirEvent) {
		ae, ok := stationfile.AirEvent(e)
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
