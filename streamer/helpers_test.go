package streamer

import (
	"context"
	"encoding/binary"
	"errors"
	"github.com/airkeep/airkeep/internal/testtool"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// needLiquidsoap returns the path of the real liquidsoap binary. Without
// it the test is skipped, except in CI (CI set), where .ci/run installs it
// and its absence is a failure.
func needLiquidsoap(t testing.TB) string {
	t.Helper()
	return testtool.Require(t, "liquidsoap")
}

// writeWAV writes a mono 16-bit 22.05 kHz sine tone of the given length.
func writeWAV(t testing.TB, path string, d time.Duration, freq float64) {
	t.Helper()
	const rate = 22050
	n := int(d.Seconds() * rate)
	data := make([]byte, 44+2*n)
	copy(data[0:], "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+2*n))
	copy(data[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(data[16:], 16)
	binary.LittleEndian.PutUint16(data[20:], 1) // PCM
	binary.LittleEndian.PutUint16(data[22:], 1) // mono
	binary.LittleEndian.PutUint32(data[24:], rate)
	binary.LittleEndian.PutUint32(data[28:], rate*2)
	binary.LittleEndian.PutUint16(data[32:], 2)
	binary.LittleEndian.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/rate))
		binary.LittleEndian.PutUint16(data[44+2*i:], uint16(v))
	}
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// shortDir returns a fresh directory with a short path: unix socket paths
// are limited to 108 bytes, which t.TempDir() under a long test name can
// exceed.
func shortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lq")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// testStation is a station with a dealer, an m3u playlist and a directory
// playlist of short tones, played to output.dummy.
func testStation(t testing.TB) *Station {
	t.Helper()
	dir := shortDir(t)
	music := filepath.Join(dir, "music")
	night := filepath.Join(dir, "night")
	require.NoError(t, os.Mkdir(music, 0o755))
	require.NoError(t, os.Mkdir(night, 0o755))
	for i, f := range []float64{220, 330, 440} {
		writeWAV(t, filepath.Join(music, string(rune('a'+i))+".wav"), 20*time.Second, f)
	}
	writeWAV(t, filepath.Join(night, "n1.wav"), 20*time.Second, 550)
	m3u := filepath.Join(dir, "music.m3u")
	require.NoError(t, os.WriteFile(m3u, []byte("music/a.wav\nmusic/b.wav\nmusic/c.wav\n"), 0o644))
	return &Station{
		Name:      "Test FM",
		Socket:    filepath.Join(dir, "ls.sock"),
		AllowRoot: os.Geteuid() == 0,
		Volume:    true,
		Playlists: []Playlist{{ID: "music", Path: m3u}, {ID: "night", Path: night, Sequential: true}},
		Dummy:     true,
	}
}

// runProcess runs a supervised Liquidsoap for the test and waits until its
// server answers. stop cancels Run and returns its result; cleanup calls it
// and checks that Run returned nil.
func runProcess(t testing.TB, cfg ProcessConfig) (p *Process, events <-chan Event, stop func() error) {
	t.Helper()
	cfg.Binary = needLiquidsoap(t)
	ch := make(chan Event, 64)
	user := cfg.OnEvent
	cfg.OnEvent = func(e Event) {
		if user != nil {
			user(e)
		}
		select {
		case ch <- e:
		default:
		}
	}
	p, err := NewProcess(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = errors.New("Run did not return within 30s of cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	waitEvent(t, ch, EventReady, 90*time.Second)
	return p, ch, stop
}

// waitEvent waits for an event of the given kind, failing on a timeout.
func waitEvent(t testing.TB, events <-chan Event, kind EventKind, timeout time.Duration) Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e := <-events:
			if e.Kind == kind {
				return e
			}
			if e.Kind == EventExit && kind != EventExit {
				t.Logf("process exited: %v", e.Err)
			}
		case <-deadline:
			t.Fatalf("no %s event within %s", kind, timeout)
		}
	}
}

// eventually polls cond every 50ms until it holds or timeout passes. The
// tests against the real binary observe a process that plays in real
// time; this is how they wait for it, never with a bare sleep.
func eventually(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, timeout, 50*time.Millisecond, append([]any{msg}, args...)...)
}
