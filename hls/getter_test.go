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
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// testVariant builds a variant outside a running Recorder, so a test can
// hand its getters jobs directly.
func testVariant(t *testing.T, clock airkeep.Clock, store archive.Store, cfg Config) (*variant, func()) {
	t.Helper()
	cfg.Stream, cfg.URL, cfg.Store, cfg.Clock = "radio", "http://127.0.0.1/m.m3u8", store, clock
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
func runGetter(v *variant, seg Segment) chan struct{} {
	done := make(chan struct{})
	j := &job{seg: seg, start: t0, maps: newBlobCache(4, &v.fetches), seen: v.s.clock.Now()}
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

// settle waits, in real time, until no request is in flight and the fake
// clock's pending timers have stopped changing: the code under test is
// waiting on the clock. Virtual time never moves meanwhile.
func settle(clock *airkeep.FakeClock, inflight *atomic.Int32) {
	stable, last := 0, -1
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && stable < 3; {
		runtime.Gosched()
		p := clock.Pending()
		if inflight.Load() == 0 && p == last {
			stable++
		} else {
			stable = 0
		}
		last = p
		time.Sleep(200 * time.Microsecond)
	}
}

// wait returns once done is closed, failing after a real-time bound.
func wait(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("getter did not finish")
	}
}

var payload = bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB

func TestGetterSoftTimeoutStartsParallelAttempt(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	release := make(chan struct{})
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// The first attempt: headers never come until released.
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Write(payload)
	}))
	defer srv.Close()
	defer close(release)
	store := archive.NewMemStore()
	v, stop := testVariant(t, clock, store, Config{})
	defer stop()
	done := runGetter(v, Segment{URI: srv.URL + "/a.ts", Duration: 2})
	// Pending: give-up timer and the first attempt's watchdog.
	clock.BlockUntil(2)
	require.Eventually(t, func() bool { return n.Load() == 1 }, 5*time.Second, time.Millisecond)
	clock.Advance(2 * time.Second) // headers soft timeout: the 2-s segment's duration
	wait(t, done)
	require.EqualValues(t, 2, n.Load(), "a second attempt ran while the first waited")
	c := v.c.Snapshot()
	require.EqualValues(t, 2, c.Attempts)
	require.EqualValues(t, 1, c.Full)
	require.Zero(t, c.Partial, "the slow attempt was cancelled, not kept")
	entries := listAll(t, store)
	require.Len(t, entries, 1)
	require.Equal(t, archive.Hash(sha256.Sum256(payload)), entries[0].Hash)
}

func TestGetterHardTimeoutKeepsPartial(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload[:20000])
		w.(http.Flusher).Flush()
		n.Add(1)
		<-r.Context().Done() // stall until the client gives up
	}))
	defer srv.Close()
	store := archive.NewMemStore()
	v, stop := testVariant(t, clock, store, Config{Limits: Limits{Attempts: 1}, Timeouts: Timeouts{GiveUp: 250 * time.Second}})
	defer stop()
	done := runGetter(v, Segment{URI: srv.URL + "/a.ts", Duration: 2})
	require.Eventually(t, func() bool { return n.Load() == 1 }, 5*time.Second, time.Millisecond)
	var none atomic.Int32 // the stalled request stays in flight: settle on the clock alone
	for i := 0; i < 240; i++ {
		settle(clock, &none)
		clock.Advance(time.Second) // to the body hard timeout
	}
	require.Eventually(t, func() bool { return v.c.Partial.Load() == 1 }, 5*time.Second, time.Millisecond)
	for i := 0; i < 20; i++ {
		settle(clock, &none)
		clock.Advance(time.Second) // past the give-up time
	}
	wait(t, done)
	entries := listAll(t, store)
	require.Len(t, entries, 1)
	require.Equal(t, archive.Partial, entries[0].Type)
	require.Equal(t, archive.Hash(sha256.Sum256(payload[:20000])), entries[0].Hash, "partial stored under the hash of what arrived")
	require.Equal(t, payload[:20000], readSeg(t, store, entries[0].Segment))
	require.Zero(t, v.c.GiveUps.Load(), "something was stored")
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
		seg     func(base string) Segment
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
			seg:     func(b string) Segment { return Segment{URI: b + "/a.ts", Duration: 2} },
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
			seg:     func(b string) Segment { return Segment{URI: b + "/a.ts", Duration: 2} },
			want:    []archive.Type{archive.Full},
			wantHas: [][]byte{payload},
		},
		{
			name:    "404 ends the getter at once",
			handler: func(n int, w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			seg:     func(b string) Segment { return Segment{URI: b + "/a.ts", Duration: 2} },
			giveUp:  true,
		},
		{
			name:    "empty body is suspect",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {},
			seg:     func(b string) Segment { return Segment{URI: b + "/a.ts", Duration: 2} },
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
			seg: func(b string) Segment {
				return Segment{URI: b + "/all.mp4", Duration: 2, Range: &ByteRange{Offset: 100, Length: 100}, Map: &Map{URI: b + "/init.mp4"}}
			},
			want:    []archive.Type{archive.Full},
			wantHas: [][]byte{append([]byte("INIT"), payload[100:200]...)},
		},
		{
			name: "byte range ignored by the server is cut out",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Write(payload)
			},
			seg: func(b string) Segment {
				return Segment{URI: b + "/all.ts", Duration: 2, Range: &ByteRange{Offset: 10, Length: 50}}
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
			seg: func(b string) Segment {
				return Segment{URI: b + "/a.ts", Duration: 2, MSN: 7, Key: &Key{Method: "AES-128", URI: b + "/key"}}
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
			seg: func(b string) Segment {
				return Segment{URI: b + "/a.ts", Duration: 2, Key: &Key{Method: "AES-128", URI: b + "/key"}}
			},
			giveUp: true,
		},
		{
			name:    "a body over the size limit is refused",
			handler: func(n int, w http.ResponseWriter, r *http.Request) { w.Write(payload) },
			seg:     func(b string) Segment { return Segment{URI: b + "/big.ts", Duration: 2} },
			giveUp:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := airkeep.NewFakeClock(t0)
			var n, inflight atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inflight.Add(1)
				defer inflight.Add(-1)
				k := n.Add(1)
				tt.handler(int(k), w, r)
			}))
			defer srv.Close()
			store := archive.NewMemStore()
			cfg := Config{Timeouts: Timeouts{GiveUp: time.Minute}}
			if strings.Contains(tt.name, "size limit") {
				cfg.Limits.SegmentBytes = 1000
			}
			v, stop := testVariant(t, clock, store, cfg)
			defer stop()
			done := runGetter(v, tt.seg(srv.URL))
			// Drive retries and the give-up time on the fake clock.
			for i := 0; i < 200; i++ {
				select {
				case <-done:
					i = 200
				default:
					settle(clock, &inflight)
					clock.Advance(time.Second)
				}
			}
			wait(t, done)
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
	}
}

// TestDuplicateGettersStoreOneFile runs two getters for one segment under
// two URIs (a renewed token), as a hand-over does.
func TestDuplicateGettersStoreOneFile(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	gate := make(chan struct{})
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			close(gate) // both requests are in flight
		}
		<-gate
		w.Write(payload)
	}))
	defer srv.Close()
	store := archive.NewMemStore()
	v, stop := testVariant(t, clock, store, Config{})
	defer stop()
	d1 := runGetter(v, Segment{URI: srv.URL + "/a.ts?token=1", Duration: 2})
	d2 := runGetter(v, Segment{URI: srv.URL + "/a.ts?token=2", Duration: 2})
	wait(t, d1)
	wait(t, d2)
	require.Len(t, listAll(t, store), 1)
	c := v.c.Snapshot()
	require.EqualValues(t, 1, c.Full)
	require.EqualValues(t, 1, c.Duplicates)
	require.EqualValues(t, 1, store.Stats().Snapshot().Duplicates, "the store dropped the second copy")

	// A third getter for the same segment does not even fetch it.
	before := n.Load()
	wait(t, runGetter(v, Segment{URI: srv.URL + "/a.ts?token=3", Duration: 2}))
	require.Equal(t, before, n.Load())
}

func TestShutdownSavesInFlightAsPartial(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	started := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".m3u8") {
			w.Write([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2026-11-23T09:00:00Z\n#EXTINF:2,\nslow.ts\n"))
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload[:3000])
		w.(http.Flusher).Flush()
		once.Do(func() { close(started) })
		<-r.Context().Done()
	}))
	defer srv.Close()
	store := archive.NewMemStore()
	rec, err := New(Config{Stream: "radio", URL: srv.URL + "/live.m3u8", Store: store, Clock: clock})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rec.Run(ctx) }()
	<-started
	cancel()
	// The shutdown grace (5 s) runs on the clock; drive it.
	for finished := false; !finished; {
		select {
		case err := <-done:
			require.NoError(t, err)
			finished = true
		default:
			clock.Advance(time.Second)
			time.Sleep(time.Millisecond)
		}
	}
	entries := listAll(t, store)
	require.Len(t, entries, 1)
	require.Equal(t, archive.Partial, entries[0].Type)
	require.Equal(t, payload[:3000], readSeg(t, store, entries[0].Segment))
	require.Equal(t, Stopped, rec.State())
	require.ErrorIs(t, rec.Run(context.Background()), ErrStopped)
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
