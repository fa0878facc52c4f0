package archive_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

func TestNewDirStoreConfig(t *testing.T) {
	_, err := archive.NewDirStore(archive.DirConfig{})
	var ce *archive.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "Root", ce.Field)

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = archive.NewDirStore(archive.DirConfig{Root: file})
	require.Error(t, err)
}

// The layout on disk is exactly wubloader's, so its tools read it.
func TestDirStoreLayout(t *testing.T) {
	s := newDirStore(t)
	seg := archivetest.Write(t, s, archive.Segment{Stream: "desertbus", Variant: "source", Start: time.Date(2019, 11, 13, 2, 45, 51, 608000000, time.UTC), Duration: 2.0}, archive.Full, []byte("bytes"))
	require.NoError(t, s.Tombstone(t.Context(), seg))
	var files []string
	require.NoError(t, filepath.WalkDir(s.Root(), func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			rel, _ := filepath.Rel(s.Root(), p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	}))
	require.Equal(t, []string{
		"desertbus/source/2019-11-13T02/45:51.608000-2.0-full-" + seg.Hash.String() + ".tombstone",
		"desertbus/source/2019-11-13T02/45:51.608000-2.0-full-" + seg.Hash.String() + ".ts",
	}, files, "no temporary files are left behind")
	info, err := os.Stat(filepath.Join(s.Root(), filepath.FromSlash(seg.Path())))
	require.NoError(t, err)
	require.Equal(t, int64(5), info.Size())
}

// A failure while committing leaves no file under a final name and no
// temporary file either.
func TestDirStoreCommitFailureLeavesNothing(t *testing.T) {
	s := newDirStore(t)
	seg := archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}
	w, err := s.Create(t.Context(), seg)
	require.NoError(t, err)
	_, err = w.Write([]byte("half a segment"))
	require.NoError(t, err)
	hourDir := filepath.Join(s.Root(), "s", "v", "2026-11-23T14")
	// The hour folder vanishes (an operator's rm -r, a full disk's cleanup).
	require.NoError(t, os.RemoveAll(hourDir))
	_, err = w.Commit(t.Context(), archive.Full)
	require.Error(t, err)
	_, statErr := os.Stat(hourDir)
	require.True(t, os.IsNotExist(statErr))
	require.EqualValues(t, 1, s.Stats().WriteErrors.Load())
	require.Zero(t, s.Stats().Full.Load())
}

func TestDirStoreCreateFailureIsWrapped(t *testing.T) {
	s := newDirStore(t)
	// A file where the variant folder should be.
	require.NoError(t, os.MkdirAll(filepath.Join(s.Root(), "s"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(s.Root(), "s", "v"), []byte("in the way"), 0o644))
	_, err := s.Create(t.Context(), archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2})
	require.Error(t, err)
	require.Contains(t, err.Error(), "s/v/2026-11-23T14/")
	require.Equal(t, []byte("in the way"), must(os.ReadFile(filepath.Join(s.Root(), "s", "v"))), "nothing stored is touched")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Files added behind the store's back (wubloader's downloader writing into
// the same folder, a backfill by another process) show up at once.
func TestDirStoreListSeesForeignWriters(t *testing.T) {
	s := newDirStore(t)
	a := archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("a"))
	l, err := s.List(t.Context(), "s", "v", a.Hour())
	require.NoError(t, err)
	require.Len(t, l.Segments, 1)
	b := archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(2 * time.Second), Duration: 2, Type: archive.Full}
	require.NoError(t, os.WriteFile(filepath.Join(s.Root(), filepath.FromSlash(b.Path())), nil, 0o644))
	l, err = s.List(t.Context(), "s", "v", a.Hour())
	require.NoError(t, err)
	require.Len(t, l.Segments, 2)
	require.NoError(t, os.Remove(filepath.Join(s.Root(), filepath.FromSlash(b.Path()))))
	l, err = s.List(t.Context(), "s", "v", a.Hour())
	require.NoError(t, err)
	require.Len(t, l.Segments, 1)
}

func TestDirStoreReportsForeignFilesOnce(t *testing.T) {
	var logs bytes.Buffer
	s, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	dir := filepath.Join(s.Root(), "s", "v", "2026-11-23T14")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.ts"), []byte("x"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "subdir"), 0o755))
	for range 3 {
		l, err := s.List(t.Context(), "s", "v", "2026-11-23T14")
		require.NoError(t, err)
		require.Equal(t, []string{"junk.ts"}, l.Bad)
	}
	require.Equal(t, 1, strings.Count(logs.String(), "junk.ts"))
	require.Positive(t, s.Stats().BadNames.Load())
}

// Folders that are not valid names are skipped in listings, not errors.
func TestDirStoreSkipsForeignFolders(t *testing.T) {
	s := newDirStore(t)
	archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("a"))
	for _, d := range []string{".git", "s/.hidden", "s/v/not-an-hour", "s/v/2026-13-01T00"} {
		require.NoError(t, os.MkdirAll(filepath.Join(s.Root(), d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(s.Root(), "README"), nil, 0o644))
	streams, err := s.Streams(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"s"}, streams)
	variants, err := s.Variants(t.Context(), "s")
	require.NoError(t, err)
	require.Equal(t, []string{"v"}, variants)
	hours, err := s.Hours(t.Context(), "s", "v")
	require.NoError(t, err)
	require.Equal(t, []string{"2026-11-23T14"}, hours)
}

func TestDirStoreCleanTemp(t *testing.T) {
	s := newDirStore(t)
	seg := archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("keep"))
	dir := filepath.Join(s.Root(), "s", "v", seg.Hour())
	// The real clock: CleanTemp compares now with file mtimes, which the
	// files written here get from the real clock.
	now := time.Now()
	old := now.Add(-2 * time.Hour)
	plant := func(name string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		require.NoError(t, os.Chtimes(p, mtime, mtime))
		return p
	}
	oldOurs := plant(".airkeep-123.tmp", old)
	newOurs := plant(".airkeep-456.tmp", now)
	oldWub := plant("00:04.000000-2.0-temp-1b4e28ba-2fa1-11d2-883f-0016d3cca427.ts", old)
	oldOther := plant(".nfs0001", old)
	require.NoError(t, os.Chtimes(filepath.Join(s.Root(), filepath.FromSlash(seg.Path())), old, old))

	n, err := s.CleanTemp(t.Context(), time.Hour, now)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, p := range []string{oldOurs, oldWub} {
		_, err := os.Stat(p)
		require.True(t, os.IsNotExist(err), p)
	}
	for _, p := range []string{newOurs, oldOther, filepath.Join(s.Root(), filepath.FromSlash(seg.Path()))} {
		_, err := os.Stat(p)
		require.NoError(t, err, "kept %s", p)
	}
}

func TestDirStoreStats(t *testing.T) {
	s := newDirStore(t)
	seg := archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}
	archivetest.Write(t, s, seg, archive.Full, []byte("abc"))
	archivetest.Write(t, s, seg, archive.Full, []byte("abc"))
	archivetest.Write(t, s, seg, archive.Partial, []byte("ab"))
	w, err := s.Create(t.Context(), seg)
	require.NoError(t, err)
	require.NoError(t, w.Abort())
	got := s.Stats().Snapshot()
	require.Equal(t, archive.StatsSnapshot{Full: 1, Partial: 1, Bytes: 5, Duplicates: 1, Aborted: 1}, got)
}

// A segment being written has no name in its hour folder where the file
// system can do it (O_TMPFILE), so a crash leaves nothing to clean; where
// it cannot, a hidden name that listings ignore.
func TestDirStoreWriteInProgressIsInvisible(t *testing.T) {
	s := newDirStore(t)
	w, err := s.Create(t.Context(), archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2})
	require.NoError(t, err)
	_, err = w.Write([]byte("in progress"))
	require.NoError(t, err)
	entries, err := os.ReadDir(filepath.Join(s.Root(), "s", "v", "2026-11-23T14"))
	require.NoError(t, err)
	for _, e := range entries {
		require.True(t, strings.HasPrefix(e.Name(), "."), "visible name %s during a write", e.Name())
	}
	l, err := s.List(t.Context(), "s", "v", "2026-11-23T14")
	require.NoError(t, err)
	require.Empty(t, l.Segments)
	require.Empty(t, l.Bad)
	seg, err := w.Commit(t.Context(), archive.Full)
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(s.Root(), filepath.FromSlash(seg.Path())))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), info.Mode().Perm()&^0o022, "segments are readable by the web server that serves them")
	if runtime.GOOS == "linux" {
		require.Empty(t, entries, "no temporary name at all on Linux with O_TMPFILE")
	}
}
