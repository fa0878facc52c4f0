package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
