package schedule_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

func TestFindConflicts(t *testing.T) {
	d := func(id int64, start, end string, typ schedule.DiffusionType) schedule.Diffusion {
		return schedule.Diffusion{ID: id, Start: at(start), End: at(end), Type: typ}
	}
	tests := []struct {
		name string
		ds   []schedule.Diffusion
		want [][2]int64
	}{
		{"disjoint", []schedule.Diffusion{d(1, "20:00:00", "21:00:00", 0), d(2, "21:30:00", "22:00:00", 0)}, nil},
		{"touching ends do not conflict", []schedule.Diffusion{d(1, "20:00:00", "21:00:00", 0), d(2, "21:00:00", "22:00:00", 0)}, nil},
		{"equal starts conflict (aircox misses them)", []schedule.Diffusion{d(2, "20:00:00", "21:00:00", 0), d(1, "20:00:00", "20:30:00", 0)}, [][2]int64{{1, 2}}},
		{"overlap", []schedule.Diffusion{d(1, "20:00:00", "21:00:00", 0), d(2, "20:59:00", "22:00:00", 0)}, [][2]int64{{1, 2}}},
		{"nested in a long one", []schedule.Diffusion{d(1, "20:00:00", "23:00:00", 0), d(2, "20:30:00", "20:40:00", 0), d(3, "21:00:00", "21:10:00", 0)},
			[][2]int64{{1, 2}, {1, 3}}},
		{"cancelled ones do not conflict", []schedule.Diffusion{d(1, "20:00:00", "21:00:00", schedule.Cancelled), d(2, "20:30:00", "21:00:00", 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][2]int64
			for _, c := range schedule.FindConflicts(tt.ds) {
				got = append(got, [2]int64{c.A.ID, c.B.ID})
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestGenerate(t *testing.T) {
	ctx := t.Context()
	store := schedule.NewMemStore()
	st, err := store.PutStation(ctx, schedule.Station{Slug: "rc", Zone: "Europe/Paris"})
	require.NoError(t, err)
	put := func(slug string, active, stream bool) schedule.Program {
		p, err := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: slug, Title: slug, Active: active, Stream: stream})
		require.NoError(t, err)
		_, err = store.PutSchedule(ctx, schedule.Schedule{ProgramID: p.ID, Name: "main", Date: schedule.Date{Year: 2026, Month: 2, Day: 27},
			Time: schedule.TimeOfDay{Hour: 21}, Zone: "Europe/Paris", Duration: time.Hour, Frequency: schedule.Every,
			Reruns: []schedule.Rerun{{Days: 3, Time: schedule.TimeOfDay{Hour: 10}}}})
		require.NoError(t, err)
		return p
	}
	jazz := put("jazz", true, false)
	put("old", false, false)
	put("music", true, true)
	from, to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

	_, err = schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: st.ID, From: to, To: from})
	var fe *schedule.FieldError
	require.ErrorAs(t, err, &fe)

	rep, err := schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: st.ID, From: from, To: to})
	require.NoError(t, err)
	// Fridays 6 and 13, the rerun of 6 on Monday 9, and the rerun on Monday
	// 2 of Friday 27 February (its initial, before From, is made for it).
	require.Equal(t, 5, rep.Created)
	ds, err := store.Diffusions(ctx, st.ID, from.AddDate(0, 0, -7), to)
	require.NoError(t, err)
	var got []string
	for _, d := range ds {
		require.Equal(t, jazz.ID, d.ProgramID, "inactive and stream programs get no diffusions")
		got = append(got, d.Start.Format(time.RFC3339))
		if d.IsRerun() {
			initial, err := store.Diffusion(ctx, d.InitialID)
			require.NoError(t, err)
			require.Equal(t, initial.EpisodeID, d.EpisodeID, "a rerun shares its initial's episode")
		}
	}
	require.Equal(t, []string{"2026-02-27T20:00:00Z", "2026-03-02T09:00:00Z", "2026-03-06T20:00:00Z", "2026-03-09T09:00:00Z",
		"2026-03-13T20:00:00Z"}, got)
	ep, err := store.EpisodeBySlug(ctx, jazz.ID, "2026-03-06")
	require.NoError(t, err)
	require.Equal(t, "jazz 2026-03-06", ep.Title)

	// A person renames an episode; regeneration keeps it.
	ep.Title = "Spécial Coltrane"
	_, err = store.PutEpisode(ctx, ep)
	require.NoError(t, err)

	// The show moves to 21:30 and its rerun to 11:00. Prune deletes the old
	// pending reruns, cancels the initial a log refers to, keeps the one
	// the monitor started.
	_, ok, err := store.BeginStart(ctx, ds[2].ID, schedule.Log{Date: ds[2].Start, Source: "dealer"})
	require.NoError(t, err)
	require.True(t, ok)
	_, _, err = store.AppendLog(ctx, schedule.Log{StationID: st.ID, Type: schedule.LogOther, Date: from, DiffusionID: ds[4].ID, Comment: "note"})
	require.NoError(t, err)
	scheds, err := store.Schedules(ctx, jazz.ID)
	require.NoError(t, err)
	moved := scheds[0]
	moved.Time = schedule.TimeOfDay{Hour: 21, Minute: 30}
	moved.Reruns[0].Time = schedule.TimeOfDay{Hour: 11}
	_, err = store.PutSchedule(ctx, moved)
	require.NoError(t, err)
	rep, err = schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: st.ID, From: from, To: to, Prune: true})
	require.NoError(t, err)
	require.Equal(t, 5, rep.Created)
	require.Equal(t, 2, rep.Deleted, "the old reruns of 27 February and 6 March")
	require.Equal(t, 1, rep.Cancelled, "13 March: a log refers to it")
	require.Equal(t, 1, rep.Kept, "6 March: started")
	require.Len(t, rep.Conflicts, 1, "the started 21:00 show overlaps its 21:30 replacement")
	require.Equal(t, ds[2].ID, rep.Conflicts[0].A.ID)
	cancelled, err := store.Diffusion(ctx, ds[4].ID)
	require.NoError(t, err)
	require.Equal(t, schedule.StatusCancelled, cancelled.Status)
	ep, err = store.EpisodeBySlug(ctx, jazz.ID, "2026-03-06")
	require.NoError(t, err)
	require.Equal(t, "Spécial Coltrane", ep.Title)

	// The show is dropped from 9 March on.
	rep, err = schedule.RemoveSchedule(ctx, store, st.ID, moved.ID, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, 2, rep.Deleted, "the new rerun of 6 March and the new 13 March")
	require.Equal(t, 1, rep.Kept, "13 March at 21:00 was already cancelled")
	scheds, err = store.Schedules(ctx, jazz.ID)
	require.NoError(t, err)
	require.Empty(t, scheds)
	left, err := store.Diffusions(ctx, st.ID, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), to)
	require.NoError(t, err)
	for _, d := range left {
		require.Equal(t, schedule.StatusCancelled, d.Status, "nothing of it will air")
	}
}

// TestSQLiteStoreReopen: what is stored survives closing the file, and a
// database from a newer version is refused rather than misread.
func TestSQLiteStoreReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "station.db")
	s, err := sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	require.NoError(t, err)
	st, _, err := station(ctx, s)
	require.NoError(t, err)
	before, err := s.Diffusions(ctx, st.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	require.NoError(t, err)
	after, err := s.Diffusions(ctx, st.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, before, after)
	_, err = s.DB().ExecContext(ctx, "PRAGMA user_version = 99")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	require.ErrorContains(t, err, "newer")

	var fe *schedule.FieldError
	_, err = sqlitestore.New(context.Background(), sqlitestore.Config{})
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Path", fe.Field)
}

// TestSQLiteStoreTwoProcesses: two stores on one file (two monitors by
// mistake, or a monitor and an importer) race to start the same
// diffusions; each starts once.
func TestSQLiteStoreTwoProcesses(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "station.db")
	a, err := sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	require.NoError(t, err)
	defer a.Close()
	st, _, err := station(ctx, a)
	require.NoError(t, err)
	b, err := sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	require.NoError(t, err)
	defer b.Close()
	ds, err := b.Diffusions(ctx, st.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, ds, 8)
	wins := make(chan int64, 2*len(ds))
	done := make(chan struct{})
	for _, s := range []schedule.Store{a, b} {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, d := range ds {
				_, ok, err := s.BeginStart(ctx, d.ID, schedule.Log{Date: d.Start, Source: "dealer"})
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					wins <- d.ID
				}
			}
		}()
	}
	<-done
	<-done
	close(wins)
	seen := map[int64]int{}
	for id := range wins {
		seen[id]++
	}
	require.Len(t, seen, len(ds))
	for id, n := range seen {
		require.Equal(t, 1, n, "diffusion %d", id)
	}
}
