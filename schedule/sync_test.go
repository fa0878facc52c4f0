package schedule_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

// TestSyncStation syncs a definition, then an edited one: rows are
// upserted, what the definition dropped is retired, a sound whose file
// went is marked removed and comes back when its file does.
func TestSyncStation(t *testing.T) {
	for _, backend := range []struct {
		name string
		new  func(t *testing.T) schedule.Store
	}{{"memory", func(*testing.T) schedule.Store { return schedule.NewMemStore() }}, {"sqlite", func(t *testing.T) schedule.Store { return newSQLite(t) }}} {
		t.Run(backend.name, func(t *testing.T) {
			ctx := t.Context()
			store := backend.new(t)
			gone := map[string]bool{}
			stat := func(_ context.Context, uri string) error {
				if gone[uri] {
					return fs.ErrNotExist
				}
				return nil
			}
			now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			weekly := func(name string, hour int) schedule.Schedule {
				return schedule.Schedule{Name: name, Date: schedule.Date{Year: 2026, Month: 3, Day: 2}, Time: schedule.TimeOfDay{Hour: hour},
					Zone: "Europe/Paris", Duration: time.Hour, Frequency: schedule.Every}
			}
			def := schedule.SyncRequest{
				Station: schedule.Station{Slug: "rc", Name: "Radio Campus", Zone: "Europe/Paris"},
				Now:     now,
				Stat:    stat,
				Programs: []schedule.ProgramDef{
					{Program: schedule.Program{Slug: "music", Title: "music", Active: true, Stream: true},
						Sounds: []schedule.Sound{{Path: "/m/a.ogg", Type: schedule.SoundArchive}, {Path: "/m/b.ogg", Type: schedule.SoundArchive}}},
					{Program: schedule.Program{Slug: "jazz", Title: "Jazz", Active: true},
						Schedules: []schedule.Schedule{weekly("evening", 21), weekly("morning", 8)},
						Episodes: []schedule.EpisodeDef{{Episode: schedule.Episode{Slug: "2026-03-02", Title: "Jazz 2026-03-02"},
							Sounds: []schedule.Sound{{Path: "/j/1.ogg", Type: schedule.SoundArchive}, {Path: "/j/2.ogg", Type: schedule.SoundArchive}}}}},
					{Program: schedule.Program{Slug: "news", Title: "News", Active: true},
						Schedules: []schedule.Schedule{weekly("noon", 12)}},
				},
			}
			rep, err := schedule.SyncStation(ctx, store, def)
			require.NoError(t, err)
			require.Equal(t, "rc", rep.Station.Slug)
			require.Len(t, rep.Programs, 3)
			require.Equal(t, []int{0, 2, 1}, []int{len(rep.Schedules[0]), len(rep.Schedules[1]), len(rep.Schedules[2])})
			require.Equal(t, 1, rep.Episodes)
			require.Equal(t, 4, rep.Sounds)
			require.Zero(t, rep.Removed)
			require.Empty(t, rep.Deactivated)
			pl, err := store.Playlist(ctx, mustEpisode(t, store, rep.Programs[1].ID, "2026-03-02").ID)
			require.NoError(t, err)
			require.Equal(t, []string{"/j/1.ogg", "/j/2.ogg"}, paths(pl))
			gen, err := schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: rep.Station.ID, From: now, To: now.AddDate(0, 0, 14)})
			require.NoError(t, err)
			require.Equal(t, 6, gen.Created)

			// Idempotent.
			again, err := schedule.SyncStation(ctx, store, def)
			require.NoError(t, err)
			require.Equal(t, rep.Programs, again.Programs)
			require.Equal(t, rep.Schedules, again.Schedules)

			// The morning schedule and the news program are dropped; a music
			// file is gone.
			def.Programs[1].Schedules = def.Programs[1].Schedules[:1]
			def.Programs = def.Programs[:2]
			gone["/m/b.ogg"] = true
			def.Programs[0].Sounds = def.Programs[0].Sounds[:1]
			rep, err = schedule.SyncStation(ctx, store, def)
			require.NoError(t, err)
			require.Len(t, rep.Deactivated, 1)
			require.Equal(t, "news", rep.Deactivated[0].Slug)
			require.False(t, rep.Deactivated[0].Active)
			require.Equal(t, 2, rep.SchedulesRemoved, "morning, and news's noon")
			require.Equal(t, 1, rep.Removed)
			ds, err := store.Diffusions(ctx, rep.Station.ID, now, now.AddDate(0, 0, 14))
			require.NoError(t, err)
			require.Len(t, ds, 2, "only the evening's future diffusions are left")
			s, err := store.SoundByPath(ctx, "/m/b.ogg")
			require.NoError(t, err)
			require.Equal(t, schedule.SoundRemoved, s.Type)

			// The file is back: the sound is restored.
			delete(gone, "/m/b.ogg")
			def.Programs[0].Sounds = append(def.Programs[0].Sounds, schedule.Sound{Path: "/m/b.ogg", Type: schedule.SoundArchive})
			rep, err = schedule.SyncStation(ctx, store, def)
			require.NoError(t, err)
			require.Empty(t, rep.Deactivated, "an inactive program is not deactivated again")
			require.Zero(t, rep.SchedulesRemoved)
			s, err = store.SoundByPath(ctx, "/m/b.ogg")
			require.NoError(t, err)
			require.Equal(t, schedule.SoundArchive, s.Type)
			require.Equal(t, 1, s.Position)

			// A definition the store refuses is an error that names it.
			var fe *schedule.FieldError
			_, err = schedule.SyncStation(ctx, store, schedule.SyncRequest{Station: schedule.Station{Slug: "x", Zone: "Nowhere/Else"}})
			require.ErrorAs(t, err, &fe)
			require.Equal(t, "Zone", fe.Field)
		})
	}
}

func mustEpisode(t *testing.T, st schedule.Store, programID int64, slug string) schedule.Episode {
	t.Helper()
	e, err := st.EpisodeBySlug(t.Context(), programID, slug)
	require.NoError(t, err)
	return e
}

func paths(ss []schedule.Sound) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Path)
	}
	return out
}
