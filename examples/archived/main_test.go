package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

func TestServeAndStop(t *testing.T) {
	dir := t.TempDir()
	store, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	require.NoError(t, err)
	seg := archivetest.Write(t, store, archive.Segment{Stream: "radio", Variant: "source", Start: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), Duration: 2}, archive.Full, []byte("bytes"))

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-dir", dir, "-listen", "127.0.0.1:0"}, io.Discard, ready) }()
	addr := <-ready

	resp, err := http.Get("http://" + addr + "/files/radio/source/" + seg.Hour())
	require.NoError(t, err)
	var names []string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&names))
	resp.Body.Close()
	require.Equal(t, []string{seg.Name()}, names)

	resp, err = http.Get("http://" + addr + "/segments/" + seg.Path())
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "bytes", string(body))

	cancel()
	require.NoError(t, <-done)
	_, err = http.Get("http://" + addr + "/files")
	require.Error(t, err, "the server is gone")
}

func TestBadFlags(t *testing.T) {
	var ue usageError
	require.ErrorAs(t, run(context.Background(), nil, io.Discard, nil), &ue)
	require.ErrorAs(t, run(context.Background(), []string{"-nope"}, io.Discard, nil), &ue)
	require.ErrorAs(t, run(context.Background(), []string{"-dir", t.TempDir(), "-export-dir", filepath.Join(t.TempDir(), "absent")}, io.Discard, nil), &ue)
}

// Without ffmpeg the node serves as before and answers 501 for what
// needs it.
func TestWithoutFFmpeg(t *testing.T) {
	dir := t.TempDir()
	store, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	require.NoError(t, err)
	archivetest.Write(t, store, archive.Segment{Stream: "radio", Variant: "source", Start: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), Duration: 2}, archive.Full, []byte("bytes"))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-dir", dir, "-listen", "127.0.0.1:0", "-ffmpeg", filepath.Join(dir, "no-ffmpeg")}, io.Discard, ready)
	}()
	addr := <-ready
	for path, want := range map[string]int{
		"/files": 200,
		"/frame/radio/source.png?timestamp=2026-11-23T14:00:01Z":                             501,
		"/cut/radio/source.ts?type=fast&start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:01Z": 501,
		"/cut/radio/source.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:01Z":           200,
	} {
		resp, err := http.Get("http://" + addr + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, want, resp.StatusCode, path)
	}
	cancel()
	require.NoError(t, <-done)
}

func TestMetrics(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	old := clock
	clock = airkeep.NewFakeClock(t0.Add(50*time.Hour + 30*time.Minute))
	t.Cleanup(func() { clock = old })
	dir := t.TempDir()
	store, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	require.NoError(t, err)
	write := func(at time.Duration, typ archive.Type, data string) {
		archivetest.Write(t, store, archive.Segment{Stream: "radio", Variant: "source", Start: t0.Add(at), Duration: 2}, typ, []byte(data))
	}
	write(0, archive.Full, "too old") // 14:00 two days before: outside the 48 h window
	for i := range 3 {
		write(48*time.Hour+time.Duration(i)*2*time.Second, archive.Full, fmt.Sprint(i))
	}
	write(48*time.Hour+10*time.Second, archive.Partial, "p")
	write(48*time.Hour+10*time.Second, archive.Full, "f")
	write(49*time.Hour, archive.Full, "next")

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-dir", dir, "-listen", "127.0.0.1:0"}, io.Discard, ready) }()
	addr := <-ready
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	scrape := func() string {
		resp, err := http.Get("http://" + addr + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(body)
	}
	body := scrape()
	for _, line := range []string{
		`segment_count{channel="radio",hour="2026-11-25T14",quality="source",type="full"} 4`,
		`segment_count{channel="radio",hour="2026-11-25T14",quality="source",type="partial"} 1`,
		`segment_count{channel="radio",hour="2026-11-25T14",quality="source",type="bad"} 0`,
		`segment_duration{channel="radio",hour="2026-11-25T14",quality="source",type="full"} 8`,
		`raw_coverage{channel="radio",hour="2026-11-25T14",quality="source"} 8`,
		`editable_coverage{channel="radio",hour="2026-11-25T14",quality="source"} 8`,
		`raw_holes{channel="radio",hour="2026-11-25T14",quality="source"} 2`,
		`editable_holes{channel="radio",hour="2026-11-25T14",quality="source"} 2`,
		`overlap_count{channel="radio",hour="2026-11-25T14",quality="source",type="partial"} 1`,
		`overlap_duration{channel="radio",hour="2026-11-25T14",quality="source",type="partial"} 2`,
		`raw_coverage{channel="radio",hour="2026-11-25T15",quality="source"} 2`,
		`airkeep_coverage_up{channel="radio",quality="source"} 1`,
		`airkeep_coverage_hours_computed_total 49`, // every hour of the window, once
	} {
		require.Contains(t, body, line+"\n")
	}
	require.NotContains(t, body, `hour="2026-11-23T14"`, "outside the window")
	require.NotContains(t, body, `hour="2026-11-25T16"`, "not held")
	// A second scrape recomputes nothing.
	require.Contains(t, scrape(), "airkeep_coverage_hours_computed_total 49\n")
}
