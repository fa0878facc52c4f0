package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/internal/syncbuf"
)

// lineWriter is a syncbuf.Buffer that closes enough once it holds n lines.
type lineWriter struct {
	syncbuf.Buffer
	n      int
	once   sync.Once
	enough chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Count(w.String(), "\n") >= w.n {
		w.once.Do(func() { close(w.enough) })
	}
	return n, err
}

// TestOriginServesAndPublishes runs the origin on a real socket and the
// real clock at 20 times real speed: eight publications take under a
// second.
func TestOriginServesAndPublishes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	stdout := lineWriter{n: 8, enough: make(chan struct{})}
	var stderr syncbuf.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-channels", "2", "-speed", "20", "-token-ttl", "1m"}, &stdout, &stderr, ready)
	}()
	addr := <-ready
	resp, err := http.Get("http://" + addr + "/c/ch2/master.m3u8")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(body), "480p/index.m3u8?token=")
	select {
	case <-stdout.enough:
	case err := <-done:
		t.Fatalf("origin stopped early: %v", err)
	}
	cancel()
	require.NoError(t, <-done)
	line := strings.SplitN(stdout.String(), "\n", 2)[0]
	require.Regexp(t, `^published channel=ch[12] variant=(source|480p) epoch=0 msn=0 start=\S+Z duration=2\.0 size=\d+ sha256=[A-Za-z0-9_-]{43}$`, line)
	require.Contains(t, stderr.String(), "origin: stopped after")
}

func TestOriginFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-variants", "source"},
		{"-variants", "a:1x1:zero,b"},
		{"-speed", "0"},
		{"-channels", "0"},
		{"-bogus"},
		{"extra"},
	} {
		err := run(t.Context(), args, io.Discard, io.Discard, nil)
		var ue usageError
		require.ErrorAs(t, err, &ue, "%v", args)
	}
}
