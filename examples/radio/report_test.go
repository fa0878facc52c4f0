package main

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/listeners"
	"github.com/airkeep/airkeep/schedule/seal"
)

// reportDB is a station database with two songs logged on air, listener
// samples, and the log sealed.
func reportDB(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "station.db")
	st, err := openStore(ctx, path)
	require.NoError(t, err)
	defer st.Close()
	sta, err := st.PutStation(ctx, schedule.Station{Slug: "demo", Name: "Demo FM", Zone: "UTC"})
	require.NoError(t, err)
	prog, err := st.PutProgram(ctx, schedule.Program{StationID: sta.ID, Slug: "music", Title: "Music", Active: true, Stream: true})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, title := range []string{"One", "Two"} {
		so, err := st.PutSound(ctx, schedule.Sound{ProgramID: prog.ID, Path: "/m/" + title + ".mp3", Name: title, Type: schedule.SoundArchive, Duration: time.Minute})
		require.NoError(t, err)
		isrc := ""
		if i == 0 {
			isrc = "FRZ039800212"
		}
		tr, err := st.PutTrack(ctx, schedule.Track{SoundID: so.ID, Title: title, Artist: "Band", ISRC: isrc})
		require.NoError(t, err)
		at := t0.Add(time.Duration(i) * time.Minute)
		l, _, err := st.AppendLog(ctx, schedule.Log{StationID: sta.ID, Type: schedule.LogOnAir, Date: at, Source: "music", Comment: so.Path, SoundID: so.ID})
		require.NoError(t, err)
		_, _, err = st.AppendLog(ctx, schedule.Log{StationID: sta.ID, Type: schedule.LogOnAir, Date: at, Source: "music", SoundID: so.ID, TrackID: tr.ID, ParentID: l.ID})
		require.NoError(t, err)
	}
	var samples []listeners.Sample
	for s := 0; s < 120; s += 30 {
		samples = append(samples, listeners.Sample{At: t0.Add(time.Duration(s) * time.Second), Mount: "/radio.mp3", Listeners: 3})
	}
	require.NoError(t, st.RecordListeners(ctx, sta.ID, samples))
	sl, err := seal.NewSealer(seal.Config{Store: st, StationID: sta.ID, Clock: airkeep.NewFakeClock(t0.Add(time.Hour))})
	require.NoError(t, err)
	_, err = sl.Seal(ctx)
	require.NoError(t, err)
	return path
}

func TestReportCommand(t *testing.T) {
	t.Parallel()
	db := reportDB(t)
	for _, tt := range []struct {
		args   []string
		out    []string
		stderr string
	}{
		{[]string{"-format", "plays"}, []string{
			"start,end,duration_s,program,title,artist,album,label,isrc,source,listeners",
			"2026-11-23T10:00:00Z,2026-11-23T10:01:00Z,60.000,Music,One,Band,,,FRZ039800212,music,3.0",
			"2026-11-23T10:01:00Z,2026-11-23T10:02:00Z,60.000,Music,Two,Band,,,,music,3.0",
		}, "radio report: 2 plays; missing: album 2, isrc 1, label 2\n"},
		{[]string{"-format", "soundexchange", "-category", "A", "-service", "KDEMO"}, []string{
			strings.Join(schedule.SoundExchangeHeader, "\t") + "\r",
			"KDEMO\tA\tBand\tOne\tFRZ039800212\t\t\t3\t0.05\tMusic\t1\r",
			"KDEMO\tA\tBand\tTwo\t\t\t\t3\t0.05\tMusic\t1\r",
		}, "incomplete: 2026-11-23T10:01:00Z \"Two\" (/m/Two.mp3): no [isrc]\nradio report: 2 plays; missing: album 2, isrc 1, label 2\n"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"report", "-db", db, "-from", "2026-11-23", "-to", "2026-11-24"}, tt.args...)
		require.NoError(t, run(t.Context(), args, &stdout, &stderr), stderr.String())
		require.Equal(t, strings.Join(tt.out, "\n")+"\n", stdout.String())
		require.Equal(t, tt.stderr, stderr.String())
	}
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"report", "-db", db, "-from", "2026-11-23", "-format", "soundexchange"}, &bytes.Buffer{}, &stderr)
	require.Equal(t, 2, exitCode(err, &stderr), "no -category")
}

func TestProofVerifyCommand(t *testing.T) {
	t.Parallel()
	db := reportDB(t)
	args := []string{"proof", "-verify", "-db", db, "-from", "2026-11-23", "-to", "2026-11-24"}
	var stdout bytes.Buffer
	require.NoError(t, run(t.Context(), args, &stdout, &bytes.Buffer{}))
	require.Contains(t, stdout.String(), "period: 4 entries and 0 citations checked, 0 segments re-hashed\nintact\n")

	conn, err := sql.Open("sqlite", "file:"+db)
	require.NoError(t, err)
	_, err = conn.Exec("UPDATE track SET artist = 'Other band' WHERE title = 'Two'")
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	stdout.Reset()
	var stderr bytes.Buffer
	err = run(t.Context(), args, &stdout, &stderr)
	require.ErrorIs(t, err, seal.ErrBroken)
	require.Equal(t, 1, exitCode(err, &stderr))
	require.Contains(t, stdout.String(), `BROKEN: seal: edited: log entry 4 (seal 4): edited: artist was "Band", is "Other band"`)
}
