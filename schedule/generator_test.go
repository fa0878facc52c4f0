package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
)

// TestGenerator: the coming days stay generated as the clock moves on.
func TestGenerator(t *testing.T) {
	ctx := t.Context()
	store := schedule.NewMemStore()
	st, err := store.PutStation(ctx, schedule.Station{Slug: "radio", Zone: "UTC"})
	require.NoError(t, err)
	p, err := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: "news", Active: true})
	require.NoError(t, err)
	// Every day at 08:00, from 2026-11-23 (a Monday): one schedule per weekday.
	for d := range 7 {
		_, err := store.PutSchedule(ctx, schedule.Schedule{ProgramID: p.ID, Name: string(rune('a' + d)), Date: schedule.Date{Year: 2026, Month: 11, Day: 23 + d},
			Time: schedule.TimeOfDay{Hour: 8}, Zone: "UTC", Duration: time.Hour, Frequency: schedule.Every})
		require.NoError(t, err)
	}
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	clock := airkeep.NewFakeClock(t0)
	g, err := schedule.NewGenerator(schedule.GeneratorConfig{Store: store, StationID: st.ID, Ahead: 48 * time.Hour, Every: 24 * time.Hour, Clock: clock})
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.Run(runCtx) }()
	count := func() int {
		ds, err := store.Diffusions(ctx, st.ID, t0, t0.AddDate(0, 1, 0))
		require.NoError(t, err)
		return len(ds)
	}
	clock.BlockUntil(1)
	require.Equal(t, 0, count(), "the first run is Every after the start")
	for day, want := range []int{2, 3, 4} {
		clock.Advance(24 * time.Hour)
		clock.BlockUntil(1) // the run is over: its timer is set again
		require.Equal(t, want, count(), "day %d", day+1)
	}
	cancel()
	require.NoError(t, <-done)
}

func TestGeneratorConfig(t *testing.T) {
	store := schedule.NewMemStore()
	for _, tt := range []struct {
		field string
		cfg   schedule.GeneratorConfig
	}{
		{"Store", schedule.GeneratorConfig{StationID: 1, Ahead: time.Hour}},
		{"StationID", schedule.GeneratorConfig{Store: store, Ahead: time.Hour}},
		{"Ahead", schedule.GeneratorConfig{Store: store, StationID: 1}},
		{"Every", schedule.GeneratorConfig{Store: store, StationID: 1, Ahead: time.Hour, Every: -1}},
	} {
		t.Run(tt.field, func(t *testing.T) {
			_, err := schedule.NewGenerator(tt.cfg)
			var fe *schedule.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.field, fe.Field)
		})
	}
}
