package main

import (
	"bytes"
	"context"
	"github.com/airkeep/airkeep/internal/testtool"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/streamer"
)

// lsctl runs the command in-process and returns stdout, stderr and the
// exit status main would use.
func lsctl(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx := t.Context()
	err := run(ctx, args, &stdout, &stderr)
	if err != nil {
		stderr.WriteString("lsctl: " + err.Error() + "\n")
	}
	return stdout.String(), stderr.String(), exitCode(ctx, err)
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no command", args: []string{"-socket", "/x"}, want: "no command"},
		{name: "no server flag", args: []string{"version"}, want: "one of -socket and -telnet"},
		{name: "both server flags", args: []string{"-socket", "/x", "-telnet", "127.0.0.1:1234", "version"}, want: "one of -socket and -telnet"},
		{name: "bad flag", args: []string{"-nope", "version"}, want: "flag provided but not defined"},
		{name: "unknown command", args: []string{"-socket", "/x", "frobnicate"}, want: "unknown command"},
		{name: "missing argument", args: []string{"-socket", "/x", "skip"}, want: "skip takes 1"},
		{name: "push without URI", args: []string{"-socket", "/x", "push", "dealer"}, want: "push takes"},
		{name: "bad request id", args: []string{"-socket", "/x", "metadata", "abc"}, want: "non-negative integer"},
		{name: "CR in a URI", args: []string{"-socket", "/x", "push", "dealer", "/a.mp3\rdealer.skip"}, want: "U+000D (CR)"},
		{name: "LF in raw", args: []string{"-socket", "/x", "raw", "version\nquit"}, want: "U+000A (LF)"},
		{name: "NUL in a source", args: []string{"-socket", "/x", "skip", "out\x00"}, want: "U+0000 (NUL)"},
		{name: "bad telnet address", args: []string{"-telnet", "localhost", "version"}, want: "host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := lsctl(t, tt.args...)
			require.Equal(t, 2, code, stderr)
			require.Contains(t, stderr, tt.want)
		})
	}
	_, _, code := lsctl(t, "-h")
	require.Equal(t, 0, code)
}

func TestNoServer(t *testing.T) {
	_, stderr, code := lsctl(t, "-socket", filepath.Join(t.TempDir(), "absent.sock"), "version")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "no such file or directory")
}

// TestSilentServer: a server that accepts and never answers makes lsctl
// fail after its timeout, not hang.
func TestSilentServer(t *testing.T) {
	dir, err := os.MkdirTemp("", "lsctl")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "silent.sock")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	_, stderr, code := lsctl(t, "-socket", sock, "-timeout", "300ms", "on-air")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "timed out")
	require.Less(t, time.Since(start), 10*time.Second)
}

// TestAgainstLiquidsoap drives a real Liquidsoap station with every
// command and checks the output formats scripts rely on.
func TestAgainstLiquidsoap(t *testing.T) {
	bin := testtool.Require(t, "liquidsoap")
	dir, err := os.MkdirTemp("", "lsctl")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	m3u := filepath.Join(dir, "music.m3u")
	require.NoError(t, os.WriteFile(m3u, []byte("synth:shape=sine,frequency=330,duration=60\n"), 0o644))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	telnet := ln.Addr().String()
	require.NoError(t, ln.Close())
	st := &streamer.Station{
		Name: "lsctl test", Socket: filepath.Join(dir, "ls.sock"), Telnet: telnet, AllowRoot: os.Geteuid() == 0, Dummy: true,
		Playlists: []streamer.Playlist{{ID: "music", Path: m3u}},
	}
	ready := make(chan struct{})
	proc, err := streamer.NewProcess(streamer.ProcessConfig{Station: st, Binary: bin, OnEvent: func(e streamer.Event) {
		if e.Kind == streamer.EventReady {
			close(ready)
		}
	}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(90 * time.Second):
		t.Fatal("liquidsoap did not start")
	}
	// The test pins output formats, not latency: a loaded machine may take
	// longer than the 5 s default to answer a push.
	sock := []string{"-socket", st.Socket, "-timeout", "60s"}
	call := func(args ...string) string {
		t.Helper()
		stdout, stderr, code := lsctl(t, append(sock, args...)...)
		require.Equal(t, 0, code, "lsctl %q: %s", args, stderr)
		return stdout
	}

	require.True(t, strings.HasPrefix(call("version"), "Liquidsoap 2."))
	stdout, stderr, code := lsctl(t, "-telnet", telnet, "version")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, call("version"), stdout, "telnet and socket answer alike")
	require.Contains(t, call("list"), "dealer request.queue\n")
	require.Contains(t, call("list"), "music playlist\n")
	require.Contains(t, call("list"), "out output\n")

	// The music playlist is on air.
	line := regexp.MustCompile(`^(\d+) (\S+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)) (.*)$`)
	require.Eventually(t, func() bool {
		out := call("on-air")
		return strings.Contains(out, " music ") && line.MatchString(strings.TrimSuffix(out, "\n"))
	}, 20*time.Second, 50*time.Millisecond)

	show := `synth:shape=sine,frequency=440,duration=60`
	annotated, err := streamer.Annotate(show, map[string]string{"title": `It's "live" #1`})
	require.NoError(t, err)
	rids := strings.Fields(call("push", "dealer", annotated, show))
	require.Len(t, rids, 2)
	queue := call("queue", "dealer")
	require.Equal(t, rids[1]+" "+show+"\n", queue, "the first push plays; the second waits")

	var onAir []string
	require.Eventually(t, func() bool {
		onAir = strings.Split(strings.TrimSuffix(call("on-air"), "\n"), "\n")
		return strings.HasPrefix(onAir[len(onAir)-1], rids[0]+" dealer ")
	}, 20*time.Second, 50*time.Millisecond)
	m := line.FindStringSubmatch(onAir[len(onAir)-1])
	require.NotNil(t, m, onAir)
	require.Equal(t, annotated, m[4], "URI printed unchanged")
	at, err := time.Parse(time.RFC3339, m[3])
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), at, time.Minute)
	_, offset := time.Now().Zone()
	_, printed := at.Zone()
	require.Equal(t, offset, printed, "local offset")

	meta := call("metadata", rids[0])
	require.Contains(t, meta, "initial_uri="+annotated+"\n")
	require.Contains(t, meta, `title=It's "live" #1`+"\n")
	require.Contains(t, meta, "source=dealer\n")
	require.Contains(t, meta, "rid="+rids[0]+"\n")

	rem := strings.TrimSpace(call("remaining", "dealer"))
	require.Regexp(t, `^\d+\.\d{3}$`, rem)

	require.Empty(t, call("skip", "dealer"))
	require.Eventually(t, func() bool {
		out := call("on-air")
		return strings.Contains(out, "\n"+rids[1]+" dealer ") || strings.HasPrefix(out, rids[1]+" dealer ")
	}, 20*time.Second, 50*time.Millisecond)
	require.Empty(t, call("reload", "music"))
	require.True(t, strings.HasPrefix(call("raw", "version"), "Liquidsoap 2."))

	// Errors the server reports in band: exit 1.
	stdout, stderr, code = lsctl(t, append(sock, "raw", "nosuchcommand")...)
	require.Equal(t, 1, code)
	require.Contains(t, stdout, "ERROR: unknown command")
	require.Contains(t, stderr, "unknown command")
	_, stderr, code = lsctl(t, append(sock, "metadata", "999999")...)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "No such request.")
	_, stderr, code = lsctl(t, append(sock, "skip", "nosuchsource")...)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "unknown command")
}
