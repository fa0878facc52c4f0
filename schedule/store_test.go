package schedule_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/scheduletest"
)

func TestMemStore(t *testing.T) {
	scheduletest.Run(t, func(t *testing.T) schedule.Store { return schedule.NewMemStore() })
}

func TestSQLiteStore(t *testing.T) {
	scheduletest.Run(t, func(t *testing.T) schedule.Store { return newSQLite(t) })
}

func newSQLite(t testing.TB) *schedule.SQLiteStore {
	t.Helper()
	s, err := schedule.NewSQLiteStore(t.Context(), schedule.SQLiteConfig{Path: filepath.Join(t.TempDir(), "station.db")})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}
