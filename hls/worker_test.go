package hls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/internal/syncbuf"
)

// scripted is a media playlist server whose playlist the test writes.
type scripted struct {
	clock    *airkeep.FakeClock
	mu       sync.Mutex
	playlist string
	loads    []time.Duration // virtual times of playlist requests, from t0
	segs     map[string]int  // segment requests by path
}

func newScripted(t *testing.T, clock *airkeep.FakeClock) (*scripted, string, *http.Client) {
	s := &scripted{clock: clock, segs: make(map[string]int)}
	url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, ".m3u8") {
			s.loads = append(s.loads, clock.Now().Sub(t0))
			w.Write([]byte(s.playlist))
			return
		}
		s.segs[r.URL.Path]++
		fmt.Fprintf(w, "segment %s", r.URL.Path)
	}))
	return s, url, client
}

func (s *scripted) loadCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.loads)
}

func (s *scripted) set(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.playlist = p
}

// media writes a live playlist of TD 6 with segments first..last.
func media(first, last int, extra map[int]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:%d\n", first)
	for i := first; i <= last; i++ {
		b.WriteString(extra[i])
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n#EXTINF:6.0,\ns%d.ts\n", t0.Add(time.Duration(i)*6*time.Second).Format(time.RFC3339), i)
	}
	return b.String()
}

type recorderRig struct {
	clock  *airkeep.FakeClock
	srv    *scripted
	rec    *Recorder
	store  *archive.MemStore
	events chan Event
	cancel context.CancelFunc
	done   chan error
}

func startScripted(t *testing.T, cfg Config, playlist string) *recorderRig {
	t.Helper()
	clock := airkeep.NewFakeClock(t0)
	s, url, client := newScripted(t, clock)
	s.set(playlist)
	r := &recorderRig{clock: clock, srv: s, store: archive.NewMemStore(), events: make(chan Event, 1000), done: make(chan error, 1)}
	cfg.Stream, cfg.URL, cfg.Store, cfg.Clock, cfg.HTTPClient = "radio", url+"/live.m3u8", r.store, clock, client
	cfg.OnEvent = func(e Event) { r.events <- e }
	rec, err := New(cfg)
	require.NoError(t, err)
	r.rec = rec
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- rec.Run(ctx) }()
	synctest.Wait() // the first loads happen at t0, before any timer
	require.Positive(t, s.loadCount(), "the recorder loaded its playlist")
	return r
}

// drive moves the fake clock on by d in steps of 100 ms, letting every
// goroutine finish what each step set off.
func (r *recorderRig) drive(d time.Duration) { drive(r.clock, d, 100*time.Millisecond) }

// drive moves clock on by d in steps, waiting after each until every
// goroutine of the synctest bubble waits on the clock again.
func drive(clock *airkeep.FakeClock, d, step time.Duration) {
	for end := clock.Now().Add(d); clock.Now().Before(end); {
		synctest.Wait()
		clock.Advance(step)
	}
	synctest.Wait()
}

// waitStopped moves clock on a second at a time until Run returns on
// done, through the stop's grace, and checks that it returned nil.
func waitStopped(t *testing.T, clock *airkeep.FakeClock, done <-chan error) {
	t.Helper()
	for {
		select {
		case err := <-done:
			require.NoError(t, err)
			return
		default:
			synctest.Wait()
			clock.Advance(time.Second)
		}
	}
}

func (r *recorderRig) stop(t *testing.T) []Event {
	r.cancel()
	for {
		select {
		case err := <-r.done:
			require.NoError(t, err)
			var evs []Event
			for {
				select {
				case e := <-r.events:
					evs = append(evs, e)
				default:
					return evs
				}
			}
		default:
			synctest.Wait()
			r.clock.Advance(time.Second)
		}
	}
}

// TestReloadSchedule checks RFC 8216 §6.3.4: after a load that changed
// the playlist, wait the target duration; after one that did not, half of
// it; both timed from the start of the previous load, with jitter only
// upward.
func TestReloadSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startScripted(t, Config{MaxURLAge: -1, Reload: Reload{Stale: time.Hour}}, media(0, 2, nil))
		r.drive(7 * time.Second) // load 1 (new), load 2 6 s later (unchanged)
		r.srv.set(media(0, 3, nil))
		r.drive(4 * time.Second)  // load 3 3 s later (changed)
		r.drive(10 * time.Second) // load 4 6 s later (unchanged), load 5 3 s later
		r.stop(t)
		r.srv.mu.Lock()
		loads := append([]time.Duration(nil), r.srv.loads...)
		r.srv.mu.Unlock()
		// loads[0] is the manager's: it fetches the URL to tell a master from
		// a media playlist. The worker's schedule starts at loads[1].
		loads = loads[1:]
		require.GreaterOrEqual(t, len(loads), 5)
		want := []time.Duration{6 * time.Second, 3 * time.Second, 6 * time.Second, 3 * time.Second}
		for i, w := range want {
			got := loads[i+1] - loads[i]
			require.GreaterOrEqual(t, got, w, "interval %d: %v", i, loads)
			require.LessOrEqual(t, got, w*11/10+100*time.Millisecond, "interval %d: %v", i, loads)
		}
	})
}

func TestFixedInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startScripted(t, Config{MaxURLAge: -1, Reload: Reload{Interval: 2 * time.Second, Stale: time.Hour}}, media(0, 2, nil))
		r.drive(20 * time.Second)
		r.stop(t)
		r.srv.mu.Lock()
		defer r.srv.mu.Unlock()
		require.GreaterOrEqual(t, len(r.srv.loads), 10)
		// loads[0] is the manager's; the last is the stop's final reload.
		for i := 2; i < len(r.srv.loads)-1; i++ {
			d := r.srv.loads[i] - r.srv.loads[i-1]
			require.True(t, d >= 1800*time.Millisecond && d <= 2300*time.Millisecond, "interval %v", d)
		}
	})
}

func TestGapsAndTags(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startScripted(t, Config{MaxURLAge: -1, Reload: Reload{Stale: time.Hour}},
			media(0, 3, map[int]string{2: "#EXT-X-GAP\n", 3: "#EXT-X-DISCONTINUITY\n"}))
		r.drive(7 * time.Second)
		r.srv.set(media(10, 12, nil)) // 4..9 were never listed
		r.drive(7 * time.Second)
		evs := r.stop(t)
		kinds := map[EventKind][]Event{}
		for _, e := range evs {
			kinds[e.Kind] = append(kinds[e.Kind], e)
		}
		require.Len(t, kinds[EventGap], 1)
		require.EqualValues(t, 6, kinds[EventGap][0].Missing)
		require.EqualValues(t, 4, kinds[EventGap][0].MSN)
		require.Len(t, kinds[EventGapTag], 1)
		require.Len(t, kinds[EventDiscontinuity], 1)
		require.Len(t, kinds[EventSegment], 6)
		st := r.rec.Status().Total()
		require.EqualValues(t, 6, st.Missing)
		require.EqualValues(t, 1, st.GapTags)
		require.EqualValues(t, 6, st.Lost())
		r.srv.mu.Lock()
		defer r.srv.mu.Unlock()
		require.Zero(t, r.srv.segs["/s2.ts"], "a GAP segment is never requested")
		require.Equal(t, 1, r.srv.segs["/s1.ts"])
	})
}

func TestStalePlaylistHandsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startScripted(t, Config{MaxURLAge: -1}, media(0, 2, nil))
		r.drive(30 * time.Second) // never changes again
		evs := r.stop(t)
		var reasons []string
		for _, e := range evs {
			if e.Kind == EventHandOver {
				reasons = append(reasons, e.Reason)
			}
		}
		require.NotEmpty(t, reasons)
		require.Equal(t, "stale playlist", reasons[0])
	})
}

func TestPDTSkewMarksSuspect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := media(0, 1, nil) + "#EXT-X-PROGRAM-DATE-TIME:" + t0.Add(12*time.Second+500*time.Millisecond).Format(time.RFC3339Nano) + "\n#EXTINF:6.0,\ns2.ts\n"
		r := startScripted(t, Config{MaxURLAge: -1, Reload: Reload{Stale: time.Hour}}, p)
		r.drive(time.Second)
		evs := r.stop(t)
		var skew []Event
		for _, e := range evs {
			if e.Kind == EventSkew {
				skew = append(skew, e)
			}
		}
		require.Len(t, skew, 1)
		require.Equal(t, 500*time.Millisecond, skew[0].Skew)
		st := r.rec.Status().Total()
		require.EqualValues(t, 1, st.Skews)
		require.EqualValues(t, 1, st.Suspect, "the skewed segment and later ones are suspect")
		require.EqualValues(t, 2, st.Full)
	})
}

func TestConfigErrors(t *testing.T) {
	store := archive.NewMemStore()
	ok := Config{Stream: "s", URL: "https://x/m.m3u8", Store: store}
	tests := []struct {
		field string
		edit  func(c *Config)
	}{
		{"Stream", func(c *Config) { c.Stream = "" }},
		{"Stream", func(c *Config) { c.Stream = "../x" }},
		{"URL", func(c *Config) { c.URL = "" }},
		{"URL", func(c *Config) { c.URL = "ftp://x/m" }},
		{"URL", func(c *Config) { c.Source = func(context.Context) (string, error) { return "", nil } }},
		{"Store", func(c *Config) { c.Store = nil }},
		{"Variants", func(c *Config) { c.Variants = []string{"a", "a"} }},
		{"Variants", func(c *Config) { c.Variants = []string{"a/b"} }},
		{"Timeouts.HeadersSoft", func(c *Config) { c.Timeouts.HeadersSoft = time.Minute; c.Timeouts.HeadersHard = time.Second }},
		{"Timeouts.GiveUp", func(c *Config) { c.Timeouts.GiveUp = -1 }},
		{"Reload.Max", func(c *Config) { c.Reload.Min = time.Second; c.Reload.Max = time.Millisecond }},
		{"Limits.Getters", func(c *Config) { c.Limits.Getters = -1 }},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		_, err := New(c)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, tt.field, ce.Field)
	}
	// A name the archive refuses keeps the archive's error as its cause.
	c := ok
	c.Variants = []string{"a/b"}
	_, err := New(c)
	var ne *archive.NameError
	require.ErrorAs(t, err, &ne)
	require.Equal(t, "a/b", ne.Value)
	_, err = New(ok)
	require.NoError(t, err)
}

// TestRestartBacksOff has a Source that fails permanently: the task goes to
// restarting and tries again later, more slowly each time.
func TestRestartBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := airkeep.NewFakeClock(t0)
		var calls []time.Time
		var mu sync.Mutex
		var states []State
		var logs syncbuf.Buffer
		rec, err := New(Config{
			Stream: "s", Store: archive.NewMemStore(), Clock: clock,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			Source: func(context.Context) (string, error) {
				mu.Lock()
				defer mu.Unlock()
				calls = append(calls, clock.Now())
				return "", backoff.Permanent(errors.New("channel deleted"))
			},
			OnStateChange: func(c StateChange) {
				mu.Lock()
				defer mu.Unlock()
				states = append(states, c.To)
			},
		})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rec.Run(ctx) }()
		for i := 0; i < 60; i++ {
			synctest.Wait()
			clock.Advance(time.Second)
		}
		synctest.Wait()
		st := rec.Status()
		require.GreaterOrEqual(t, st.Restarts, 3)
		require.ErrorContains(t, st.LastErr, "channel deleted")
		cancel()
		require.NoError(t, <-done)
		mu.Lock()
		defer mu.Unlock()
		// The restart backoff starts at 1 s and grows by 1.5 with ±50 %
		// jitter; the clock moves in whole seconds, so a timer fires up to 1 s
		// late. Within 60 s, at least 8 attempts are certain.
		require.GreaterOrEqual(t, len(calls), 8, "%v", calls)
		base := time.Second.Seconds()
		for i := 1; i < len(calls); i++ {
			wait := calls[i].Sub(calls[i-1]).Seconds()
			require.GreaterOrEqual(t, wait, 0.5*base, "wait %d of %v", i, calls)
			require.Less(t, wait, 1.5*base+1, "wait %d of %v", i, calls)
			base *= 1.5
		}
		// The error is returned to the Recorder, which logs it once per
		// restart: the manager does not log it too.
		require.Equal(t, len(calls), strings.Count(logs.String(), "channel deleted"), logs.String())
		require.Equal(t, []State{WaitingForLive, Restarting, WaitingForLive}, states[:3])
		require.Equal(t, Stopped, states[len(states)-1])
		require.ErrorIs(t, rec.Run(context.Background()), ErrStopped)
	})
}

// TestLateListingFillsGapNotReset: a playlist lagging behind lists
// segments that were counted missing. They are fetched and counted
// recovered; the sequence going back is not taken for a reset.
func TestLateListingFillsGapNotReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startScripted(t, Config{MaxURLAge: -1, Reload: Reload{Stale: time.Hour}}, media(0, 3, nil))
		r.drive(7 * time.Second)
		r.srv.set(media(10, 12, nil))
		r.drive(7 * time.Second)
		r.srv.set(media(5, 8, nil)) // a lagging edge
		r.drive(7 * time.Second)
		r.stop(t)
		st := r.rec.Status().Total()
		require.Zero(t, st.Resets)
		require.EqualValues(t, 6, st.Missing)
		require.EqualValues(t, 4, st.Recovered)
		require.EqualValues(t, 2, st.Lost(), "4 and 9 were never listed")
		require.EqualValues(t, 11, st.Full)
	})
}

// TestDatesWithoutPDT: a stream with no program date-time is dated from the
// fetch that first saw it (its last segment ends at the fetch) and carried
// on by media sequence number, so later playlists agree.
func TestDatesWithoutPDT(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		noPDT := func(first, last int) string {
			var b strings.Builder
			fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:%d\n", first)
			for i := first; i <= last; i++ {
				fmt.Fprintf(&b, "#EXTINF:6.0,\ns%d.ts\n", i)
			}
			return b.String()
		}
		r := startScripted(t, Config{MaxURLAge: -1, Reload: Reload{Stale: time.Hour}}, noPDT(0, 2))
		r.drive(7 * time.Second)
		r.srv.set(noPDT(1, 4))
		r.drive(20 * time.Second)
		r.stop(t)
		entries := listAll(t, r.store)
		require.Len(t, entries, 5)
		// The manager's first fetch and the worker's both happen at t0: s2
		// ends at t0, so s0 starts 18 s before it; every later segment follows
		// 6 s after the one before, whichever playlist listed it.
		for i, e := range entries {
			require.Equal(t, t0.Add(-18*time.Second+time.Duration(i)*6*time.Second), e.Start, "segment %d", i)
		}
	})
}

// TestPlaylistSoftTimeout: a media playlist load that has not answered
// after Timeouts.PlaylistSoft (5 s) asks for a fresh URL and sets off one
// new worker, which replaces the slow one; 1 ns before, nothing happens.
func TestPlaylistSoftTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := airkeep.NewFakeClock(t0)
		var mu sync.Mutex
		loads, cut := 0, 0
		url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, ".m3u8") {
				fmt.Fprintf(w, "segment %s", r.URL.Path)
				return
			}
			mu.Lock()
			loads++
			n := loads
			mu.Unlock()
			if n == 2 { // the first worker's first load; the first is the manager's
				<-r.Context().Done()
				mu.Lock()
				cut++
				mu.Unlock()
				return
			}
			w.Write([]byte(media(0, 2, nil)))
		}))
		rec, err := New(Config{Stream: "radio", URL: url + "/live.m3u8", Store: archive.NewMemStore(), Clock: clock, HTTPClient: client,
			MaxURLAge: -1, Reload: Reload{MasterInterval: 2 * time.Second, Stale: time.Hour}})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rec.Run(ctx) }()
		look := func() [2]int {
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			return [2]int{loads, cut}
		}
		require.Equal(t, [2]int{2, 0}, look(), "the worker's first load is waiting")
		clock.Advance(5*time.Second - time.Nanosecond)
		require.Equal(t, [2]int{2, 0}, look(), "1 ns before the soft timeout")
		clock.Advance(time.Nanosecond)
		require.Equal(t, [2]int{3, 0}, look(), "at the soft timeout: a fresh master fetch")
		// A URL counts as fresh from a fetch begun after the request, so
		// the new worker takes its URL from the next master fetch (2 s ±
		// 10 % later) and loads it; the slow one, which never delivered,
		// is then stopped.
		clock.Advance(2200 * time.Millisecond)
		require.Equal(t, [2]int{5, 1}, look(), "one new worker")
		require.Equal(t, 1, rec.Status().Variants[0].Workers)
		cancel()
		waitStopped(t, clock, done)
	})
}

// TestStopListsWhatWasPublished: a stop reads the playlist once more, so
// a segment published since the last reload and begun before the stop is
// recorded; one begun after the stop is not.
func TestStopListsWhatWasPublished(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startScripted(t, Config{MaxURLAge: -1, Reload: Reload{Stale: time.Hour}}, media(0, 2, nil))
		r.drive(20 * time.Second) // s0-s2 stored; reloads every 3 s find nothing new
		// s3 (from 18 s) and s4 (from 24 s) appear between two reloads, and
		// the stop comes at 20 s, before the next reload.
		r.srv.set(media(0, 4, nil))
		r.stop(t)
		var starts []time.Duration
		for _, e := range listAll(t, r.store) {
			starts = append(starts, e.Start.Sub(t0))
		}
		require.Equal(t, []time.Duration{0, 6 * time.Second, 12 * time.Second, 18 * time.Second}, starts)
		r.srv.mu.Lock()
		defer r.srv.mu.Unlock()
		require.Zero(t, r.srv.segs["/s4.ts"], "a segment begun after the stop is not fetched")
	})
}

// TestReloadsSlowWhileBehind: while a variant's segments wait for a
// getter, its playlist is reloaded every third of the playlist's duration
// instead of every target duration, and a slow reload does not hand the
// worker over; once the queue drains, RFC 8216's schedule resumes.
func TestReloadsSlowWhileBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := airkeep.NewFakeClock(t0)
		release := make(chan struct{})
		var mu sync.Mutex
		var loads []time.Duration
		url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, ".m3u8") {
				mu.Lock()
				loads = append(loads, clock.Now().Sub(t0))
				mu.Unlock()
				w.Write([]byte(media(0, 5, nil))) // 36 s listed
				return
			}
			if r.URL.Path == "/s0.ts" {
				select { // the first segment stalls: the rest queue behind it
				case <-release:
				case <-r.Context().Done():
					return
				}
			}
			fmt.Fprintf(w, "segment %s", r.URL.Path)
		}))
		store := archive.NewMemStore()
		rec, err := New(Config{Stream: "radio", URL: url + "/live.m3u8", Store: store, Clock: clock, HTTPClient: client, MaxURLAge: -1,
			Limits:   Limits{Getters: 1},
			Timeouts: Timeouts{HeadersSoft: time.Hour, HeadersHard: 2 * time.Hour, BodySoft: time.Hour, BodyHard: 2 * time.Hour, PlaylistSoft: time.Second},
			Reload:   Reload{Stale: time.Hour}})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rec.Run(ctx) }()
		intervals := func() []time.Duration {
			mu.Lock()
			defer mu.Unlock()
			var out []time.Duration
			for i := 2; i < len(loads); i++ { // loads[0] is the manager's
				out = append(out, loads[i]-loads[i-1])
			}
			return out
		}
		drive(clock, 40*time.Second, 100*time.Millisecond)
		behind := intervals()
		require.GreaterOrEqual(t, len(behind), 2, "%v", behind)
		for _, d := range behind {
			require.GreaterOrEqual(t, d, 12*time.Second, "behind: %v", behind)
			require.LessOrEqual(t, d, 13300*time.Millisecond, "behind: %v", behind)
		}
		close(release)
		drive(clock, 30*time.Second, 100*time.Millisecond)
		after := intervals()[len(behind)+1:] // the reload that found the queue drained, then RFC 8216's
		require.GreaterOrEqual(t, len(after), 3, "%v", after)
		for _, d := range after {
			require.LessOrEqual(t, d, 3300*time.Millisecond, "caught up: %v", after)
		}
		require.Len(t, listAll(t, store), 6)
		require.Zero(t, rec.Status().Total().HandOvers)
		cancel()
		waitStopped(t, clock, done)
	})
}
