package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/scheduletest"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

func TestStore(t *testing.T) {
	scheduletest.Run(t, func(t *testing.T) schedule.Store {
		s, err := sqlitestore.New(t.Context(), sqlitestore.Config{Path: filepath.Join(t.TempDir(), "station.db")})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	})
}
