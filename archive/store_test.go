package archive_test

import (
	"os"
	"path/filepath"
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

func TestDirStoreConformance(t *testing.T) {
	archivetest.Run(t, archivetest.Harness{
		New: func(t *testing.T) archive.Store { return newDirStore(t) },
		PutRaw: func(t *testing.T, s archive.Store, rel string, data []byte) {
			p := filepath.Join(s.(*archive.DirStore).Root(), filepath.FromSlash(rel))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, data, 0o644))
		},
	})
}

func TestMemStoreConformance(t *testing.T) {
	archivetest.Run(t, archivetest.Harness{
		New: func(t *testing.T) archive.Store { return archive.NewMemStore() },
		PutRaw: func(t *testing.T, s archive.Store, rel string, data []byte) {
			require.NoError(t, s.(*archive.MemStore).PutRaw(rel, data))
		},
	})
}
