package listeners_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/internal/icecasttest"
	"github.com/airkeep/airkeep/internal/syncbuf"
	"github.com/airkeep/airkeep/internal/testtool"
	"github.com/airkeep/airkeep/schedule/listeners"
)

// memSink keeps what is recorded.
type memSink struct {
	mu      sync.Mutex
	samples []listeners.Sample
}

func (m *memSink) Record(_ context.Context, s []listeners.Sample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples = append(m.samples, s...)
	return nil
}

func (m *memSink) all() []listeners.Sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]listeners.Sample(nil), m.samples...)
}

// icecastDoc is a status as Icecast 2.4.4 writes it, with n listeners on
// /radio and 1 on /other.
func icecastDoc(n int) string {
	return fmt.Sprintf(`{"icestats":{"admin":"icemaster@localhost","host":"127.0.0.1","location":"Earth","server_id":"Icecast 2.4.4","source":[`+
		`{"listener_peak":2,"listeners":%d,"listenurl":"http://127.0.0.1:8000/radio","server_type":"audio/mpeg","dummy":null},`+
		`{"listeners":1,"listenurl":"http://127.0.0.1:8000/other","dummy":null}]}}`, n)
}

// TestSamplerRun: a run of good answers, an Icecast down, slow, talking
// nonsense and sending too much, then back: only good answers are
// recorded, each failure leaves a gap, the failures are logged once, the
// recovery once. All on the fake clock.
func TestSamplerRun(t *testing.T) {
	t.Parallel()
	var mode atomic.Value
	mode.Store("ok")
	var count atomic.Int64
	count.Store(3)
	arrived := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/icecast/status-json.xsl", r.URL.Path)
		m := mode.Load().(string)
		arrived <- m
		switch m {
		case "ok":
			io.WriteString(w, icecastDoc(int(count.Load())))
		case "error":
			http.Error(w, "no", http.StatusInternalServerError)
		case "slow":
			<-r.Context().Done()
		case "nonsense":
			io.WriteString(w, `<html>Icecast</html>`)
		case "huge":
			io.WriteString(w, icecastDoc(1)+strings.Repeat(" ", 4096))
		}
	}))
	defer srv.Close()

	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := airkeep.NewFakeClock(t0)
	sink := &memSink{}
	logs := &syncbuf.Buffer{}
	attempts := make(chan error, 16)
	s, err := listeners.New(listeners.Config{
		URL: srv.URL + "/icecast/", Mounts: []string{"/radio", "/gone"},
		Interval: 10 * time.Second, Timeout: 3 * time.Second, MaxBody: 2048,
		Sink: sink, Clock: clock,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Observe: func(_ []listeners.Sample, err error) { attempts <- err },
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	require.NoError(t, <-attempts) // the first sample is taken at once
	<-arrived
	for _, m := range []string{"error", "slow", "nonsense", "huge", "ok"} {
		mode.Store(m)
		clock.BlockUntil(1)
		clock.Advance(10 * time.Second)
		got := <-arrived
		require.Equal(t, m, got)
		if m == "slow" {
			// The tick fired; the fetch's timeout is the one timer armed.
			clock.BlockUntil(1)
			clock.Advance(3 * time.Second)
		}
		err := <-attempts
		switch m {
		case "ok":
			require.NoError(t, err)
		case "nonsense":
			var se *listeners.StatusError
			require.ErrorAs(t, err, &se)
		default:
			require.ErrorIs(t, err, listeners.ErrUnavailable, m)
		}
	}
	cancel()
	require.NoError(t, <-done)

	require.Equal(t, []listeners.Sample{
		{At: t0, Mount: "/radio", Listeners: 3}, {At: t0, Mount: "/gone", Listeners: 0},
		{At: t0.Add(53 * time.Second), Mount: "/radio", Listeners: 3}, {At: t0.Add(53 * time.Second), Mount: "/gone", Listeners: 0},
	}, sink.all())
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "listener figures unavailable"), out)
	require.Equal(t, 1, strings.Count(out, "listener figures back"), out)
}

func TestSamplerDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	s, err := listeners.New(listeners.Config{URL: srv.URL, Sink: &memSink{}})
	require.NoError(t, err)
	_, err = s.Sample(t.Context())
	require.ErrorIs(t, err, listeners.ErrUnavailable)
}

func TestNewConfig(t *testing.T) {
	for _, tt := range []struct {
		field string
		cfg   listeners.Config
	}{
		{"URL", listeners.Config{URL: "ftp://x", Sink: &memSink{}}},
		{"URL", listeners.Config{URL: "http://", Sink: &memSink{}}},
		{"Mounts", listeners.Config{URL: "http://h", Mounts: []string{"radio"}, Sink: &memSink{}}},
		{"Sink", listeners.Config{URL: "http://h"}},
		{"Interval", listeners.Config{URL: "http://h", Sink: &memSink{}, Interval: -1}},
	} {
		_, err := listeners.New(tt.cfg)
		var ce *listeners.ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, tt.field, ce.Field)
	}
}

// TestSamplerIcecast: the real Icecast 2.4 with a real source (ffmpeg)
// and a listener that is a plain HTTP client on the mount.
func TestSamplerIcecast(t *testing.T) {
	t.Parallel()
	ffmpeg := testtool.Require(t, "ffmpeg")
	ice := icecasttest.Start(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "sine=sample_rate=8000", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "16k",
		"-content_type", "audio/mpeg", "-f", "mp3", ice.SourceURL("/radio"))
	require.NoError(t, src.Start())
	defer func() { cancel(); _ = src.Wait() }()

	s, err := listeners.New(listeners.Config{URL: ice.URL, Mounts: []string{"/radio"}, Sink: &memSink{}})
	require.NoError(t, err)
	count := func() int {
		got, err := s.Sample(ctx)
		if err != nil {
			return -1
		}
		return got[0].Listeners
	}
	all, err := listeners.New(listeners.Config{URL: ice.URL, Sink: &memSink{}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := all.Sample(ctx)
		return err == nil && len(got) == 1 && got[0].Mount == "/radio"
	}, 10*time.Second, 50*time.Millisecond, "the source never reached Icecast")
	require.Equal(t, 0, count())

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ice.URL+"/radio", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, err = io.ReadFull(resp.Body, make([]byte, 512))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return count() == 1 }, 5*time.Second, 50*time.Millisecond)
	resp.Body.Close()
	require.Eventually(t, func() bool { return count() == 0 }, 5*time.Second, 50*time.Millisecond)
}
