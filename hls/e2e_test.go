package hls_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// capture runs a Recorder against an hlstest origin on a shared scaled
// clock until the origin has streamed for streamFor, then finishes the
// stream, waits for the capture to drain, stops it, and returns what was
// published and the store.
type captureResult struct {
	published []hlstest.Published
	store     *archive.MemStore
	status    hls.Status
	events    map[hls.EventKind]int
}

func capture(t *testing.T, ocfg hlstest.Config, rcfg hls.Config, speed float64, streamFor time.Duration) captureResult {
	t.Helper()
	before := runtime.NumGoroutine()
	clock := hlstest.NewScaledClock(time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC), speed)
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
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()

	res.store = archive.NewMemStore()
	rcfg.URL = srv.URL + hlstest.MasterPath(o.Channels()[0])
	rcfg.Stream = "e2e"
	rcfg.Store = res.store
	rcfg.Clock = clock
	rcfg.HTTPClient = hls.DefaultHTTPClient(32)
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

	require.NoError(t, airkeepSleep(t, clock, streamFor))
	o.Finish()
	// Drain: every variant has seen the end and nothing is in flight.
	require.Eventually(t, func() bool {
		st := rec.Status()
		if st.State == hls.Recording {
			return false
		}
		tot := st.Total()
		return tot.InFlight == 0 && tot.Queued == 0
	}, 60*time.Second, 20*time.Millisecond)
	cancel()
	wg.Wait()
	require.NoError(t, <-runErr)
	require.Equal(t, hls.Stopped, rec.State())
	res.status = rec.Status()
	srv.Close()
	srv.Client().CloseIdleConnections()
	rcfg.HTTPClient.CloseIdleConnections()
	if !waitGoroutines(before, 10*time.Second) {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines leaked: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
	return res
}

// waitGoroutines waits until no more than n goroutines run: a check for
// leaks written by hand (what goleak does), after Run has returned.
func waitGoroutines(n int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			return false
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func airkeepSleep(t *testing.T, c *hlstest.ScaledClock, d time.Duration) error {
	timer := c.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C():
		return nil
	case <-t.Context().Done():
		return t.Context().Err()
	}
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
// restart at sequence 0) on a 10× clock, and checks that every published
// segment is stored byte-exact under its own start time. At 20× a busy
// machine lost segments: a goroutine held up for 1 s of real time is 20 s
// of stream time, a whole live window.
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
			small := []hlstest.VariantConfig{{Name: "source", Resolution: "1280x720", Bandwidth: 400_000}, {Name: "480p", Resolution: "854x480", Bandwidth: 160_000}}
			tt.reload.MasterInterval = 5 * time.Second
			res := capture(t,
				hlstest.Config{Variants: small, Window: 10, Faults: tt.faults, Seed: 7},
				hls.Config{Variants: []string{"source", "480p"}, Reload: tt.reload, MaxURLAge: 60 * time.Second},
				10, 180*time.Second)
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
	}
}
