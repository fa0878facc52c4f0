package main

import (
	"github.com/airkeep/airkeep/internal/testtool"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/stationfile"

	"github.com/airkeep/airkeep/streamer"
)

func TestRunNeedsImport(t *testing.T) {
	_, path := writeStation(t, minimal)
	var stdout, stderr strings.Builder
	err := run(t.Context(), []string{"run", "-station", path, "-db", filepath.Join(t.TempDir(), "empty.db")}, &stdout, &stderr)
	require.ErrorContains(t, err, `station "test" is not in`)
	require.ErrorContains(t, err, "run radio import first")
	require.Equal(t, 1, exitCode(err, &stderr))
}

// TestRunLiquidsoapWillNotStart: when Liquidsoap fails at its first start
// (a script error, a port in use, root), radio run stops everything and
// says why, with Liquidsoap's own words.
func TestRunLiquidsoapWillNotStart(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "liquidsoap")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho 'init: security exit, root euid' >&2\nexit 255\n"), 0o755))
	_, path := writeStation(t, minimal+"[liquidsoap]\nbinary = \""+fake+"\"\n[record]\n")
	db := filepath.Join(dir, "station.db")
	_, _, err := importFile(t.Context(), path, db, time.Now(), io.Discard)
	require.NoError(t, err)
	cfg, _, err := stationfile.Load(path, stationfile.ForRun)
	require.NoError(t, err)
	cfg.Listen = "127.0.0.1:0"
	r, err := newRunner(t.Context(), runnerConfig{Station: cfg, DB: db, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer r.Close()
	done := make(chan error, 1)
	go func() { done <- r.Run(t.Context()) }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("radio run did not give up")
	}
	var pe *streamer.ProcessError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, 255, pe.Code)
	require.Contains(t, pe.Output, "security exit")
}

func TestScriptCommand(t *testing.T) {
	_, path := writeStation(t, minimal+"[[music]]\nname = \"music\"\ndir = \"music\"\n", "music/a.mp3")
	var stdout, stderr strings.Builder
	args := []string{"script", "-station", path}
	// -check runs the real liquidsoap on the script.
	testtool.Require(t, "liquidsoap")
	args = append(args, "-check")
	require.NoError(t, run(t.Context(), args, &stdout, &stderr))
	require.Contains(t, stdout.String(), `s_music = playlist(id="music"`)
	require.Contains(t, stdout.String(), "output.dummy(")

	stdout.Reset()
	err := run(t.Context(), []string{"script"}, &stdout, &stderr)
	require.Equal(t, 2, exitCode(err, &stderr))
}
