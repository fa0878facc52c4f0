package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

func TestBackfillOnce(t *testing.T) {
	remote := archive.NewMemStore()
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	var segs []archive.Segment
	for i := range 3 {
		segs = append(segs, archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: start.Add(time.Duration(i) * 2 * time.Second), Duration: 2}, archive.Full, []byte{byte(i)}))
	}
	srv := httptest.NewServer(archive.NewHandler(remote, archive.HandlerConfig{}))
	defer srv.Close()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dir", dir, "-nodes", srv.URL, "-once"}, &out, &errb))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	for _, seg := range segs {
		require.Contains(t, lines, "fetched "+srv.URL+" "+seg.Path()+" 1")
	}
	require.Contains(t, errb.String(), "backfill: fetched 3 segments (3 bytes), 0 tombstones, 0 skipped, 0 rejected, 0 hash mismatches, 0 errors")

	// Again: nothing left to do.
	out.Reset()
	errb.Reset()
	require.NoError(t, run(context.Background(), []string{"-dir", dir, "-nodes", srv.URL, "-once"}, &out, &errb))
	require.Empty(t, out.String())
}

func TestBackfillBadFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"-dir", "x"}, {"-dir", "x", "-nodes", "ftp://a"}, {"-dir", "x", "-nodes", "http://a", "-streams", "../x"}} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, &out, &errb)
		var ue usageError
		require.ErrorAs(t, err, &ue, "%q", args)
	}
}

func TestBackfillStartAndRecentCutoff(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	now := t0.Add(3*time.Hour + 30*time.Minute)
	old := clock
	clock = airkeep.NewFakeClock(now)
	t.Cleanup(func() { clock = old })
	remote := archive.NewMemStore()
	var segs []archive.Segment
	for h := range 4 {
		segs = append(segs, archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(h) * time.Hour), Duration: 2}, archive.Full, []byte{byte(h)}))
	}
	fresh := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: now.Add(-time.Second), Duration: 2}, archive.Full, []byte("fresh"))
	srv := httptest.NewServer(archive.NewHandler(remote, archive.HandlerConfig{}))
	defer srv.Close()

	var out, errb bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dir", t.TempDir(), "-nodes", srv.URL, "-once", "-start", "2026-11-23T15:30:00Z"}, &out, &errb))
	require.Contains(t, out.String(), "fetched "+srv.URL+" "+segs[2].Path())
	require.Contains(t, out.String(), "fetched "+srv.URL+" "+segs[3].Path())
	require.NotContains(t, out.String(), segs[0].Path(), "before -start")
	require.Contains(t, out.String(), "fetched "+srv.URL+" "+segs[1].Path(), "the hour straddling -start ends after it, so it is fetched")
	require.Contains(t, out.String(), "skipped "+srv.URL+" "+fresh.Path()+": recent")

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"-dir", t.TempDir(), "-nodes", srv.URL, "-once", "-window", "1h", "-recent-cutoff", "0"}, &out, &errb))
	require.Equal(t, []string{"fetched " + srv.URL + " " + segs[2].Path() + " 1", "fetched " + srv.URL + " " + segs[3].Path() + " 1", "fetched " + srv.URL + " " + fresh.Path() + " 5"}, sortedLines(out.String()))

	for _, args := range [][]string{{"-dir", "x", "-nodes", srv.URL, "-start", "yesterday"}, {"-dir", "x", "-nodes", srv.URL, "-recent-cutoff", "-1s"}} {
		var ue usageError
		require.ErrorAs(t, run(context.Background(), args, &out, &errb), &ue, "%q", args)
	}
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return lines
}
