package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

var proofT0 = time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)

func pat(s float64) time.Time { return proofT0.Add(time.Duration(s * float64(time.Second))) }

func TestProofFlags(t *testing.T) {
	d := schedule.Diffusion{ID: 1, Type: schedule.OnAir, Start: pat(0), End: pat(60)}
	const none = -1000.0
	row := func(status string, due bool, start, end float64, missing float64) schedule.ProofRow {
		r := schedule.ProofRow{Diffusion: d, Status: status, Due: due, Recorded: true}
		if start != none {
			r.AsRunStart = pat(start)
		}
		if end != none {
			r.AsRunEnd = pat(end)
		}
		if missing > 0 {
			r.Holes = []schedule.Span{{Start: pat(10), End: pat(10 + missing)}}
		}
		return r
	}
	tol := 5 * time.Second
	tests := []struct {
		name string
		row  schedule.ProofRow
		want []schedule.ProofFlag
	}{
		{"on time", row("started", true, 1, 61, 0), nil},
		{"within tolerance", row("started", true, -4, 55, 5), nil},
		{"late and short", row("started", true, 6, 50, 0), []schedule.ProofFlag{schedule.FlagLateStart, schedule.FlagEarlyEnd}},
		{"early and long", row("started", true, -6, 70, 0), []schedule.ProofFlag{schedule.FlagEarlyStart, schedule.FlagLateEnd}},
		{"missed", row("missed", true, none, none, 0), []schedule.ProofFlag{schedule.FlagNotAired}},
		{"cancelled", row("cancelled", true, none, none, 0), []schedule.ProofFlag{schedule.FlagNotAired}},
		{"live show", row("live", true, none, none, 0), nil},
		{"not due yet", row("pending", false, none, none, 0), nil},
		{"on air now, end unknown", row("started", false, 1, none, 0), nil},
		{"holes", row("started", true, 0, 60, 5.5), []schedule.ProofFlag{schedule.FlagHoles}},
		{"live show not recorded", row("live", true, none, none, 60), []schedule.ProofFlag{schedule.FlagHoles}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, schedule.ProofFlags(tt.row, tol))
		})
	}
}

// TestBuildProof: one diffusion aired a second late and was recorded
// whole, one was missed with a hole in the recording, one is to come.
// proofRig is a station of three diffusions of "news": the first aired a
// second late, the second was missed, the third is still to come at
// pat(70).
func proofRig(t *testing.T) (*schedule.MemStore, schedule.Station) {
	t.Helper()
	ctx := t.Context()
	store := schedule.NewMemStore()
	st, err := store.PutStation(ctx, schedule.Station{Slug: "radio", Zone: "Europe/Paris"})
	require.NoError(t, err)
	prog, err := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: "news", Title: "The News", Active: true})
	require.NoError(t, err)
	ep, err := store.PutEpisode(ctx, schedule.Episode{ProgramID: prog.ID, Slug: "2026-11-23"})
	require.NoError(t, err)
	snd, err := store.PutSound(ctx, schedule.Sound{ProgramID: prog.ID, EpisodeID: ep.ID, Path: "/news.wav", Type: schedule.SoundArchive, Duration: 20 * time.Second})
	require.NoError(t, err)
	ds, _, err := store.PutDiffusions(ctx, []schedule.Diffusion{
		{StationID: st.ID, ProgramID: prog.ID, EpisodeID: ep.ID, Start: pat(10), End: pat(30)},
		{StationID: st.ID, ProgramID: prog.ID, EpisodeID: ep.ID, Start: pat(40), End: pat(60)},
		{StationID: st.ID, ProgramID: prog.ID, EpisodeID: ep.ID, Start: pat(100), End: pat(120)},
	})
	require.NoError(t, err)
	l, ok, err := store.BeginStart(ctx, ds[0].ID, schedule.Log{Date: pat(10), Source: "dealer", URIs: []string{snd.Path}})
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, store.ConfirmStart(ctx, l.ID, 1, []string{snd.Path}))
	_, _, err = store.AppendOnAir(ctx, schedule.Log{StationID: st.ID, Date: pat(11), Source: "dealer", Comment: snd.Path, SoundID: snd.ID, DiffusionID: ds[0].ID}, time.Second)
	require.NoError(t, err)
	_, _, err = store.Settle(ctx, ds[1].ID, schedule.Missed, schedule.Log{Date: pat(61), Source: "dealer"})
	require.NoError(t, err)
	return store, st
}

func TestBuildProof(t *testing.T) {
	ctx := t.Context()
	store, st := proofRig(t)
	hole := schedule.Span{Start: pat(50), End: pat(54)}
	var asked []schedule.Span
	coverage := func(_ context.Context, start, end time.Time) (time.Duration, []schedule.Span, error) {
		asked = append(asked, schedule.Span{Start: start, End: end})
		if hole.Start.Before(end) && start.Before(hole.End) {
			return end.Sub(start) - hole.Duration(), []schedule.Span{hole}, nil
		}
		return end.Sub(start), nil, nil
	}
	p, err := schedule.BuildProof(ctx, store, schedule.ProofRequest{Station: st, From: pat(0), To: pat(200), Now: pat(70),
		Tolerance: 5 * time.Second, Coverage: coverage, Recording: "radio/source"})
	require.NoError(t, err)
	require.Equal(t, []schedule.Span{{Start: pat(10), End: pat(30)}, {Start: pat(40), End: pat(60)}}, asked, "only what is due is read")
	var out bytes.Buffer
	require.NoError(t, p.WriteText(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 6, out.String())
	require.Equal(t, "proof of radio from 2026-11-23T14:00:00+01:00 to 2026-11-23T14:03:20+01:00 at 2026-11-23T14:01:10+01:00, archive radio/source, tolerance 5s", lines[0])
	require.Equal(t, []string{"1", "news", "started", "2026-11-23T14:00:10+01:00", "2026-11-23T14:00:30+01:00",
		"2026-11-23T14:00:11+01:00", "2026-11-23T14:00:31+01:00", "20.0", "0.0", "-", "ok"}, strings.Fields(lines[2]))
	require.Equal(t, []string{"2", "news", "missed", "2026-11-23T14:00:40+01:00", "2026-11-23T14:01:00+01:00",
		"-", "-", "16.0", "4.0", "2026-11-23T14:00:50.0+01:00/PT4.0S", "not-aired"}, strings.Fields(lines[3]))
	require.Equal(t, []string{"3", "news", "pending", "2026-11-23T14:01:40+01:00", "2026-11-23T14:02:00+01:00",
		"-", "-", "-", "-", "-", "not-due"}, strings.Fields(lines[4]))
	require.Equal(t, "summary: 3 diffusions, 2 due, 1 aired, 2 covered, 1 flagged", lines[5])

	// A recording that cannot be read fails the proof with its error.
	broken := errors.New("disk gone")
	_, err = schedule.BuildProof(ctx, store, schedule.ProofRequest{Station: st, From: pat(0), To: pat(200), Now: pat(70),
		Coverage: func(context.Context, time.Time, time.Time) (time.Duration, []schedule.Span, error) {
			return 0, nil, broken
		}})
	require.ErrorIs(t, err, broken)
}

// TestProgramsReport: the report's rows are the proof's diffusions, with
// their program's title, what aired and, given a recording, its coverage.
func TestProgramsReport(t *testing.T) {
	store, st := proofRig(t)
	req := schedule.ProofRequest{Station: st, From: pat(0), To: pat(200), Now: pat(70)}
	for _, tt := range []struct {
		name     string
		coverage schedule.Coverage
		known    bool
		recorded time.Duration
	}{
		{name: "no recording"},
		{name: "a recording with a hole", known: true, recorded: 16 * time.Second,
			coverage: func(_ context.Context, start, end time.Time) (time.Duration, []schedule.Span, error) {
				return end.Sub(start) - 4*time.Second, []schedule.Span{{Start: start, End: start.Add(4 * time.Second)}}, nil
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := req
			req.Coverage = tt.coverage
			rows, err := schedule.ProgramsReport(t.Context(), store, req)
			require.NoError(t, err)
			require.Len(t, rows, 3)
			require.Equal(t, "The News", rows[0].Program)
			require.Equal(t, 19*time.Second, rows[0].Aired, "from 1 s late to the window's end")
			require.False(t, rows[0].Missed)
			require.True(t, rows[1].Missed)
			for _, r := range rows[:2] {
				require.Equal(t, tt.known, r.CoverageKnown)
				require.Equal(t, tt.recorded, r.Recorded)
				if tt.known {
					require.Equal(t, 4*time.Second, r.Holes)
				}
			}
			require.False(t, rows[2].CoverageKnown, "not due: not read")
		})
	}
}
