package hls_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
	"github.com/airkeep/airkeep/internal/memnet"
)

// capture runs a Recorder against an hlstest origin, both on clock, until
// the origin has streamed for streamFor, then finishes the stream, waits
// for the capture to drain, stops it, and returns what was published and
// the store. serve starts the origin's HTTP server and returns its URL and
// a client for it.
type captureResult struct {
	published []hlstest.Published
	store     *archive.MemStore
	status    hls.Status
	events    map[hls.EventKind]int
}

type serveFunc func(t *testing.T, h http.Handler) (url string, client *http.Client)

// serveMem serves on an in-memory network, for a synctest bubble.
func serveMem(t *testing.T, h http.Handler) (string, *http.Client) {
	n := memnet.New()
	srv := n.NewServer(h)
	c := n.Client()
	t.Cleanup(func() {
		srv.Close()
		c.CloseIdleConnections()
	})
	return srv.URL, c
}

// serveLoopback serves on a loopback socket, for the real clock.
func serveLoopback(t *testing.T, h http.Handler) (string, *http.Client) {
	srv := httptest.NewServer(h)
	c := hls.DefaultHTTPClient(32)
	t.Cleanup(func() {
		srv.Close()
		c.CloseIdleConnections()
	})
	return srv.URL, c
}

func capture(t *testing.T, clock airkeep.Clock, serve serveFunc, ocfg hlstest.Config, rcfg hls.Config, streamFor time.Duration) captureResult {
	t.Helper()
	var mu sync.Mutex
	var res captureResult
	res.events = make(map[hls.EventKind]int)
	ocfg.Clock = clock
	ocfg.OnPublish = func(p hlstest.Published) {
		mu.Lock()
		defer mu.Unlock()
		res.published = append(res.published, p)
	}
	o, err := hlstest.New(ocfg)
	require.NoError(t, err)
	url, client := serve(t, o.Handler())

	res.store = archive.NewMemStore()
	rcfg.URL = url + hlstest.MasterPath(o.Channels()[0])
	rcfg.Stream = "e2e"
	rcfg.Store = res.store
	rcfg.Clock = clock
	rcfg.HTTPClient = client
	rcfg.OnEvent = func(e hls.Event) {
		mu.Lock()
		defer mu.Unlock()
		res.events[e.Kind]++
	}
	rec, err := hls.New(rcfg)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = o.Run(ctx) }()
	runErr := make(chan error, 1)
	go func() { defer wg.Done(); runErr <- rec.Run(ctx) }()

	require.NoError(t, airkeep.Sleep(t.Context(), clock, streamFor))
	o.Finish()
	// Drain: every variant has seen the end and nothing is in flight. The
	// Status is looked at every half second of the clock's time.
	for i := 0; ; i++ {
		st := rec.Status()
		if st.State != hls.Recording && st.Drained() {
			break
		}
		require.Less(t, i, 120, "capture did not drain within a minute: %+v", st)
		require.NoError(t, airkeep.Sleep(t.Context(), clock, 500*time.Millisecond))
	}
	cancel()
	wg.Wait()
	require.NoError(t, <-runErr)
	require.Equal(t, hls.Stopped, rec.State())
	res.status = rec.Status()
	return res
}

// storedFull maps the hashes of the full segments stored for a variant to
// their start times.
func storedFull(t *testing.T, store *archive.MemStore, stream, variant string) map[archive.Hash]time.Time {
	t.Helper()
	ctx := t.Context()
	out := make(map[archive.Hash]time.Time)
	hours, err := store.Hours(ctx, stream, variant)
	require.NoError(t, err)
	for _, h := range hours {
		l, err := store.List(ctx, stream, variant, h)
		require.NoError(t, err)
		for _, e := range l.Segments {
			rc, err := store.Open(ctx, e.Segment)
			require.NoError(t, err)
			b, err := io.ReadAll(rc)
			require.NoError(t, err)
			rc.Close()
			require.Equal(t, archive.Hash(sha256.Sum256(b)), e.Hash, "name hash matches bytes")
			if e.Type == archive.Full || e.Type == archive.Suspect {
				out[e.Hash] = e.Start
			}
		}
	}
	return out
}

// TestCaptureEveryFault captures from the simulated origin with every
// fault on (500s on segments and playlists, stalls, slow headers,
// truncated bodies, expiring tokens, frozen playlists, ENDLIST then a
// restart at sequence 0), and checks that every published segment is
// stored byte-exact under its own start time. It runs in a synctest
// bubble over an in-memory network: time moves only when every goroutine
// waits on it, so three minutes of stream take a fraction of a second and
// a busy machine cannot make the capture late.
func TestCaptureEveryFault(t *testing.T) {
	tests := []struct {
		name   string
		faults hlstest.Faults
		reload hls.Reload
	}{
		{name: "clean"},
		{
			name: "every fault",
			faults: hlstest.Faults{
				ErrorRate: 0.1, PlaylistErrorRate: 0.05, StallRate: 0.05, SlowHeadersRate: 0.05, TruncateRate: 0.05,
				StallFor: 40 * time.Second, TokenTTL: 90 * time.Second,
				FreezeEvery: 50 * time.Second, FreezeFor: 6 * time.Second,
				EndEvery: 70 * time.Second, EndFor: 15 * time.Second,
			},
		},
		{
			name:   "every fault, wubloader's fixed 2 s reload",
			faults: hlstest.Faults{ErrorRate: 0.1, StallRate: 0.05, TruncateRate: 0.05, TokenTTL: 90 * time.Second, EndEvery: 70 * time.Second, EndFor: 15 * time.Second},
			reload: hls.Reload{Interval: 2 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				small := []hlstest.VariantConfig{{Name: "source", Resolution: "1280x720", Bandwidth: 400_000}, {Name: "480p", Resolution: "854x480", Bandwidth: 160_000}}
				tt.reload.MasterInterval = 5 * time.Second
				// Inside the bubble the system clock is the bubble's.
				res := capture(t, airkeep.SystemClock(), serveMem,
					hlstest.Config{Variants: small, Window: 10, Faults: tt.faults, Seed: 7},
					hls.Config{Variants: []string{"source", "480p"}, Reload: tt.reload, MaxURLAge: 60 * time.Second},
					180*time.Second)
				require.NotEmpty(t, res.published)
				for _, variant := range []string{"source", "480p"} {
					got := storedFull(t, res.store, "e2e", variant)
					n := 0
					for _, p := range res.published {
						if p.Variant != variant {
							continue
						}
						n++
						start, ok := got[p.SHA256]
						require.True(t, ok, "%s %s not stored whole; counters %+v, events %v", variant, p.Path, res.status.Total(), res.events)
						require.True(t, p.Start.Equal(start), "%s stored at %v, published at %v", p.Path, start, p.Start)
					}
					require.Greater(t, n, 80)
				}
				tot := res.status.Total()
				require.Zero(t, tot.Lost(), "%+v", tot)
				t.Logf("%s: %+v events %v", tt.name, tot, res.events)
				if tt.faults.EndEvery > 0 {
					require.Positive(t, tot.Resets)
				}
				if tt.faults.StallRate > 0 || tt.faults.TruncateRate > 0 {
					require.Positive(t, tot.Partial, "truncated bodies are kept as partial")
				}
			})
		})
	}
}

// TestCaptureSmoke is the one end-to-end capture on the real clock and a
// loopback socket: what the bubble above cannot show, that real timers and
// sockets behave as the fake ones. It runs at twice real time, short and
// clean, so a busy machine does not make it fail.
func TestCaptureSmoke(t *testing.T) {
	t.Parallel()
	small := []hlstest.VariantConfig{{Name: "source", Resolution: "640x360", Bandwidth: 200_000}, {Name: "480p", Resolution: "320x180", Bandwidth: 80_000}}
	res := capture(t, hlstest.NewScaledClock(time.Now(), 2), serveLoopback,
		hlstest.Config{Variants: small, Window: 10, Seed: 7},
		hls.Config{Variants: []string{"source", "480p"}, Reload: hls.Reload{MasterInterval: 5 * time.Second}},
		12*time.Second)
	for _, variant := range []string{"source", "480p"} {
		got := storedFull(t, res.store, "e2e", variant)
		n := 0
		for _, p := range res.published {
			if p.Variant != variant {
				continue
			}
			n++
			start, ok := got[p.SHA256]
			require.True(t, ok, "%s %s not stored whole; counters %+v", variant, p.Path, res.status.Total())
			require.True(t, p.Start.Equal(start), "%s stored at %v, published at %v", p.Path, start, p.Start)
		}
		require.GreaterOrEqual(t, n, 10)
	}
	require.Zero(t, res.status.Total().Lost())
}
