package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name string
		old  []byte // nil: no file before
		data []byte
		perm os.FileMode
	}{
		{name: "new file", data: []byte("hello\n"), perm: 0o644},
		{name: "replaces", old: []byte("an older, longer content\n"), data: []byte("new\n"), perm: 0o600},
		{name: "empty", old: []byte("x"), data: []byte{}, perm: 0o640},
		{name: "larger than the buffer", data: make([]byte, 200<<10), perm: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.m3u")
			if tt.old != nil {
				require.NoError(t, os.WriteFile(path, tt.old, 0o666))
			}
			require.NoError(t, WriteFile(path, tt.data, tt.perm))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, tt.data, got)
			fi, err := os.Stat(path)
			require.NoError(t, err)
			require.Equal(t, tt.perm, fi.Mode().Perm())
			requireOnly(t, dir, "f.m3u")
		})
	}
}

// TestWriteFailsCleanly: an error from the producer, or a target that
// cannot be replaced, leaves the old file as it was and no temporary.
func TestWriteFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "station.liq")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))

	boom := errors.New("boom")
	err := Write(path, 0o600, func(w io.Writer) error {
		_, _ = w.Write(make([]byte, 100<<10)) // past the buffer: bytes reach the temporary
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "old", string(got))
	requireOnly(t, dir, "station.liq")

	// A directory in the way: the rename fails.
	blocked := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(blocked, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(blocked, "x"), nil, 0o600))
	require.Error(t, WriteFile(blocked, []byte("new"), 0o600))
	requireOnly(t, dir, "station.liq", "sub")

	// No such directory.
	require.ErrorIs(t, WriteFile(filepath.Join(dir, "nope", "f"), nil, 0o600), os.ErrNotExist)
}

func requireOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	require.ElementsMatch(t, names, got)
}
