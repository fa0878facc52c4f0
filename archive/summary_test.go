package archive_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

// age makes an hour's folder look last changed long ago, as a closed hour
// of a real archive is.
func age(t *testing.T, root, hour string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(root, "s", "v", hour), old, old))
}

func TestHourSummaries(t *testing.T) {
	root := t.TempDir()
	d, err := archive.NewDirStore(archive.DirConfig{Root: root, NoSync: true})
	require.NoError(t, err)
	var tomb archive.Segment
	for i := range 20 {
		seg := cov{float64(2 * i), 2, archive.Full, i}.put(t, d, byte(i))
		if i == 3 {
			tomb = seg
		}
	}
	cov{40, 2, archive.Partial, 0}.put(t, d, 0)
	require.NoError(t, d.Tombstone(t.Context(), tomb))
	require.NoError(t, os.WriteFile(filepath.Join(root, "s", "v", "2026-11-23T14", "notes.txt"), []byte("x"), 0o644))
	hour := "2026-11-23T14"
	summary := filepath.Join(root, "s", "v", "."+hour+".summary")
	want, err := d.List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	_, err = os.Stat(summary)
	require.ErrorIs(t, err, os.ErrNotExist, "an hour that just changed is not summarised")

	age(t, root, hour)
	fresh := func() *archive.DirStore {
		s, err := archive.NewDirStore(archive.DirConfig{Root: root, NoSync: true})
		require.NoError(t, err)
		return s
	}
	l, err := fresh().List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	require.Equal(t, want, l)
	_, err = os.Stat(summary)
	require.NoError(t, err, "a quiet hour is summarised")

	// Read back by a new process, the summary gives the same listing.
	l, err = fresh().List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	require.Equal(t, want, l)
	hours, err := fresh().Hours(t.Context(), "s", "v")
	require.NoError(t, err)
	require.Equal(t, []string{hour}, hours, "the summary is no hour")

	// A change to the hour outdates the summary: the listing wins, and
	// the summary is rebuilt once the hour is quiet again.
	added := cov{50, 2, archive.Full, 0}.put(t, d, 9)
	l, err = fresh().List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	require.Len(t, l.Segments, len(want.Segments)+1)
	age(t, root, hour)
	fresh().List(t.Context(), "s", "v", hour)
	l, err = fresh().List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	require.Contains(t, l.Names(false), added.Name())

	// A torn or foreign summary is ignored and rebuilt.
	for _, junk := range [][]byte{nil, []byte("airkeep-hour-summary-1\nxx"), []byte("garbage that is long enough to look like something real, but is not at all")} {
		require.NoError(t, os.WriteFile(summary, junk, 0o644))
		l, err = fresh().List(t.Context(), "s", "v", hour)
		require.NoError(t, err)
		require.Contains(t, l.Names(false), added.Name())
		require.Len(t, l.Segments, len(want.Segments)+1)
	}
	b, err := os.ReadFile(summary)
	require.NoError(t, err)
	require.Greater(t, len(b), 100, "rebuilt")

	// Removing the hour removes its summary.
	require.NoError(t, d.RemoveHour(t.Context(), "s", "v", hour))
	_, err = os.Stat(summary)
	require.ErrorIs(t, err, os.ErrNotExist)
	l, err = fresh().List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	require.Empty(t, l.Segments)
	require.Equal(t, []archive.Segment{tomb}, l.Tombstones)
}

func TestHourSummariesOff(t *testing.T) {
	root := t.TempDir()
	d, err := archive.NewDirStore(archive.DirConfig{Root: root, NoSync: true, NoSummaries: true})
	require.NoError(t, err)
	cov{0, 2, archive.Full, 0}.put(t, d, 0)
	age(t, root, "2026-11-23T14")
	_, err = d.List(t.Context(), "s", "v", "2026-11-23T14")
	require.NoError(t, err)
	entries, err := os.ReadDir(filepath.Join(root, "s", "v"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

// A summary's temporary file that a crash left is swept by CleanTemp.
func TestHourSummaryTempCleaned(t *testing.T) {
	root := t.TempDir()
	d, err := archive.NewDirStore(archive.DirConfig{Root: root, NoSync: true})
	require.NoError(t, err)
	cov{0, 2, archive.Full, 0}.put(t, d, 0)
	stale := filepath.Join(root, "s", "v", ".airkeep-123.tmp")
	require.NoError(t, os.WriteFile(stale, []byte("half a summary"), 0o644))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	n, err := d.CleanTemp(t.Context(), time.Hour, time.Now())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = os.Stat(stale)
	require.ErrorIs(t, err, os.ErrNotExist)
}
