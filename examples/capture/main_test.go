package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/hls/hlstest"
	"github.com/airkeep/airkeep/internal/memnet"
	"github.com/airkeep/airkeep/internal/syncbuf"
)

// TestCaptureDemo runs the demo with every fault for a minute of stream,
// inside a testing/synctest bubble over an in-memory network: time moves
// only when every goroutine waits on it, so -speed 20 costs no wall-clock
// time and a busy machine cannot make the capture late.
func TestCaptureDemo(t *testing.T) {
	synctest.Test(t, testCaptureDemo)
}

func testCaptureDemo(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncbuf.Buffer
	err := runOn(t.Context(), []string{"-demo", "-faults", "-duration", "60s", "-speed", "20", "-progress", "20s", "-dir", dir}, &stdout, &stderr, memnet.New())
	require.NoError(t, err, stderr.String())
	out := stdout.String()
	require.Contains(t, out, "capture finished after")
	require.Regexp(t, `check: all \d+ published segments stored byte-exact`, out)
	require.Regexp(t, `(?m)^source\s+\d+`, out)
	require.Contains(t, stderr.String(), "recording | 480p:")
	hours, err := filepath.Glob(filepath.Join(dir, "demo", "source", "*T*"))
	require.NoError(t, err)
	require.NotEmpty(t, hours)
}

// TestCaptureURL records a real origin by URL and stops on cancel, as on
// SIGINT: a clean interrupt is a success. It is the program's smoke test
// on the real clock and real sockets, at real speed: it waits, polling the
// archive directory, for files that appear at the pace of a live stream.
func TestCaptureURL(t *testing.T) {
	o, err := hlstest.New(hlstest.Config{Variants: []hlstest.VariantConfig{{Name: "hi", Resolution: "640x360", Bandwidth: 200_000}, {Name: "lo", Resolution: "320x180", Bandwidth: 80_000}}})
	require.NoError(t, err)
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-url", srv.URL + hlstest.MasterPath("demo"), "-stream", "radio", "-variants", "source,360p,lo", "-progress", "0", "-dir", dir, "-metrics", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	require.Eventually(t, func() bool {
		n := 0
		for _, v := range []string{"source", "360p", "lo"} {
			m, _ := filepath.Glob(filepath.Join(dir, "radio", v, "*", "*-full-*.ts"))
			if len(m) >= 6 {
				n++
			}
		}
		return n == 3
	}, 20*time.Second, 20*time.Millisecond)
	m := regexp.MustCompile(`url=(http://\S+/metrics)`).FindStringSubmatch(stderr.String())
	require.Len(t, m, 2, stderr.String())
	resp, err := http.Get(m[1])
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Regexp(t, `airkeep_hls_segments_total\{stream="radio",variant="lo",type="full"\} [1-9]`, string(body))
	cancel()
	require.NoError(t, <-done)
	require.Contains(t, stdout.String(), "capture interrupted after")
	for _, v := range []string{"source", "360p", "lo"} {
		require.Regexp(t, `(?m)^`+v+`\s+[1-9]`, stdout.String())
	}
	_, err = os.Stat(filepath.Join(dir, "radio", "source"))
	require.NoError(t, err)
}

// TestCaptureChannels records three channels of the demo origin into a
// store given by URL, in a synctest bubble as TestCaptureDemo.
func TestCaptureChannels(t *testing.T) {
	synctest.Test(t, testCaptureChannels)
}

func testCaptureChannels(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncbuf.Buffer
	err := runOn(t.Context(), []string{"-demo", "-channels", "3", "-duration", "20s", "-speed", "10", "-progress", "0", "-nosync", "-store", "file://" + dir}, &stdout, &stderr, memnet.New())
	require.NoError(t, err, "%s\n%s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "3 streams")
	require.Regexp(t, `check: all \d+ published segments stored byte-exact`, stdout.String())
	for _, ch := range []string{"ch1", "ch2", "ch3"} {
		m, _ := filepath.Glob(filepath.Join(dir, ch, "480p", "*", "*-full-*.ts"))
		require.NotEmpty(t, m, ch)
	}
}

func TestCaptureFlags(t *testing.T) {
	d := filepath.Join(t.TempDir(), "d") // where a store may be opened before the flags are refused
	for _, args := range [][]string{
		{},
		{"-url", "http://x/m.m3u8", "-stream", "s"},
		{"-url", "http://x/m.m3u8", "-dir", d},
		{"-demo", "-url", "http://x", "-dir", d},
		{"-demo", "-speed", "-1", "-dir", d},
		{"-url", "http://x/m.m3u8", "-stream", "s", "-dir", d, "-faults"},
		{"-url", "http://x/m.m3u8", "-stream", "s", "-dir", d, "-store", d + "e"},
		{"-url", "http://x/m.m3u8", "-channels", "a,b", "-dir", d},
		{"-url", "http://x/{channel}.m3u8", "-channels", "a,b", "-stream", "s", "-dir", d},
		{"-url", "http://x/m.m3u8", "-stream", "s", "-store", "s3://"},
		{"-url", "ftp://x/m.m3u8", "-stream", "s", "-dir", d},
		{"-url", "http://x/m.m3u8", "-stream", "../up", "-dir", d},
		{"-nope"},
	} {
		err := run(t.Context(), args, io.Discard, io.Discard)
		var ue usageError
		require.ErrorAs(t, err, &ue, "%v", args)
		require.False(t, strings.Contains(err.Error(), "panic"))
	}
}
