package archive_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

func newDirStore(t *testing.T) *archive.DirStore {
	t.Helper()
	s, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir()})
	require.NoError(t, err)
	return s
}

func TestMemStoreConformance(t *testing.T) {
	archivetest.Run(t, archivetest.Harness{
		New: func(t *testing.T) archive.Store { return archive.NewMemStore() },
		PutRaw: func(t *testing.T, s archive.Store, rel string, data []byte) {
			require.NoError(t, s.(*archive.MemStore).PutRaw(rel, data))
		},
	})
}
