package schedule_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

// TestSealStore: both backends keep a chain the same way.
func TestSealStore(t *testing.T) {
	type store interface {
		schedule.SealStore
		schedule.SyncStore
	}
	for name, open := range map[string]func(t *testing.T) store{
		"memory": func(t *testing.T) store { return schedule.NewMemStore() },
		"sqlite": func(t *testing.T) store {
			st, err := sqlitestore.New(t.Context(), sqlitestore.Config{Path: filepath.Join(t.TempDir(), "s.db")})
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			return st
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			sta, err := st.PutStation(ctx, schedule.Station{Slug: "s", Name: "S", Zone: "UTC"})
			require.NoError(t, err)
			_, ok, err := st.LastSeal(ctx, sta.ID, 0)
			require.NoError(t, err)
			require.False(t, ok)
			t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			mk := func(kind schedule.SealKind, log int64, at time.Time) schedule.Seal {
				return schedule.Seal{Kind: kind, LogID: log, Body: []byte{byte(log)}, Link: [32]byte{byte(log)}, SealedAt: at}
			}
			require.NoError(t, st.AppendSeals(ctx, sta.ID, 0, []schedule.Seal{mk(schedule.SealLog, 1, t0), mk(schedule.SealLog, 2, t0)}))
			require.NoError(t, st.AppendSeals(ctx, sta.ID, 2, []schedule.Seal{mk(schedule.SealCite, 1, t0.Add(time.Hour))}))
			// A sealer that read an old head appends nothing.
			require.ErrorIs(t, st.AppendSeals(ctx, sta.ID, 2, []schedule.Seal{mk(schedule.SealLog, 3, t0)}), schedule.ErrSealConflict)

			all, err := st.Seals(ctx, sta.ID, 0, 0)
			require.NoError(t, err)
			require.Len(t, all, 3)
			for i, s := range all {
				require.Equal(t, int64(i+1), s.Seq)
				require.Equal(t, sta.ID, s.StationID)
			}
			require.Equal(t, schedule.Seal{StationID: sta.ID, Seq: 3, Kind: schedule.SealCite, LogID: 1, Body: []byte{1}, Link: [32]byte{1}, SealedAt: t0.Add(time.Hour)}, all[2])
			page, err := st.Seals(ctx, sta.ID, 1, 1)
			require.NoError(t, err)
			require.Equal(t, []int64{2}, []int64{page[0].Seq})
			last, ok, err := st.LastSeal(ctx, sta.ID, schedule.SealLog)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, int64(2), last.Seq)
			before, ok, err := st.SealBefore(ctx, sta.ID, t0.Add(time.Minute))
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, int64(2), before.Seq)
			_, ok, err = st.SealBefore(ctx, sta.ID, t0)
			require.NoError(t, err)
			require.False(t, ok)
		})
	}
}
