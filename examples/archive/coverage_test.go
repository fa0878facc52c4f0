package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

func TestCoverageTable(t *testing.T) {
	dir := t.TempDir()
	s, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	require.NoError(t, err)
	write := func(st archive.Store, at float64, typ archive.Type, fill string) {
		archivetest.Write(t, st, archive.Segment{Stream: "radio", Variant: "source", Start: t0.Add(time.Duration(at * float64(time.Second))), Duration: 2}, typ, []byte(fill))
	}
	for _, at := range []float64{0, 2, 10, 12, 3600, 3602} {
		write(s, at, archive.Full, "local")
	}
	write(s, 4, archive.Partial, "p")
	write(s, 12, archive.Full, "copy")
	// One peer holds the first hole, the other nothing of it.
	peer := archive.NewMemStore()
	write(peer, 6, archive.Full, "peer")
	full := httptest.NewServer(archive.NewHandler(peer, archive.HandlerConfig{}))
	defer full.Close()
	empty := httptest.NewServer(archive.NewHandler(archive.NewMemStore(), archive.HandlerConfig{}))
	defer empty.Close()

	out, _, err := runCLI(t, "coverage", "-dir", dir, "-stream", "radio", "-variant", "source", "-nodes", full.URL+","+empty.URL)
	require.NoError(t, err)
	require.Equal(t, strings.Join([]string{
		"HOUR           COVERED  HOLES  PARTIAL  OVERLAPS",
		"2026-11-23T14  10.000   2      2.000    1",
		"2026-11-23T15  4.000    0      0.000    0",
		"TOTAL          14.000   2      2.000    1",
		"HOLE 2026-11-23T14:00:06.000000Z 2026-11-23T14:00:10.000000Z 4.000 " + full.URL,
		"HOLE 2026-11-23T14:00:14.000000Z 2026-11-23T15:00:00.000000Z 3586.000 none",
		"",
	}, "\n"), out)

	out, _, err = runCLI(t, "coverage", "-dir", dir, "-stream", "radio", "-variant", "source", "-start", "2026-11-23T15:00:00Z", "-end", "2026-11-23T16:00:00Z")
	require.NoError(t, err)
	require.Equal(t, "HOUR           COVERED  HOLES  PARTIAL  OVERLAPS\n2026-11-23T15  4.000    0      0.000    0\nTOTAL          4.000    0      0.000    0\n", out)

	for _, args := range [][]string{
		{"coverage", "-dir", dir, "-variant", "source"},
		{"coverage", "-dir", dir, "-stream", "radio", "-variant", "source", "-start", "x"},
		{"coverage", "-dir", dir, "-stream", "radio", "-variant", "source", "-nodes", "ftp://x"},
	} {
		_, _, err := runCLI(t, args...)
		var ue usageError
		require.ErrorAs(t, err, &ue, "%q", args)
	}
}

func TestPrune(t *testing.T) {
	old := clock
	clock = airkeep.NewFakeClock(t0.Add(30*time.Hour + 20*time.Minute))
	t.Cleanup(func() { clock = old })
	dir := t.TempDir()
	s, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	require.NoError(t, err)
	for h := range 31 {
		archivetest.Write(t, s, archive.Segment{Stream: "radio", Variant: "source", Start: t0.Add(time.Duration(h) * time.Hour), Duration: 2}, archive.Full, []byte("abc"))
	}
	out, errOut, err := runCLI(t, "prune", "-dir", dir, "-older-than", "27h", "-dry-run")
	require.NoError(t, err)
	require.Equal(t, "would remove radio/source/2026-11-23T14 1 3\nwould remove radio/source/2026-11-23T15 1 3\nwould remove radio/source/2026-11-23T16 1 3\n", out)
	require.Equal(t, "dry run: would prune 3 hours, 3 segments, 9 bytes\n", errOut)
	hours, err := s.Hours(t.Context(), "radio", "source")
	require.NoError(t, err)
	require.Len(t, hours, 31, "a dry run removes nothing")

	out, errOut, err = runCLI(t, "prune", "-dir", dir, "-older-than", "27h")
	require.NoError(t, err)
	require.Equal(t, "removed radio/source/2026-11-23T14 1 3\nremoved radio/source/2026-11-23T15 1 3\nremoved radio/source/2026-11-23T16 1 3\n", out)
	require.Equal(t, "pruned 3 hours, 3 segments, 9 bytes\n", errOut)
	hours, err = s.Hours(t.Context(), "radio", "source")
	require.NoError(t, err)
	require.Len(t, hours, 28)
	require.Equal(t, "2026-11-23T17", hours[0], "the hour straddling the cutoff stays")

	for _, args := range [][]string{{"prune", "-dir", dir}, {"prune", "-dir", dir, "-older-than", "90m"}, {"prune", "-dir", dir, "-older-than", "-5h"}} {
		_, _, err := runCLI(t, args...)
		var ue usageError
		require.ErrorAs(t, err, &ue, "%q", args)
	}
}
