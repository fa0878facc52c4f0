package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

var t0 = time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// putSegments stores segments of the given type starting at the given
// offsets (seconds from t0), each dur seconds long.
func putSegments(t *testing.T, st archive.Store, typ archive.Type, dur float64, starts ...float64) {
	t.Helper()
	for _, s := range starts {
		w, err := st.Create(t.Context(), archive.Segment{Stream: "radio", Variant: "source", Start: at(s), Duration: archive.Seconds(dur)})
		require.NoError(t, err)
		_, err = w.Write([]byte(time.Duration(s * 1e9).String()))
		require.NoError(t, err)
		_, err = w.Commit(t.Context(), typ)
		require.NoError(t, err)
	}
}

// TestProofReport builds a proof from a real store and archive and checks
// the text scripts parse.
func TestProofReport(t *testing.T) {
	ctx := t.Context()
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: filepath.Join(t.TempDir(), "db")})
	require.NoError(t, err)
	defer store.Close()
	st, err := store.PutStation(ctx, schedule.Station{Slug: "radio", Name: "Radio", Zone: "Europe/Paris"})
	require.NoError(t, err)
	prog, err := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: "news", Title: "News", Active: true})
	require.NoError(t, err)
	ep, err := store.PutEpisode(ctx, schedule.Episode{ProgramID: prog.ID, Slug: "2026-11-23"})
	require.NoError(t, err)
	snd, err := store.PutSound(ctx, schedule.Sound{ProgramID: prog.ID, EpisodeID: ep.ID, Path: "/shows/news.wav", Type: schedule.SoundArchive, Duration: 20 * time.Second})
	require.NoError(t, err)
	ds, _, err := store.PutDiffusions(ctx, []schedule.Diffusion{
		{StationID: st.ID, ProgramID: prog.ID, EpisodeID: ep.ID, Type: schedule.OnAir, Start: at(10), End: at(30)},
		{StationID: st.ID, ProgramID: prog.ID, EpisodeID: ep.ID, Type: schedule.OnAir, Start: at(40), End: at(60)},
		{StationID: st.ID, ProgramID: prog.ID, EpisodeID: ep.ID, Type: schedule.OnAir, Start: at(100), End: at(120)},
	})
	require.NoError(t, err)
	// The first aired a second late; the second was missed; the third is
	// still to come.
	l, ok, err := store.BeginStart(ctx, ds[0].ID, schedule.Log{Date: at(10), Source: "dealer", URIs: []string{snd.Path}})
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, store.ConfirmStart(ctx, l.ID, 1, []string{snd.Path}))
	_, _, err = store.AppendOnAir(ctx, schedule.Log{StationID: st.ID, Date: at(11), Source: "dealer", Comment: snd.Path, SoundID: snd.ID, DiffusionID: ds[0].ID}, time.Second)
	require.NoError(t, err)
	_, _, err = store.Settle(ctx, ds[1].ID, schedule.Missed, schedule.Log{Date: at(61), Source: "dealer", Comment: "missing"})
	require.NoError(t, err)
	arch := archive.NewMemStore()
	putSegments(t, arch, archive.Full, 2, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 40, 42, 44, 46, 48, 54, 56, 58)

	rep, err := schedule.BuildProof(ctx, store, withArchive(schedule.ProofRequest{Station: st, From: at(0), To: at(200), Now: at(70), Tolerance: 5 * time.Second},
		arch, "radio", "source"))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, rep.WriteText(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 6, out.String())
	require.Equal(t, "proof of radio from 2026-11-23T14:00:00+01:00 to 2026-11-23T14:03:20+01:00 at 2026-11-23T14:01:10+01:00, archive radio/source, tolerance 5s", lines[0])
	require.Equal(t, strings.Fields("diffusion program status scheduled_start scheduled_end asrun_start asrun_end present_s missing_s holes flags"), strings.Fields(lines[1]))
	require.Equal(t, []string{"1", "news", "started", "2026-11-23T14:00:10+01:00", "2026-11-23T14:00:30+01:00",
		"2026-11-23T14:00:11+01:00", "2026-11-23T14:00:31+01:00", "20.0", "0.0", "-", "ok"}, strings.Fields(lines[2]))
	require.Equal(t, []string{"2", "news", "missed", "2026-11-23T14:00:40+01:00", "2026-11-23T14:01:00+01:00",
		"-", "-", "16.0", "4.0", "2026-11-23T14:00:50.0+01:00/PT4.0S", "not-aired"}, strings.Fields(lines[3]))
	require.Equal(t, []string{"3", "news", "pending", "2026-11-23T14:01:40+01:00", "2026-11-23T14:02:00+01:00",
		"-", "-", "-", "-", "-", "not-due"}, strings.Fields(lines[4]))
	require.Equal(t, "summary: 3 diffusions, 2 due, 1 aired, 2 covered, 1 flagged", lines[5])
}

func TestProofCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "station.db")
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: db})
	require.NoError(t, err)
	_, err = store.PutStation(ctx, schedule.Station{Slug: "radio", Name: "Radio", Zone: "UTC"})
	require.NoError(t, err)
	require.NoError(t, store.Close())
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "segments"), 0o755))

	var stdout, stderr strings.Builder
	err = run(ctx, []string{"proof", "-db", db, "-dir", filepath.Join(dir, "segments"), "-start", "2026-11-23", "-end", "2026-11-24"}, &stdout, &stderr)
	require.NoError(t, err)
	require.Equal(t, "proof of radio from 2026-11-23T00:00:00Z to 2026-11-24T00:00:00Z", strings.SplitN(stdout.String(), " at ", 2)[0])
	require.Contains(t, stdout.String(), "summary: 0 diffusions, 0 due, 0 aired, 0 covered, 0 flagged\n")

	for _, args := range [][]string{
		{"proof", "-db", db},
		{"proof", "-db", db, "-start", "yesterday"},
		{"proof", "-db", db, "-start", "2026-11-24", "-end", "2026-11-23"},
		{"proof", "-db", db, "-start", "2026-11-23", "-station", "nope"},
		{"proof", "-db", db, "-start", "2026-11-23", "-dir", "a", "-store", "b"},
	} {
		stderr.Reset()
		require.Equal(t, 2, exitCode(run(ctx, args, &stdout, &stderr), &stderr), "%q: %s", args, stderr.String())
	}
	// An archive folder that does not exist is an error, not an empty proof.
	err = run(ctx, []string{"proof", "-db", db, "-start", "2026-11-23", "-dir", filepath.Join(dir, "nope")}, &stdout, &stderr)
	require.Equal(t, 1, exitCode(err, &stderr))
}

// TestProofLinks: -links prints, per diffusion, the archive playlist of
// what went out, after the proof, which stays as it was.
func TestProofLinks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "station.db")
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: db})
	require.NoError(t, err)
	sta, err := store.PutStation(ctx, schedule.Station{Slug: "radio", Name: "Radio", Zone: "UTC"})
	require.NoError(t, err)
	prog, err := store.PutProgram(ctx, schedule.Program{StationID: sta.ID, Slug: "morning", Title: "Morning", Active: true})
	require.NoError(t, err)
	ep, err := store.PutEpisode(ctx, schedule.Episode{ProgramID: prog.ID, Slug: "2026-11-23", Title: "Morning"})
	require.NoError(t, err)
	_, _, err = store.PutDiffusions(ctx, []schedule.Diffusion{{StationID: sta.ID, ProgramID: prog.ID, EpisodeID: ep.ID,
		Start: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}})
	require.NoError(t, err)
	require.NoError(t, store.Close())

	args := []string{"proof", "-db", db, "-start", "2026-11-23", "-end", "2026-11-24"}
	var plain, linked strings.Builder
	_ = run(ctx, args, &plain, io.Discard)
	_ = run(ctx, append(args, "-links", "http://127.0.0.1:8080/"), &linked, io.Discard)
	at := func(s string) string { return strings.SplitN(s, " at ", 2)[0] }
	require.Equal(t, at(plain.String()), at(linked.String())[:len(at(plain.String()))])
	require.True(t, strings.HasSuffix(linked.String(),
		"link 1 morning http://127.0.0.1:8080/archive/playlist/radio/source.m3u8?end=2026-11-23T09%3A00%3A00Z&start=2026-11-23T08%3A00%3A00Z\n"), linked.String())
}
