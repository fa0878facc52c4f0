package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeStation writes a station folder: the station file and the given
// files (one byte each).
func writeStation(t *testing.T, src string, files ...string) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	}
	path = filepath.Join(dir, "station.toml")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	return dir, path
}

// minimal is a valid station; tests append to it.
const minimal = `name = "Test"
zone = "UTC"
outputs = { dummy = true }
`

func TestImportCommand(t *testing.T) {
	_, path := writeStation(t, minimal)
	db := filepath.Join(t.TempDir(), "station.db")
	var stdout, stderr strings.Builder
	require.NoError(t, run(t.Context(), []string{"import", "-station", path, "-db", db}, &stdout, &stderr))
	require.Contains(t, stdout.String(), "station test: 0 programs, 0 music rotations")
	require.Empty(t, stderr.String())

	// A bad file: exit status 2, every error named by file and line.
	_, bad := writeStation(t, minimal+"colour = 1\n")
	stderr.Reset()
	err := run(t.Context(), []string{"import", "-station", bad, "-db", db}, &stdout, &stderr)
	require.Equal(t, 2, exitCode(err, &stderr))
	require.Equal(t, "radio: "+bad+":4: colour: unknown field\n", stderr.String())

	for _, args := range [][]string{{"import"}, {"import", "-station", path}, {"import", "-db", db, "x"}, {"nope"}, {}} {
		stderr.Reset()
		err := run(t.Context(), args, &stdout, &stderr)
		require.Equal(t, 2, exitCode(err, &stderr), "%q", args)
	}
	require.Equal(t, 0, exitCode(run(t.Context(), []string{"import", "-h"}, &stdout, &stderr), &stderr))
}
