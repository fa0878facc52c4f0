package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
}
