package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

func sample(t *testing.T) (string, []archive.Segment) {
	dir := t.TempDir()
	s, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	require.NoError(t, err)
	var segs []archive.Segment
	for i, typ := range []archive.Type{archive.Full, archive.Full, 0, archive.Partial, archive.Full} {
		if typ == 0 {
			continue
		}
		segs = append(segs, archivetest.Write(t, s, archive.Segment{Stream: "radio", Variant: "source", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2.0}, typ, []byte(strings.Repeat("x", i+1))))
	}
	return dir, segs
}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestLs(t *testing.T) {
	dir, segs := sample(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ls", "-dir", dir}, "radio\n"},
		{[]string{"ls", "-dir", dir, "-l"}, "4 12 radio\n"},
		{[]string{"ls", "-dir", dir, "radio"}, "source\n"},
		{[]string{"ls", "-dir", dir, "radio/source"}, "2026-11-23T14\n"},
		{[]string{"ls", "-dir", dir, "radio/source/2026-11-23T14"}, segs[0].Name() + "\n" + segs[1].Name() + "\n" + segs[2].Name() + "\n" + segs[3].Name() + "\n"},
		{[]string{"ls", "-dir", dir, "-l", "radio/source/2026-11-23T14"}, "1 " + segs[0].Name() + "\n2 " + segs[1].Name() + "\n4 " + segs[2].Name() + "\n5 " + segs[3].Name() + "\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[3:], " "), func(t *testing.T) {
			out, _, err := runCLI(t, tt.args...)
			require.NoError(t, err)
			require.Equal(t, tt.want, out)
		})
	}
}

func TestBest(t *testing.T) {
	dir, segs := sample(t)
	out, _, err := runCLI(t, "best", "-dir", dir, "-stream", "radio", "-variant", "source", "-start", "2026-11-23T14:00:01.5Z", "-end", "2026-11-23T15:00:10+01:00")
	require.NoError(t, err)
	require.Equal(t, strings.Join([]string{
		segs[0].Path(),
		segs[1].Path(),
		"HOLE 2026-11-23T14:00:04.000000Z 2026-11-23T14:00:06.000000Z",
		segs[2].Path(),
		"HOLE 2026-11-23T14:00:08.000000Z 2026-11-23T14:00:08.000000Z",
		segs[3].Path(),
	}, "\n")+"\n", out)
}

func TestCut(t *testing.T) {
	dir, _ := sample(t)
	args := []string{"cut", "-dir", dir, "-stream", "radio", "-variant", "source", "-start", "2026-11-23T14:00:00Z", "-end", "2026-11-23T14:00:04Z"}
	out, stderr, err := runCLI(t, args...)
	require.NoError(t, err)
	require.Equal(t, "x"+"xx", out)
	require.Contains(t, stderr, "cut 2 segments, 3 bytes, 0 holes")

	args[len(args)-1] = "2026-11-23T14:00:10Z"
	out, _, err = runCLI(t, args...)
	require.ErrorIs(t, err, archive.ErrHoles)
	require.Empty(t, out, "nothing is written when holes are refused")

	out, stderr, err = runCLI(t, append(args, "-allow-holes")...)
	require.NoError(t, err)
	require.Equal(t, "x"+"xx"+"xxxx"+"xxxxx", out)
	require.Contains(t, stderr, "HOLE 2026-11-23T14:00:04.000000Z 2026-11-23T14:00:06.000000Z")
}

func TestVerify(t *testing.T) {
	dir, segs := sample(t)
	_, stderr, err := runCLI(t, "verify", "-dir", dir)
	require.NoError(t, err)
	require.Equal(t, "verified 4 segments, 12 bytes: 0 problems\n", stderr)

	require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(segs[1].Path())), []byte("yy!"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "radio", "source", "2026-11-23T14", "stray.ts"), nil, 0o644))
	out, _, err := runCLI(t, "verify", "-dir", dir)
	require.ErrorIs(t, err, errFound)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, lines, "mismatch "+segs[1].Path()+" actual "+archive.Hash(sha256Of("yy!")).String())
}

func TestBadFlags(t *testing.T) {
	dir, _ := sample(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"ls"},
		{"ls", "-dir", dir, "a/b/c/d"},
		{"best", "-dir", dir, "-stream", "radio", "-variant", "source", "-start", "yesterday", "-end", "2026-11-23T14:00:00Z"},
		{"best", "-dir", dir, "-stream", "../x", "-variant", "source", "-start", "2026-11-23T14:00:00Z", "-end", "2026-11-23T15:00:00Z"},
		{"best", "-dir", dir, "-stream", "radio", "-variant", "source", "-start", "2026-11-23T15:00:00Z", "-end", "2026-11-23T14:00:00Z"},
		{"cut", "-dir", dir, "-nope"},
	} {
		_, _, err := runCLI(t, args...)
		var ue usageError
		require.ErrorAs(t, err, &ue, "args %q", args)
	}
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "segments")
	out, _, err := runCLI(t, "demo", "-dir", dir)
	require.NoError(t, err)
	require.Contains(t, out, "demo/source: 60 segments, 0 holes")
	require.Contains(t, out, "demo/480p: 59 segments, 2 holes")
	_, stderr, err := runCLI(t, "verify", "-dir", dir)
	require.NoError(t, err)
	require.Contains(t, stderr, "verified 119 segments")
}

func sha256Of(s string) [32]byte { return sha256.Sum256([]byte(s)) }
