package schedule_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

// yearStation fills store with a year of a station: 50 programs, three
// one-hour weekly slots each with a rerun two days later, two archive
// sounds per episode, a music stream. It returns the station and the start
// of the year.
func yearStation(tb testing.TB, store schedule.Store) (schedule.Station, time.Time) {
	ctx := context.Background()
	st, err := store.PutStation(ctx, schedule.Station{Slug: "rc", Zone: "Europe/Paris"})
	require.NoError(tb, err)
	music, err := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: "music", Active: true, Stream: true})
	require.NoError(tb, err)
	for i := range 20 {
		_, err := store.PutSound(ctx, schedule.Sound{ProgramID: music.ID, Type: schedule.SoundArchive, Path: fmt.Sprintf("/music/%02d.mp3", i), Duration: 4 * time.Minute})
		require.NoError(tb, err)
	}
	first := schedule.Date{Year: 2026, Month: 1, Day: 5} // a Monday
	for i := range 50 {
		p, err := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: fmt.Sprintf("p%02d", i), Active: true})
		require.NoError(tb, err)
		for k := range 3 {
			slot := i*3 + k // 150 distinct hours of the week's 168
			_, err := store.PutSchedule(ctx, schedule.Schedule{ProgramID: p.ID, Name: fmt.Sprint(k),
				Date: first.AddDays(slot / 24), Time: schedule.TimeOfDay{Hour: slot % 24}, Zone: "Europe/Paris",
				Duration: time.Hour, Frequency: schedule.Every,
				Reruns: []schedule.Rerun{{Days: 2, Time: schedule.TimeOfDay{Hour: (slot + 7) % 24}}}})
			require.NoError(tb, err)
		}
	}
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	_, err = schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: st.ID, From: from, To: from.AddDate(1, 0, 0)})
	require.NoError(tb, err)
	ds, err := store.Diffusions(ctx, st.ID, from, from.AddDate(1, 0, 0))
	require.NoError(tb, err)
	done := map[int64]bool{}
	for _, d := range ds {
		if d.IsRerun() || done[d.EpisodeID] {
			continue
		}
		done[d.EpisodeID] = true
		for k := range 2 {
			_, err := store.PutSound(ctx, schedule.Sound{ProgramID: d.ProgramID, EpisodeID: d.EpisodeID, Type: schedule.SoundArchive,
				Path: fmt.Sprintf("/srv/%d/%d.ogg", d.EpisodeID, k), Position: k, Duration: 25 * time.Minute})
			require.NoError(tb, err)
		}
	}
	return st, from
}

// benchTick measures one monitor tick, mid-year, while a diffusion plays:
// the steady state of a station, one tick a second.
func benchTick(b *testing.B, store schedule.Store) {
	st, from := yearStation(b, store)
	ctx := context.Background()
	// Half a year on, in a slot's first minutes.
	t0 := from.AddDate(0, 6, 0).Add(5 * time.Minute)
	clock := airkeep.NewFakeClock(t0)
	player, err := schedule.NewSimPlayer(schedule.SimConfig{Clock: clock, Duration: func(string) time.Duration { return 25 * time.Minute }})
	require.NoError(b, err)
	m, err := schedule.New(schedule.Config{Store: store, Player: player, StationID: st.ID, Clock: clock,
		Stat: func(context.Context, string) error { return nil }})
	require.NoError(b, err)
	// Catch up first: the half year before t0 was never run, so its
	// diffusions are settled as missed, maxSettlePerTick at a time.
	for prev := int64(-1); m.Stats().Missed != prev; {
		prev = m.Stats().Missed
		require.NoError(b, m.Tick(ctx))
	}
	require.Equal(b, int64(1), m.Stats().Starts, "a diffusion is playing")
	require.Greater(b, m.Stats().Missed, int64(7000))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clock.Advance(10 * time.Millisecond) // stays inside the same diffusion for b.N < 100k
		if err := m.Tick(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ticks/s")
}

// BenchmarkTickMemBaseline is the baseline: the same tick on a MemStore.
func BenchmarkTickMemBaseline(b *testing.B) { benchTick(b, schedule.NewMemStore()) }

// BenchmarkTickSQLite is the tick on a SQLite file holding a year of
// diffusions for 50 programs: it must stay far below the 1 s tick.
func BenchmarkTickSQLite(b *testing.B) {
	s, err := sqlitestore.New(context.Background(), sqlitestore.Config{Path: b.TempDir() + "/station.db"})
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	benchTick(b, s)
}
