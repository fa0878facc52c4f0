package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/stationfile"

	"github.com/airkeep/airkeep/internal/icecasttest"
	"github.com/airkeep/airkeep/internal/syncbuf"
	"github.com/airkeep/airkeep/internal/testtool"
	"github.com/airkeep/airkeep/schedule/listeners"
)

// TestListenersEndToEnd: the real Liquidsoap streams a tagged song to the
// real Icecast; a listener is a plain HTTP client on the mount. radio run
// samples Icecast every second; afterwards the plays report credits the
// song with the listener, SoundExchange with its listening time, and the
// sealed log verifies.
func TestListenersEndToEnd(t *testing.T) {
	// Not parallel: the Icecast password reaches the station file through
	// the environment.
	testtool.Require(t, "liquidsoap")
	ffmpeg := testtool.Require(t, "ffmpeg")
	ice := icecasttest.Start(t)
	t.Setenv("E2E_ICECAST_PASSWORD", ice.SourcePassword)

	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "music"), 0o755))
	song := filepath.Join(dir, "music", "song.mp3")
	out, err := exec.CommandContext(t.Context(), ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
		"-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "3", "-metadata", "title=Listened", "-metadata", "artist=The Band",
		"-metadata", "album=Live", "-metadata", "publisher=Label", "-metadata", "TSRC=FRZ039800212", song).CombinedOutput()
	require.NoError(t, err, string(out))
	station := filepath.Join(dir, "station.toml")
	require.NoError(t, os.WriteFile(station, []byte(`name = "Listeners"
slug = "e2e"
zone = "UTC"

[[music]]
name = "music"
dir = "music"

[liquidsoap]
allow_root = `+strconv.FormatBool(os.Geteuid() == 0)+`

[[outputs.icecast]]
host = "127.0.0.1"
port = `+strconv.Itoa(ice.Port)+`
mount = "/radio.mp3"
password_env = "E2E_ICECAST_PASSWORD"
codec = "mp3"
bitrate = 32
`), 0o644))
	db := filepath.Join(dir, "station.db")
	from := time.Now().UTC().Add(-time.Second)
	_, rep, err := importFile(t.Context(), station, db, time.Now(), io.Discard)
	require.NoError(t, err)
	require.Equal(t, 1, rep.TagTracks)

	logs := &syncbuf.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("radio logs:\n%s", logs)
		}
	})
	cfg, _, err := stationfile.Load(station, stationfile.ForRun)
	require.NoError(t, err)
	cfg.Listen = "127.0.0.1:0"
	run := startRunConfig(t, runnerConfig{Station: cfg, DB: db, Logger: slog.New(slog.NewTextHandler(logs, nil)), Listeners: time.Second})

	// Liquidsoap reaches Icecast.
	status, err := listeners.New(listeners.Config{URL: ice.URL, Sink: discardSink{}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := status.Sample(t.Context())
		return err == nil && len(got) == 1 && got[0].Mount == "/radio.mp3"
	}, 20*time.Second, 100*time.Millisecond, "the stream never reached Icecast")

	// A listener for a few seconds of the song (it loops).
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, ice.URL+"/radio.mp3", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	listened := time.Now()
	buf := make([]byte, 4096)
	for time.Since(listened) < 5*time.Second {
		_, err := resp.Body.Read(buf)
		require.NoError(t, err)
	}
	resp.Body.Close()
	// The play under way ends when the next starts: read the report
	// until a play that ended is credited.
	require.Eventually(t, func() bool {
		var b bytes.Buffer
		if err := run2(t, []string{"report", "-format", "plays", "-db", db, "-from", from.Format(time.RFC3339Nano)}, &b); err != nil {
			return false
		}
		for _, rec := range csvRows(t, b.String())[1:] {
			if n, err := strconv.ParseFloat(rec[10], 64); err == nil && n > 0 && rec[1] != "" {
				return true
			}
		}
		return false
	}, 20*time.Second, 250*time.Millisecond, "no ended play credited with a listener")
	run.end(t)

	var plays bytes.Buffer
	require.NoError(t, run2(t, []string{"report", "-format", "plays", "-db", db, "-from", from.Format(time.RFC3339Nano)}, &plays))
	rows := csvRows(t, plays.String())
	require.Equal(t, PlaysHeaderForTest, rows[0])
	// The listening time: listeners × duration over the plays.
	var heard float64
	for _, r := range rows[1:] {
		require.Equal(t, []string{"music", "Listened", "The Band", "Live", "Label", "FRZ039800212", "music"},
			[]string{r[3], r[4], r[5], r[6], r[7], r[8], r[9]})
		n, err1 := strconv.ParseFloat(r[10], 64)
		d, err2 := strconv.ParseFloat(r[2], 64)
		if err1 == nil && err2 == nil {
			heard += n * d
		}
	}
	require.Greater(t, heard, 1.0, plays.String())
	require.Less(t, heard, (time.Since(listened) + 2*time.Second).Seconds(), plays.String())

	var se bytes.Buffer
	require.NoError(t, run2(t, []string{"report", "-format", "soundexchange", "-category", "A", "-db", db, "-from", from.Format(time.RFC3339Nano)}, &se))
	lines := strings.Split(strings.TrimSpace(se.String()), "\r\n")
	require.Len(t, lines, 2, se.String())
	f := strings.Split(lines[1], "\t")
	require.Equal(t, []string{"Listeners", "A", "The Band", "Listened", "FRZ039800212", "Live", "Label"}, f[:7])
	perf, _ := strconv.Atoi(f[7])
	require.Positive(t, perf, "performances")
	// Seconds of listening: tuning hours to two decimals.
	require.Equal(t, "0.00", f[8])

	var proof bytes.Buffer
	require.NoError(t, run2(t, []string{"proof", "-verify", "-db", db, "-from", from.Format(time.RFC3339Nano)}, &proof), proof.String())
	require.Contains(t, proof.String(), "intact")
}

// PlaysHeaderForTest is the plays report's header, as scripts read it.
var PlaysHeaderForTest = []string{"start", "end", "duration_s", "program", "title", "artist", "album", "label", "isrc", "source", "listeners"}

type discardSink struct{}

func (discardSink) Record(context.Context, []listeners.Sample) error { return nil }

func run2(t *testing.T, args []string, stdout io.Writer) error {
	return run(t.Context(), args, stdout, io.Discard)
}

func csvRows(t *testing.T, s string) [][]string {
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	require.NoError(t, err)
	return rows
}
