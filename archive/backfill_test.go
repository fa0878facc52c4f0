package archive_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

// now is well after t0, so nothing is too recent to backfill.
var backfillNow = t0.Add(24 * time.Hour)

type events struct {
	mu   sync.Mutex
	list []archive.BackfillEvent
}

func (e *events) add(ev archive.BackfillEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
}

func (e *events) kinds() map[string][]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string][]string)
	for _, ev := range e.list {
		out[ev.Kind.String()] = append(out[ev.Kind.String()], ev.Path)
	}
	return out
}

func newBackfiller(t *testing.T, store archive.Store, ev *events, peers ...string) *archive.Backfiller {
	t.Helper()
	b, err := archive.NewBackfiller(store, archive.BackfillConfig{
		Peers:          peers,
		Clock:          airkeep.NewFakeClock(backfillNow),
		Observer:       ev.add,
		ListTimeout:    2 * time.Second,
		SegmentTimeout: 2 * time.Second,
	})
	require.NoError(t, err)
	return b
}

// everything lists a store's visible names and tombstones per hour.
func everything(t *testing.T, s archive.Store) map[string][]string {
	t.Helper()
	out := make(map[string][]string)
	ctx := t.Context()
	streams, err := s.Streams(ctx)
	require.NoError(t, err)
	for _, st := range streams {
		vs, err := s.Variants(ctx, st)
		require.NoError(t, err)
		for _, v := range vs {
			hs, err := s.Hours(ctx, st, v)
			require.NoError(t, err)
			for _, h := range hs {
				l, err := s.List(ctx, st, v, h)
				require.NoError(t, err)
				out[st+"/"+v+"/"+h] = l.Names(true)
			}
		}
	}
	return out
}

// Two nodes that each missed different segments backfill each other until
// their archives are equal, tombstones and partial copies included.
func TestBackfillConverges(t *testing.T) {
	a, b := newDirStore(t), archive.NewMemStore()
	write := func(s archive.Store, variant string, i int, typ archive.Type) archive.Segment {
		return archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: variant, Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2}, typ, []byte(fmt.Sprintf("%s %d %v", variant, i, typ)))
	}
	for i := range 10 {
		write(a, "source", i, archive.Full)
	}
	for i := 5; i < 15; i++ {
		write(b, "source", i, archive.Full)
	}
	write(b, "source", 20, archive.Partial) // only b got a piece of it
	write(a, "source", 20, archive.Suspect) // a got another
	write(b, "480p", 0, archive.Full)       // a variant a never recorded
	gone := write(a, "source", 3, archive.Full)
	require.NoError(t, a.Tombstone(t.Context(), gone)) // deleted on a: must stay deleted everywhere
	old := write(b, "source", -20*24*60*30, archive.Full)

	srvA, srvB := served(t, a, archive.HandlerConfig{}), served(t, b, archive.HandlerConfig{})
	evA, evB := &events{}, &events{}
	require.NoError(t, newBackfiller(t, a, evA, srvB.URL).Pass(t.Context()))
	require.NoError(t, newBackfiller(t, b, evB, srvA.URL).Pass(t.Context()))

	all := everything(t, b)
	delete(all, "s/source/"+old.Hour())
	require.Equal(t, everything(t, a), all)
	require.Len(t, evA.kinds()["fetched"], 5+1+1, "5 segments, b's partial, b's 480p")
	require.Len(t, evB.kinds()["fetched"], 5+1-1, "5 segments and a's suspect, minus the tombstoned one")
	require.Len(t, evB.kinds()["tombstone"], 1)
	_, err := b.Open(t.Context(), gone)
	require.ErrorIs(t, err, archive.ErrNotFound)
	_, err = a.Open(t.Context(), old)
	require.ErrorIs(t, err, archive.ErrNotFound, "hours older than the window are left alone")

	// A second pass finds nothing to do.
	evA2 := &events{}
	require.NoError(t, newBackfiller(t, a, evA2, srvB.URL).Pass(t.Context()))
	require.Empty(t, evA2.kinds()["fetched"])
}

// hostilePeer serves listings and segments crafted to break a backfiller.
func hostilePeer(t *testing.T, good []archive.Segment, goodData [][]byte) *httptest.Server {
	wrong := archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(100 * time.Second), Duration: 2, Type: archive.Full, Hash: sha256.Sum256([]byte("what the name promises"))}
	endless := archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(102 * time.Second), Duration: 2, Type: archive.Full, Hash: sha256.Sum256([]byte("endless"))}
	slow := archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(104 * time.Second), Duration: 2, Type: archive.Full, Hash: sha256.Sum256([]byte("slow"))}
	names := []string{
		wrong.Name(), endless.Name(), slow.Name(),
		"../../../../tmp/evil.ts",
		"/etc/passwd",
		"..",
		"45:51.608000-2.0-full-..%2F..%2Fx.ts",
		"00:10.000000-2.0-full-" + strings.Repeat("A", 43) + "\n.ts",
		"00:12.000000-2.0-full-../../../../../../tmp/evil.tombstone",
		"../../escape.tombstone",
		"chat-batch.json",
	}
	for _, g := range good {
		names = append(names, g.Name())
	}
	mux := http.NewServeMux()
	js := func(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }
	mux.HandleFunc("/files", func(w http.ResponseWriter, r *http.Request) { js(w, []string{"s", "../etc", "a/b", "x\x00", ".git"}) })
	mux.HandleFunc("/files/s", func(w http.ResponseWriter, r *http.Request) { js(w, []string{"v", "..", "/abs"}) })
	mux.HandleFunc("/files/s/v", func(w http.ResponseWriter, r *http.Request) {
		js(w, []string{"2026-11-23T14", "2026-11-23T15", "../../x", "2026-11-23T14/../../.."})
	})
	mux.HandleFunc("/files/s/v/2026-11-23T14", func(w http.ResponseWriter, r *http.Request) { js(w, names) })
	mux.HandleFunc("/files/s/v/2026-11-23T15", func(w http.ResponseWriter, r *http.Request) {
		// An endless listing.
		w.Write([]byte(`["`))
		chunk := []byte(strings.Repeat("A", 64<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/segments/", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		switch name {
		case wrong.Name():
			w.Write([]byte("other bytes"))
		case endless.Name():
			chunk := make([]byte, 64<<10)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case slow.Name():
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default:
			for i, g := range good {
				if g.Name() == name {
					w.Write(goodData[i])
					return
				}
			}
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A hostile peer cannot write outside the store, leave a wrong file under a
// final name, exhaust memory or stop the good entries of its own listings.
func TestBackfillHostilePeer(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "archive")
	store, err := archive.NewDirStore(archive.DirConfig{Root: root})
	require.NoError(t, err)
	var good []archive.Segment
	var goodData [][]byte
	for i := range 3 {
		data := []byte(fmt.Sprintf("good %d", i))
		good = append(good, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2, Type: archive.Full, Hash: sha256.Sum256(data)})
		goodData = append(goodData, data)
	}
	peer := hostilePeer(t, good, goodData)
	ev := &events{}
	b, err := archive.NewBackfiller(store, archive.BackfillConfig{
		Peers: []string{peer.URL}, Clock: airkeep.NewFakeClock(backfillNow), Observer: ev.add,
		ListTimeout: 2 * time.Second, SegmentTimeout: 500 * time.Millisecond,
		MaxListingBytes: 1 << 20, MaxSegmentBytes: 1 << 20,
	})
	require.NoError(t, err)
	err = b.Pass(t.Context())
	require.ErrorContains(t, err, "listing over 1048576 bytes", "the endless listing fails its hour only")

	for i, g := range good {
		require.Equal(t, goodData[i], archivetest.ReadAll(t, store, g), "good entries of a hostile listing are still fetched")
	}
	var files []string
	require.NoError(t, filepath.WalkDir(parent, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			rel, _ := filepath.Rel(parent, p)
			files = append(files, rel)
		}
		return nil
	}))
	require.Len(t, files, 3, "only the three good segments were written, all inside the store: %v", files)
	for _, f := range files {
		require.True(t, strings.HasPrefix(f, "archive/s/v/2026-11-23T14/"), f)
	}
	st := b.Stats()
	require.EqualValues(t, 3, st.Fetched)
	require.EqualValues(t, 1, st.Mismatches)
	require.GreaterOrEqual(t, st.Rejected, int64(4+2+2+7))
	k := ev.kinds()
	require.Len(t, k["mismatch"], 1)
	require.Contains(t, k["rejected"], "s/v/2026-11-23T14/../../../../tmp/evil.ts")
	require.Len(t, k["error"], 1, "the slow body times out: %v", k["error"])
	require.Contains(t, k["rejected"], "s/v/2026-11-23T14/01:42.000000-2.0-full-"+archive.Hash(sha256.Sum256([]byte("endless"))).String()+".ts", "the endless body overflows its bound")
}

func TestBackfillSkips(t *testing.T) {
	remote := archive.NewMemStore()
	recent := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: backfillNow.Add(-time.Minute), Duration: 2}, archive.Full, []byte("recent"))
	require.NoError(t, remote.PutRaw("s/v/2026-11-23T14/00:00.000000-2.0-temp-abc.ts", []byte("temp")))
	shifted := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(2*time.Second + 700*time.Microsecond), Duration: 2}, archive.Full, []byte("same"))
	local := archive.NewMemStore()
	archivetest.Write(t, local, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(2 * time.Second), Duration: 2}, archive.Full, []byte("same"))
	ev := &events{}
	require.NoError(t, newBackfiller(t, local, ev, served(t, remote, archive.HandlerConfig{}).URL).Pass(t.Context()))
	k := ev.kinds()
	require.Empty(t, k["fetched"])
	require.ElementsMatch(t, []string{recent.Path(), "s/v/2026-11-23T14/00:00.000000-2.0-temp-abc.ts", shifted.Path()}, k["skipped"])
}

// One dead peer does not stop backfill from the others.
func TestBackfillPeerFailureIsolated(t *testing.T) {
	remote := archive.NewMemStore()
	seg := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("x"))
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }))
	dead.Close()
	local := archive.NewMemStore()
	b := newBackfiller(t, local, &events{}, dead.URL, served(t, remote, archive.HandlerConfig{}).URL)
	require.Error(t, b.Pass(t.Context()))
	require.Equal(t, []byte("x"), archivetest.ReadAll(t, local, seg))
}

// Run keeps passing over its peers on the clock, picks up new segments, and
// stops when its context ends.
func TestBackfillRun(t *testing.T) {
	remote := archive.NewMemStore()
	first := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("1"))
	srv := served(t, remote, archive.HandlerConfig{})
	local := archive.NewMemStore()
	clock := airkeep.NewFakeClock(backfillNow)
	fetched := make(chan string, 10)
	b, err := archive.NewBackfiller(local, archive.BackfillConfig{
		PeerList: func(context.Context) ([]string, error) { return []string{srv.URL, "http://self:1"}, nil },
		Self:     "http://self:1",
		Clock:    clock,
		Observer: func(e archive.BackfillEvent) {
			if e.Kind == archive.BackfillFetched {
				fetched <- e.Path
			}
		},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	require.Equal(t, first.Path(), <-fetched)
	second := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(2 * time.Second), Duration: 2}, archive.Full, []byte("2"))
	// Waiting: the peer-list timer and the peer's pass interval.
	clock.BlockUntil(2)
	clock.Advance(150 * time.Second)
	require.Equal(t, second.Path(), <-fetched)
	cancel()
	require.NoError(t, <-done)
}

func TestNewBackfillerConfig(t *testing.T) {
	s := archive.NewMemStore()
	tests := []struct {
		name  string
		cfg   archive.BackfillConfig
		field string
	}{
		{"no peers", archive.BackfillConfig{}, "Peers"},
		{"not http", archive.BackfillConfig{Peers: []string{"file:///etc"}}, "Peers"},
		{"bad stream filter", archive.BackfillConfig{Peers: []string{"http://a"}, Streams: []string{".."}}, "Streams"},
		{"negative window", archive.BackfillConfig{Peers: []string{"http://a"}, Window: -1}, "Window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.NewBackfiller(s, tt.cfg)
			var ce *archive.ConfigError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.field, ce.Field)
		})
	}
}

// An entry of a listing that is not a string is rejected and counted; the
// good entries of the same listing are still fetched.
func TestBackfillListingEntriesNotStrings(t *testing.T) {
	remote := archive.NewMemStore()
	a := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("a"))
	b := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(2 * time.Second), Duration: 2}, archive.Full, []byte("b"))
	api := archive.NewHandler(remote, archive.HandlerConfig{})
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.HandleFunc("/files/s/v/2026-11-23T14", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `[%q, 5, null, {"name": "x"}, ["x"], true, %q]`, a.Name(), b.Name())
	})
	peer := httptest.NewServer(mux)
	t.Cleanup(peer.Close)

	local := archive.NewMemStore()
	ev := &events{}
	bf := newBackfiller(t, local, ev, peer.URL)
	require.NoError(t, bf.Pass(t.Context()))
	require.Equal(t, []byte("a"), archivetest.ReadAll(t, local, a))
	require.Equal(t, []byte("b"), archivetest.ReadAll(t, local, b))
	require.ElementsMatch(t, []string{
		"s/v/2026-11-23T14/5", "s/v/2026-11-23T14/null", `s/v/2026-11-23T14/{"name": "x"}`,
		`s/v/2026-11-23T14/["x"]`, "s/v/2026-11-23T14/true",
	}, ev.kinds()["rejected"])
	require.EqualValues(t, 5, bf.Stats().Rejected)
}

// A listing is a set: a stream, hour or segment listed several times is
// rejected after the first, and each segment is fetched once.
func TestBackfillListingRepeats(t *testing.T) {
	remote := archive.NewMemStore()
	a := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("a"))
	api := archive.NewHandler(remote, archive.HandlerConfig{})
	var gets, hourLists atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.HandleFunc("/files", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `["s", "s"]`) })
	mux.HandleFunc("/files/s/v", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `["2026-11-23T14", "2026-11-23T14"]`)
	})
	mux.HandleFunc("/files/s/v/2026-11-23T14", func(w http.ResponseWriter, r *http.Request) {
		hourLists.Add(1)
		fmt.Fprintf(w, `[%q, %q, %q]`, a.Name(), a.Name(), a.Name())
	})
	mux.HandleFunc("/segments/", func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		api.ServeHTTP(w, r)
	})
	peer := httptest.NewServer(mux)
	t.Cleanup(peer.Close)

	local := archive.NewMemStore()
	ev := &events{}
	require.NoError(t, newBackfiller(t, local, ev, peer.URL).Pass(t.Context()))
	require.Equal(t, []byte("a"), archivetest.ReadAll(t, local, a))
	require.EqualValues(t, 1, gets.Load(), "each segment is fetched once")
	require.EqualValues(t, 1, hourLists.Load(), "each hour is listed once")
	require.Len(t, ev.kinds()["fetched"], 1)
	require.ElementsMatch(t, []string{"s", "s/v/2026-11-23T14", a.Path(), a.Path()}, ev.kinds()["rejected"])
}

// fullStore refuses writes with ENOSPC while full is set.
type fullStore struct {
	archive.Store
	full atomic.Bool
}

func (f *fullStore) Create(ctx context.Context, seg archive.Segment) (archive.SegmentWriter, error) {
	w, err := f.Store.Create(ctx, seg)
	if err != nil {
		return nil, err
	}
	return &fullWriter{SegmentWriter: w, f: f}, nil
}

type fullWriter struct {
	archive.SegmentWriter
	f *fullStore
}

func (w *fullWriter) Write(p []byte) (int, error) {
	if w.f.full.Load() {
		return 0, fmt.Errorf("archive: write: %w", &os.PathError{Op: "write", Path: "/archive/x", Err: syscall.ENOSPC})
	}
	return w.SegmentWriter.Write(p)
}

// TestBackfillStopsOnFullStore: a full store stops a pass at its first
// refused write, with ErrStoreFull, instead of downloading every missing
// segment to throw it away; once there is room, a pass fetches them all.
func TestBackfillStopsOnFullStore(t *testing.T) {
	peer := archive.NewMemStore()
	for i := range 40 {
		archivetest.Write(t, peer, archive.Segment{Stream: "s", Variant: "source", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2}, archive.Full, []byte(fmt.Sprintf("segment %d", i)))
	}
	srv := served(t, peer, archive.HandlerConfig{})
	local := &fullStore{Store: archive.NewMemStore()}
	local.full.Store(true)
	ev := &events{}
	b, err := archive.NewBackfiller(local, archive.BackfillConfig{
		Peers: []string{srv.URL}, Clock: airkeep.NewFakeClock(backfillNow), Observer: ev.add, PerPeer: 1,
	})
	require.NoError(t, err)
	err = b.Pass(t.Context())
	require.ErrorIs(t, err, archive.ErrStoreFull)
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.Len(t, ev.kinds()["error"], 1, "stopped at the first refused write")
	require.Empty(t, ev.kinds()["fetched"])

	local.full.Store(false)
	ev2 := &events{}
	b, err = archive.NewBackfiller(local, archive.BackfillConfig{Peers: []string{srv.URL}, Clock: airkeep.NewFakeClock(backfillNow), Observer: ev2.add})
	require.NoError(t, err)
	require.NoError(t, b.Pass(t.Context()))
	require.Len(t, ev2.kinds()["fetched"], 40)
	require.Equal(t, everything(t, peer), everything(t, local.Store))
}
