package hls

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
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
	"github.com/airkeep/airkeep/hls/playlist"
	"github.com/airkeep/airkeep/internal/memnet"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// In these tests the origin is served on an in-memory network inside a
// testing/synctest bubble, with every component on one FakeClock:
// synctest.Wait returns once every goroutine (getters, watchdogs, the HTTP
// client and server) waits on the clock, so a test moves time and then
// looks, without polling or sleeping.

// serve starts h on an in-memory network and returns its URL and a client
// for it; both are closed when the test ends.
func serve(t *testing.T, h http.Handler) (string, *http.Client) {
	t.Helper()
	n := memnet.New()
	srv := n.NewServer(h)
	c := n.Client()
	t.Cleanup(func() {
		srv.Close()
		c.CloseIdleConnections()
	})
	return srv.URL, c
}

// testVariant builds a variant outside a running Recorder, so a test can
// hand its getters jobs directly.
func testVariant(t *testing.T, clock airkeep.Clock, client *http.Client, store archive.Store, cfg Config) (*variant, func()) {
	t.Helper()
	cfg.Stream, cfg.URL, cfg.Store, cfg.Clock, cfg.HTTPClient = "radio", "http://127.0.0.1/m.m3u8", store, clock, client
	cfg.Logger = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r, err := New(cfg)
	require.NoError(t, err)
	sess := newSession(r)
	v := sess.variants["source"]
	ctx, cancel := context.WithCancel(context.Background())
	v.workCtx, v.getCtx, v.stopping = ctx, ctx, make(chan struct{})
	return v, func() { cancel() }
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// runGetter runs one getter for seg in the background.
func runGetter(v *variant, seg playlist.Segment) chan struct{} {
	done := make(chan struct{})
	j := &job{seg: seg, start: t0, maps: newBlobCache(4, &v.fetches), seen: v.s.clock.Now(), host: hostOf(seg.URI)}
	go func() {
		defer close(done)
		(&getter{v: v, j: j, stopping: v.stopping}).run(v.getCtx)
	}()
	return done
}

func listAll(t *testing.T, store archive.Store) []archive.Entry {
	t.Helper()
	var out []archive.Entry
	ctx := context.Background()
	hours, err := store.Hours(ctx, "radio", "source")
	require.NoError(t, err)
	for _, h := range hours {
		l, err := store.List(ctx, "radio", "source", h)
		require.NoError(t, err)
		out = append(out, l.Segments...)
	}
	return out
}

func readSeg(t *testing.T, store archive.Store, s archive.Segment) []byte {
	t.Helper()
	rc, err := store.Open(context.Background(), s)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

// finished reports whether done is closed once the bubble is idle.
func finished(done <-chan struct{}) bool {
	synctest.Wait()
	select {
	case <-done:
		return true
	default:
		return false
	}
}

var payload = bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB

// seen is what a deadline test observes: requests the origin received,
// requests whose client went away before the handler was done, and the
// files stored by type.
type seen struct {
	requests, cut          int
	full, suspect, partial int
}

// TestGetterDeadlines pins each deadline of a segment download on the
// fake clock: 1 ns before it nothing has happened (no second attempt, no
// partial, no cut); at it, exactly what it is for happens, once. The
// segment lasts 2 s, so the soft limits left at 0 are 2 s (headers) and
// 4 s (body); the hard ones are 60 s and 240 s.
func TestGetterDeadlines(t *testing.T) {
	stall := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	half := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload[:20000])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	whole := func(w http.ResponseWriter, r *http.Request) { w.Write(payload) }
	tests := []struct {
		name          string
		limits        Limits
		first         func(w http.ResponseWriter, r *http.Request) // later requests get the whole segment
		at            time.Duration
		before, after seen
	}{
		{
			name:   "headers soft: a parallel attempt, which wins",
			first:  stall,
			at:     2 * time.Second,
			before: seen{requests: 1},
			after:  seen{requests: 2, cut: 1, full: 1},
		},
		{
			name:   "headers hard: the attempt is cut, nothing kept",
			limits: Limits{Attempts: 1},
			first:  stall,
			at:     60 * time.Second,
			before: seen{requests: 1},
			after:  seen{requests: 1, cut: 1},
		},
		{
			name:   "body soft: a parallel attempt, which wins; the slow one is not kept",
			first:  half,
			at:     4 * time.Second,
			before: seen{requests: 1},
			after:  seen{requests: 2, cut: 1, full: 1},
		},
		{
			name:   "body hard: the attempt is cut and what arrived kept as partial",
			limits: Limits{Attempts: 1},
			first:  half,
			at:     240 * time.Second,
			before: seen{requests: 1},
			after:  seen{requests: 1, cut: 1, partial: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock := airkeep.NewFakeClock(t0)
				var mu sync.Mutex
				var got seen
				url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					got.requests++
					n := got.requests
					mu.Unlock()
					if n == 1 {
						tt.first(w, r)
					} else {
						whole(w, r)
					}
					if r.Context().Err() != nil {
						mu.Lock()
						got.cut++
						mu.Unlock()
					}
				}))
				store := archive.NewMemStore()
				v, stop := testVariant(t, clock, client, store, Config{Limits: tt.limits})
				defer stop()
				done := runGetter(v, playlist.Segment{URI: url + "/a.ts", Duration: 2})
				look := func() seen {
					synctest.Wait()
					mu.Lock()
					defer mu.Unlock()
					s := got
					for _, e := range listAll(t, store) {
						switch e.Type {
						case archive.Full:
							s.full++
						case archive.Suspect:
							s.suspect++
						case archive.Partial:
							s.partial++
						}
					}
					return s
				}
				require.Equal(t, seen{requests: 1}, look(), "the first attempt is waiting")
				clock.Advance(tt.at - time.Nanosecond)
				require.Equal(t, tt.before, look(), "1 ns before the deadline")
				clock.Advance(time.Nanosecond)
				require.Equal(t, tt.after, look(), "at the deadline")
				if tt.after.full == 0 {
					// Let the retry store it, so that the getter ends.
					for !finished(done) {
						clock.Advance(time.Second)
					}
				}
				require.True(t, finished(done))
			})
		})
	}
}

// TestGetterSuspect: a download that took Timeouts.Suspect (59 s) or more
// is kept as suspect, one that took less as full.
func TestGetterSuspect(t *testing.T) {
	for _, tt := range []struct {
		took time.Duration
		want archive.Type
	}{
		{59*time.Second - time.Nanosecond, archive.Full},
		{59 * time.Second, archive.Suspect},
	} {
		t.Run(tt.took.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock := airkeep.NewFakeClock(t0)
				url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
					w.Write(payload[:20000])
					w.(http.Flusher).Flush()
					timer := clock.NewTimer(tt.took)
					defer timer.Stop()
					<-timer.C()
					w.Write(payload[20000:])
				}))
				store := archive.NewMemStore()
				// One attempt: the body soft limit (4 s) starts no other.
				v, stop := testVariant(t, clock, client, store, Config{Limits: Limits{Attempts: 1}})
				defer stop()
				done := runGetter(v, playlist.Segment{URI: url + "/a.ts", Duration: 2})
				synctest.Wait()
				clock.Advance(tt.took)
				require.True(t, finished(done))
				entries := listAll(t, store)
				require.Len(t, entries, 1)
				require.Equal(t, tt.want, entries[0].Type)
				require.Equal(t, payload, readSeg(t, store, entries[0].Segment))
			})
		})
	}
}

func TestGetterOutcomes(t *testing.T) {
	key := []byte("0123456789ABCDEF")
	iv := make([]byte, 16)
	iv[15] = 7 // MSN 7
	enc := func(plain []byte) []byte {
		b, _ := aes.NewCipher(key)
		pad := 16 - len(plain)%16
		p := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(p, p)
		return p
	}
	tests := []struct {
		name    string
		handler func(n int, w http.ResponseWriter, r *http.Request)
		seg     func(base string) playlist.Segment
		want    []archive.Type
		wantHas [][]byte // bytes of the stored files, in type order
		giveUp  bool
	}{
		{
			name: "truncated body, then whole: partial with the right hash, then full",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
				if n == 1 {
					w.Write(payload[:1000])
					return
				}
				w.Write(payload)
			},
			seg:     func(b string) playlist.Segment { return playlist.Segment{URI: b + "/a.ts", Duration: 2} },
			want:    []archive.Type{archive.Full, archive.Partial},
			wantHas: [][]byte{payload, payload[:1000]},
		},
		{
			name: "500 then success",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n < 3 {
					http.Error(w, "boom", 500)
					return
				}
				w.Write(payload)
			},
			seg:     func(b string) playlist.Segment { return playlist.Segment{URI: b + "/a.ts", Duration: 2} },
			want:    []archive.Type{archive.Full},
			wantHas: [][]byte{payload},
		},
		{
			name:    "404 ends the getter at once",
			handler: func(n int, w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			seg:     func(b string) playlist.Segment { return playlist.Segment{URI: b + "/a.ts", Duration: 2} },
			giveUp:  true,
		},
		{
			name:    "empty body is suspect",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {},
			seg:     func(b string) playlist.Segment { return playlist.Segment{URI: b + "/a.ts", Duration: 2} },
			want:    []archive.Type{archive.Suspect},
			wantHas: [][]byte{{}},
		},
		{
			name: "init section prepended, byte range requested",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/init.mp4":
					w.Write([]byte("INIT"))
				case r.Header.Get("Range") == "bytes=100-199":
					w.WriteHeader(http.StatusPartialContent)
					w.Write(payload[100:200])
				default:
					http.Error(w, "want a range", 400)
				}
			},
			seg: func(b string) playlist.Segment {
				return playlist.Segment{URI: b + "/all.mp4", Duration: 2, Range: &playlist.ByteRange{Offset: 100, Length: 100}, Map: &playlist.Map{URI: b + "/init.mp4"}}
			},
			want:    []archive.Type{archive.Full},
			wantHas: [][]byte{append([]byte("INIT"), payload[100:200]...)},
		},
		{
			name: "byte range ignored by the server is cut out",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Write(payload)
			},
			seg: func(b string) playlist.Segment {
				return playlist.Segment{URI: b + "/all.ts", Duration: 2, Range: &playlist.ByteRange{Offset: 10, Length: 50}}
			},
			want:    []archive.Type{archive.Full},
			wantHas: [][]byte{payload[10:60]},
		},
		{
			name: "AES-128 decrypted with the MSN as IV",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/key" {
					w.Write(key)
					return
				}
				w.Write(enc(payload[:5000]))
			},
			seg: func(b string) playlist.Segment {
				return playlist.Segment{URI: b + "/a.ts", Duration: 2, MSN: 7, Key: &playlist.Key{Method: "AES-128", URI: b + "/key"}}
			},
			want:    []archive.Type{archive.Full},
			wantHas: [][]byte{payload[:5000]},
		},
		{
			name: "a key of the wrong size is refused",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/key" {
					w.Write([]byte("short"))
					return
				}
				w.Write(payload)
			},
			seg: func(b string) playlist.Segment {
				return playlist.Segment{URI: b + "/a.ts", Duration: 2, Key: &playlist.Key{Method: "AES-128", URI: b + "/key"}}
			},
			giveUp: true,
		},
		{
			name:    "a body over the size limit is refused",
			handler: func(n int, w http.ResponseWriter, r *http.Request) { w.Write(payload) },
			seg:     func(b string) playlist.Segment { return playlist.Segment{URI: b + "/big.ts", Duration: 2} },
			giveUp:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock := airkeep.NewFakeClock(t0)
				var n atomic.Int32
				url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					tt.handler(int(n.Add(1)), w, r)
				}))
				store := archive.NewMemStore()
				cfg := Config{Timeouts: Timeouts{GiveUp: time.Minute}}
				if strings.Contains(tt.name, "size limit") {
					cfg.Limits.SegmentBytes = 1000
				}
				v, stop := testVariant(t, clock, client, store, cfg)
				defer stop()
				done := runGetter(v, tt.seg(url))
				// Drive retries and the give-up time on the fake clock.
				for i := 0; i < 200 && !finished(done); i++ {
					clock.Advance(time.Second)
				}
				require.True(t, finished(done), "the getter ended within the give-up time")
				entries := listAll(t, store)
				if tt.giveUp {
					require.Empty(t, entries)
					require.EqualValues(t, 1, v.c.GiveUps.Load())
					return
				}
				require.Len(t, entries, len(tt.want))
				got := map[archive.Type][]byte{}
				for _, e := range entries {
					got[e.Type] = readSeg(t, store, e.Segment)
					require.Equal(t, archive.Hash(sha256.Sum256(got[e.Type])), e.Hash)
				}
				for i, typ := range tt.want {
					require.Equal(t, tt.wantHas[i], got[typ], typ.String())
				}
			})
		})
	}
}

// TestDuplicateGettersStoreOneFile runs two getters for one segment under
// two URIs (a renewed token), as a hand-over does.
func TestDuplicateGettersStoreOneFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := airkeep.NewFakeClock(t0)
		gate := make(chan struct{})
		var n atomic.Int32
		url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 2 {
				close(gate) // both requests are in flight
			}
			<-gate
			w.Write(payload)
		}))
		store := archive.NewMemStore()
		v, stop := testVariant(t, clock, client, store, Config{})
		defer stop()
		d1 := runGetter(v, playlist.Segment{URI: url + "/a.ts?token=1", Duration: 2})
		d2 := runGetter(v, playlist.Segment{URI: url + "/a.ts?token=2", Duration: 2})
		require.True(t, finished(d1))
		require.True(t, finished(d2))
		require.Len(t, listAll(t, store), 1)
		c := v.c.Snapshot()
		require.EqualValues(t, 1, c.Full)
		require.EqualValues(t, 1, c.Duplicates)
		require.EqualValues(t, 1, store.Stats().Snapshot().Duplicates, "the store dropped the second copy")

		// A third getter for the same segment does not even fetch it.
		before := n.Load()
		require.True(t, finished(runGetter(v, playlist.Segment{URI: url + "/a.ts?token=3", Duration: 2})))
		require.Equal(t, before, n.Load())
	})
}

func TestShutdownSavesInFlightAsPartial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := airkeep.NewFakeClock(t0)
		url, client := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, ".m3u8") {
				w.Write([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2026-11-23T09:00:00Z\n#EXTINF:2,\nslow.ts\n"))
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
			w.Write(payload[:3000])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}))
		store := archive.NewMemStore()
		rec, err := New(Config{Stream: "radio", URL: url + "/live.m3u8", Store: store, Clock: clock, HTTPClient: client})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rec.Run(ctx) }()
		synctest.Wait() // the segment's download has stalled
		require.EqualValues(t, 1, rec.Status().Total().InFlight)
		cancel()
		synctest.Wait()
		clock.Advance(10*time.Second - time.Nanosecond)
		synctest.Wait()
		require.Empty(t, listAll(t, store), "the download may finish during the shutdown grace")
		clock.Advance(time.Nanosecond) // the grace (Timeouts.Shutdown) is over
		require.NoError(t, <-done)
		entries := listAll(t, store)
		require.Len(t, entries, 1)
		require.Equal(t, archive.Partial, entries[0].Type)
		require.Equal(t, payload[:3000], readSeg(t, store, entries[0].Segment))
		require.Equal(t, Stopped, rec.State())
		require.ErrorIs(t, rec.Run(context.Background()), ErrStopped)
	})
}

// TestSoftTimeoutsFollowTheSegment: soft limits left at 0 scale with the
// segment's duration between their floors and wubloader's values; set
// ones stay as set.
func TestSoftTimeoutsFollowTheSegment(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name          string
		timeouts      Timeouts
		segment       time.Duration
		headers, body time.Duration
	}{
		{"1-s segment: the floors", Timeouts{}, 1 * s, 1 * s, 2 * s},
		{"tiny segment: the floors", Timeouts{}, 200 * time.Millisecond, 1 * s, 2 * s},
		{"2-s segment", Timeouts{}, 2 * s, 2 * s, 4 * s},
		{"6-s segment", Timeouts{}, 6 * s, 5 * s, 12 * s},
		{"10-s segment: wubloader's values", Timeouts{}, 10 * s, 5 * s, 15 * s},
		{"unknown duration", Timeouts{}, 0, 1 * s, 2 * s},
		{"set limits stay", Timeouts{HeadersSoft: 7 * s, BodySoft: 30 * s}, 2 * s, 7 * s, 30 * s},
		{"capped by short hard limits", Timeouts{HeadersHard: 3 * s, BodyHard: 5 * s}, 10 * s, 3 * s, 5 * s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := newSettings(Config{Stream: "s", URL: "http://origin/m.m3u8", Store: archive.NewMemStore(), Timeouts: tt.timeouts})
			require.NoError(t, err)
			headers, body := st.softTimeouts(tt.segment)
			require.Equal(t, tt.headers, headers, "headers")
			require.Equal(t, tt.body, body, "body")
		})
	}
}
