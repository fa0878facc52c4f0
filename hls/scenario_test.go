package hls_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// rig runs a Recorder against an hlstest origin on one FakeClock, over an
// in-memory network, inside a testing/synctest bubble. The test moves time
// with drive; after each step synctest.Wait lets every goroutine finish
// what the step set off.
type rig struct {
	t        *testing.T
	clock    *airkeep.FakeClock
	origin   *hlstest.Origin
	store    *archive.MemStore
	rec      *hls.Recorder
	requests atomic.Int64 // requests received, for start
	hook     atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
	// as maps each recorded origin variant to its name in the archive.
	as map[string]string

	mu     sync.Mutex
	pubs   []hlstest.Published
	events []hls.Event
	states []hls.State

	cancel context.CancelFunc
	wg     sync.WaitGroup
	runErr error
}

var rigStart = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func newRig(t *testing.T, ocfg hlstest.Config, rcfg hls.Config) *rig {
	t.Helper()
	r := &rig{t: t, clock: airkeep.NewFakeClock(rigStart), store: archive.NewMemStore()}
	ocfg.Clock = r.clock
	if ocfg.Variants == nil {
		ocfg.Variants = []hlstest.VariantConfig{{Name: "source", Resolution: "640x360", Bandwidth: 80_000}, {Name: "480p", Resolution: "320x180", Bandwidth: 40_000}}
	}
	ocfg.OnPublish = func(p hlstest.Published) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.pubs = append(r.pubs, p)
	}
	o, err := hlstest.New(ocfg)
	require.NoError(t, err)
	r.origin = o
	h := o.Handler()
	n := memnet.New()
	srv := n.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		if f := r.hook.Load(); f != nil && (*f)(w, req) {
			return
		}
		h.ServeHTTP(w, req)
	}))
	client := n.Client()
	t.Cleanup(func() {
		srv.Close()
		client.CloseIdleConnections()
	})
	rcfg.Stream = "radio"
	rcfg.URL = srv.URL + hlstest.MasterPath("demo")
	if rcfg.Store == nil {
		rcfg.Store = r.store
	}
	rcfg.Clock = r.clock
	rcfg.HTTPClient = client
	if rcfg.Variants == nil {
		rcfg.Variants = []string{"source", "480p"}
	}
	r.as = make(map[string]string)
	for _, v := range rcfg.Variants {
		for _, ov := range ocfg.Variants {
			if ov.Name == v {
				r.as[v] = v
			}
		}
	}
	if rcfg.Reload.MasterInterval == 0 {
		rcfg.Reload.MasterInterval = 5 * time.Second
	}
	rcfg.OnEvent = func(e hls.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.events = append(r.events, e)
	}
	rcfg.OnStateChange = func(c hls.StateChange) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.states = append(r.states, c.To)
	}
	r.rec, err = hls.New(rcfg)
	require.NoError(t, err)
	return r
}

func (r *rig) setHook(f func(w http.ResponseWriter, req *http.Request) bool) { r.hook.Store(&f) }

func (r *rig) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(2)
	go func() { defer r.wg.Done(); _ = r.origin.Run(ctx) }()
	go func() { defer r.wg.Done(); r.runErr = r.rec.Run(ctx) }()
	synctest.Wait() // the first master fetch happens at once, before any timer
	require.Positive(r.t, r.requests.Load(), "the recorder fetched its master playlist")
}

// drive advances the fake clock by step until d has passed.
func (r *rig) drive(d, step time.Duration) {
	for end := r.clock.Now().Add(d); r.clock.Now().Before(end); {
		synctest.Wait()
		r.clock.Advance(step)
	}
	synctest.Wait()
}

// finish ends the stream, drives until the capture has drained, stops the
// Recorder (driving the shutdown grace) and checks every published segment.
func (r *rig) finish() hlstest.CheckResult {
	r.t.Helper()
	r.origin.Finish()
	for i := 0; i < 600 && !r.rec.Status().Drained(); i++ {
		r.drive(500*time.Millisecond, 100*time.Millisecond)
	}
	require.True(r.t, r.rec.Status().Drained(), "capture did not drain: %+v", r.rec.Status())
	r.stop()
	// Every segment published of a recorded variant, under the variant's
	// name in the archive.
	var pubs []hlstest.Published
	r.mu.Lock()
	for _, p := range r.pubs {
		if name, ok := r.as[p.Variant]; ok {
			p.Variant = name
			pubs = append(pubs, p)
		}
	}
	r.mu.Unlock()
	res, err := hlstest.Check(context.Background(), r.store, "radio", "demo", pubs)
	require.NoError(r.t, err)
	return res
}

func (r *rig) stop() {
	r.cancel()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			require.NoError(r.t, r.runErr)
			require.Equal(r.t, hls.Stopped, r.rec.State())
			return
		default:
			synctest.Wait()
			r.clock.Advance(time.Second) // the shutdown grace runs on the clock
		}
	}
}

func (r *rig) reasons(kind hls.EventKind) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e.Reason)
		}
	}
	return out
}

func (r *rig) count(kind hls.EventKind) int { return len(r.reasons(kind)) }

func TestScenarios(t *testing.T) {
	tests := []struct {
		name   string
		origin hlstest.Config
		rec    hls.Config
		run    time.Duration
		hook   func(r *rig) func(w http.ResponseWriter, req *http.Request) bool
		as     map[string]string // origin variant → archive variant, when not the same name
		check  func(t *testing.T, r *rig, st hls.Status)
	}{
		{
			name:   "403 on the playlist hands over without losing a segment",
			origin: hlstest.Config{Faults: hlstest.Faults{TokenTTL: 25 * time.Second}},
			rec:    hls.Config{MaxURLAge: -1},
			run:    70 * time.Second,
			check: func(t *testing.T, r *rig, st hls.Status) {
				require.Positive(t, st.Total().HandOvers)
				require.Contains(t, r.reasons(hls.EventHandOver), "playlist 403")
			},
		},
		{
			name:   "URL max age rotates workers before the token expires",
			origin: hlstest.Config{Faults: hlstest.Faults{TokenTTL: 30 * time.Second}},
			rec:    hls.Config{MaxURLAge: 20 * time.Second},
			run:    70 * time.Second,
			check: func(t *testing.T, r *rig, st hls.Status) {
				rs := r.reasons(hls.EventHandOver)
				require.GreaterOrEqual(t, len(rs), 4, "3 rotations per variant: %v", rs)
				for _, x := range rs {
					require.Equal(t, "URL reached its maximum age", x)
				}
				require.Zero(t, st.Total().PlaylistErrors, "no URL was used until it expired")
			},
		},
		{
			// source's first playlist load fails, so source takes a URL from
			// the master refetched at 5 s; at 20 s, 480p's URL (from 0 s)
			// reaches its age and 480p takes source's, already 15 s old.
			// Counting its age from the new worker's start would use it
			// until 40 s, 10 s past its token's expiry.
			name: "URL max age counts from the master fetch that issued the URL",
			// A stream that began 10 s before the rig: source's first
			// segments are still listed when its second worker starts.
			origin: hlstest.Config{Start: rigStart.Add(10 * time.Second), Window: 10, Faults: hlstest.Faults{TokenTTL: 30 * time.Second}},
			rec:    hls.Config{MaxURLAge: 20 * time.Second},
			run:    70 * time.Second,
			hook: func(r *rig) func(w http.ResponseWriter, req *http.Request) bool {
				var failed atomic.Bool
				return func(w http.ResponseWriter, req *http.Request) bool {
					if req.URL.Path == hlstest.MediaPath("demo", "source") && failed.CompareAndSwap(false, true) {
						http.Error(w, "injected", http.StatusInternalServerError)
						return true
					}
					return false
				}
			},
			check: func(t *testing.T, r *rig, st hls.Status) {
				rs := r.reasons(hls.EventHandOver)
				require.NotEmpty(t, rs)
				for _, x := range rs {
					require.Equal(t, "URL reached its maximum age", x)
				}
				require.EqualValues(t, 1, st.Total().PlaylistErrors, "only the injected error: no URL was used until it expired")
			},
		},
		{
			// With nobody else polling, waiting for the next master fetch
			// (20 s) would let a 6-s window slide past unseen.
			name:   "a lone worker whose first load fails keeps trying its URL",
			origin: hlstest.Config{Start: rigStart.Add(6 * time.Second), Window: 3},
			rec:    hls.Config{Reload: hls.Reload{MasterInterval: 20 * time.Second}},
			run:    40 * time.Second,
			hook: func(r *rig) func(w http.ResponseWriter, req *http.Request) bool {
				var failures atomic.Int32
				return func(w http.ResponseWriter, req *http.Request) bool {
					if req.URL.Path == hlstest.MediaPath("demo", "source") && failures.Add(1) <= 2 {
						http.Error(w, "injected", http.StatusBadGateway)
						return true
					}
					return false
				}
			},
			check: func(t *testing.T, r *rig, st hls.Status) {
				require.EqualValues(t, 2, st.Total().PlaylistErrors)
				require.Empty(t, r.reasons(hls.EventHandOver))
			},
		},
		{
			// The first master request stalls; waiting for its 30 s hard
			// timeout would let the 6-s window slide past.
			name:   "a stalled master request is doubled after the soft timeout",
			origin: hlstest.Config{Start: rigStart.Add(6 * time.Second), Window: 3},
			run:    30 * time.Second,
			hook: func(r *rig) func(w http.ResponseWriter, req *http.Request) bool {
				var stalled atomic.Bool
				return func(w http.ResponseWriter, req *http.Request) bool {
					if req.URL.Path == hlstest.MasterPath("demo") && stalled.CompareAndSwap(false, true) {
						<-req.Context().Done()
						return true
					}
					return false
				}
			},
			check: func(t *testing.T, r *rig, st hls.Status) {
				require.Positive(t, st.Variants[0].Full)
			},
		},
		{
			name:   "ENDLIST then return resumes recording in a new epoch",
			origin: hlstest.Config{Faults: hlstest.Faults{EndEvery: 30 * time.Second, EndFor: 20 * time.Second}},
			run:    80 * time.Second,
			check: func(t *testing.T, r *rig, st hls.Status) {
				r.mu.Lock()
				states := append([]hls.State(nil), r.states...)
				r.mu.Unlock()
				require.Equal(t, []hls.State{hls.WaitingForLive, hls.Recording, hls.WaitingForLive, hls.Recording, hls.WaitingForLive, hls.Stopped}, states)
				require.EqualValues(t, 2, st.Total().Resets, "one reset per variant")
				require.Equal(t, 2, r.count(hls.EventReset))
			},
		},
		{
			name:   "a frozen playlist triggers a hand-over to a fresh URL",
			origin: hlstest.Config{Faults: hlstest.Faults{TokenTTL: time.Hour, FreezeEvery: 40 * time.Second, FreezeFor: 11 * time.Second}},
			run:    60 * time.Second,
			check: func(t *testing.T, r *rig, st hls.Status) {
				require.Contains(t, r.reasons(hls.EventHandOver), "stale playlist")
			},
		},
		{
			name: "a media playlist URL is recorded as the first variant",
			rec:  hls.Config{Variants: []string{"main"}},
			as:   map[string]string{"source": "main"},
			run:  20 * time.Second,
			hook: func(r *rig) func(w http.ResponseWriter, req *http.Request) bool {
				return func(w http.ResponseWriter, req *http.Request) bool {
					if req.URL.Path == hlstest.MasterPath("demo") {
						http.Redirect(w, req, hlstest.MediaPath("demo", "source"), http.StatusFound)
						return true
					}
					return false
				}
			},
			check: func(t *testing.T, r *rig, st hls.Status) {
				require.Len(t, st.Variants, 1)
				require.Equal(t, "main", st.Variants[0].Name)
				require.Positive(t, st.Variants[0].Full)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, tt.origin, tt.rec)
				if tt.as != nil {
					r.as = tt.as
				}
				if tt.hook != nil {
					r.setHook(tt.hook(r))
				}
				r.start()
				r.drive(tt.run, 100*time.Millisecond)
				res := r.finish()
				st := r.rec.Status()
				require.True(t, res.OK(), "missing %v corrupt %v", res.Missing, res.Corrupt)
				require.Greater(t, res.Published, 8*len(st.Variants), "every recorded variant was checked")
				require.Zero(t, st.Total().Lost(), "%+v", st.Total())
				tt.check(t, r, st)
			})
		})
	}
}

func TestScenarioSequenceResetWithoutEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The origin's sequence jumps back to 0 and counts on from there,
		// with the same URIs and no ENDLIST, as a packager restart can do.
		r := newRig(t, hlstest.Config{}, hls.Config{Variants: []string{"source"}})
		var shift atomic.Bool
		var offset atomic.Int64 // subtracted from the origin's numbers once shifted
		r.setHook(func(w http.ResponseWriter, req *http.Request) bool {
			if !shift.Load() || !strings.HasSuffix(req.URL.Path, "/index.m3u8") {
				return false
			}
			rw := httptest.NewRecorder()
			r.origin.Handler().ServeHTTP(rw, req)
			lines := strings.Split(rw.Body.String(), "\n")
			for i, l := range lines {
				if v, ok := strings.CutPrefix(l, "#EXT-X-MEDIA-SEQUENCE:"); ok {
					n, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						http.Error(w, "bad sequence from the origin", http.StatusInternalServerError)
						return true
					}
					offset.CompareAndSwap(0, n)
					lines[i] = "#EXT-X-MEDIA-SEQUENCE:" + strconv.FormatInt(n-offset.Load(), 10)
				}
			}
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			_, _ = w.Write([]byte(strings.Join(lines, "\n")))
			return true
		})
		r.start()
		r.drive(30*time.Second, 100*time.Millisecond)
		shift.Store(true)
		r.drive(20*time.Second, 100*time.Millisecond)
		require.Positive(t, offset.Load(), "the sequence was shifted back")
		res := r.finish()
		require.True(t, res.OK(), "missing %v corrupt %v", res.Missing, res.Corrupt)
		st := r.rec.Status()
		require.EqualValues(t, 1, st.Total().Resets)
		require.Equal(t, 1, r.count(hls.EventReset))
		// Segments listed again under new numbers count as new (URIs can be
		// reused after a restart), but a full copy at the same start is
		// already stored: nothing is stored twice.
		require.Zero(t, st.Total().Lost())
		require.Zero(t, st.Total().Partial)
		names := map[time.Time]int{}
		ctx := t.Context()
		hours, err := r.store.Hours(ctx, "radio", "source")
		require.NoError(t, err)
		for _, h := range hours {
			l, err := r.store.List(ctx, "radio", "source", h)
			require.NoError(t, err)
			for _, e := range l.Segments {
				names[e.Start]++
			}
		}
		require.Equal(t, res.Published, len(names), "one start per published segment")
		for start, n := range names {
			require.Equal(t, 1, n, "one file per start time (%s)", start)
		}
	})
}

// TestMissingVariantIsRetried: a variant the master does not offer is
// retried while the others record.
func TestMissingVariantIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, hlstest.Config{}, hls.Config{Variants: []string{"source", "1080p"}})
		r.start()
		r.drive(30*time.Second, 100*time.Millisecond)
		st := r.rec.Status()
		require.Equal(t, "1080p", st.Variants[0].Name)
		require.Zero(t, st.Variants[0].Workers)
		require.Zero(t, st.Variants[0].Segments())
		require.Equal(t, "source", st.Variants[1].Name)
		require.Greater(t, st.Variants[1].Full, int64(15))
		require.Equal(t, hls.Recording, st.State)
		res := r.finish()
		require.True(t, res.OK(), "missing %v corrupt %v", res.Missing, res.Corrupt)
	})
}
