package schedule_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/listeners"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

func TestListenerStore(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) interface {
		schedule.ListenerStore
		schedule.SyncStore
	}{
		"memory": func(t *testing.T) interface {
			schedule.ListenerStore
			schedule.SyncStore
		} {
			return schedule.NewMemStore()
		},
		"sqlite": func(t *testing.T) interface {
			schedule.ListenerStore
			schedule.SyncStore
		} {
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
			t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			require.NoError(t, st.RecordListeners(ctx, sta.ID, []listeners.Sample{
				{At: t0.Add(time.Minute), Mount: "/b", Listeners: 2}, {At: t0.Add(time.Minute), Mount: "/a", Listeners: 1},
				{At: t0, Mount: "/a", Listeners: 5},
			}))
			// The same instant and mount again: replaced.
			require.NoError(t, st.RecordListeners(ctx, sta.ID, []listeners.Sample{{At: t0, Mount: "/a", Listeners: 6}}))
			got, err := st.ListenerSamples(ctx, sta.ID, t0, t0.Add(time.Minute))
			require.NoError(t, err)
			require.Equal(t, []listeners.Sample{{At: t0, Mount: "/a", Listeners: 6}}, got)
			got, err = st.ListenerSamples(ctx, sta.ID, t0, t0.Add(time.Hour))
			require.NoError(t, err)
			require.Equal(t, []string{"/a", "/a", "/b"}, []string{got[0].Mount, got[1].Mount, got[2].Mount})
		})
	}
}
