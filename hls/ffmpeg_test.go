package hls_test

import (
	"context"
	"crypto/sha256"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/internal/testtool"
)

// faultyNetwork serves dir like a CDN edge on a bad day: the first request
// of some segments fails (500), of others stalls half-way and is cut, of
// others is reset; one playlist load in four fails (503) and one in seven
// is reset. Later requests of a segment succeed, as they do when a network
// recovers. It remembers the PDT every playlist gave each segment.
type faultyNetwork struct {
	dir     string
	stall   time.Duration
	files   http.Handler
	loads   atomic.Int64
	mu      sync.Mutex
	tries   map[string]int
	pdt     map[string]time.Time
	injects map[string]int
}

func newFaultyNetwork(dir string, stall time.Duration) *faultyNetwork {
	return &faultyNetwork{dir: dir, stall: stall, files: http.FileServer(http.Dir(dir)),
		tries: map[string]int{}, pdt: map[string]time.Time{}, injects: map[string]int{}}
}

func (f *faultyNetwork) inject(kind string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.injects[kind]++
}

func reset(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST, not FIN
		}
		conn.Close()
	}
}

func (f *faultyNetwork) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	if strings.HasSuffix(name, ".m3u8") {
		switch n := f.loads.Add(1); {
		case n%4 == 0:
			f.inject("playlist 503")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		case n%7 == 0:
			f.inject("playlist reset")
			reset(w)
			return
		}
		body, err := os.ReadFile(filepath.Join(f.dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		f.notePDTs(string(body))
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		_, _ = w.Write(body)
		return
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "seg_"), ".ts"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.tries[name]++
	first := f.tries[name] == 1
	f.mu.Unlock()
	switch {
	case first && n%5 == 1:
		f.inject("segment 500")
		http.Error(w, "injected", http.StatusInternalServerError)
	case first && n%5 == 3:
		f.inject("segment stall")
		body, err := os.ReadFile(filepath.Join(f.dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		// A real-time stall: this edge serves the real ffmpeg on the wall
		// clock.
		select {
		case <-time.After(f.stall):
		case <-r.Context().Done():
		}
		reset(w)
	case first && n%5 == 4:
		f.inject("segment reset")
		reset(w)
	default:
		f.files.ServeHTTP(w, r)
	}
}

// notePDTs records the PDT of each segment a playlist lists.
func (f *faultyNetwork) notePDTs(body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var pdt time.Time
	for _, line := range strings.Split(body, "\n") {
		switch {
		case strings.HasPrefix(line, "#EXT-X-PROGRAM-DATE-TIME:"):
			v := strings.TrimPrefix(line, "#EXT-X-PROGRAM-DATE-TIME:")
			// ffmpeg writes the zone without a colon (+0000).
			t, err := time.Parse("2006-01-02T15:04:05.999999999Z0700", v)
			if err != nil {
				t, err = time.Parse(time.RFC3339Nano, v)
			}
			if err == nil {
				pdt = t
			}
		case line != "" && !strings.HasPrefix(line, "#"):
			if !pdt.IsZero() {
				f.pdt[line] = pdt
			}
			pdt = time.Time{}
		}
	}
}

// TestFFmpegLiveFaultyNetwork records a live stream made by the real
// ffmpeg (H.264 and AAC in MPEG-TS) through a faulty network, on the real
// clock and into a DirStore, and checks every segment ffmpeg wrote against
// the archive: stored whole, byte-exact, under the start time its playlist
// gave.
//
// It needs the real clock: ffmpeg paces its output on the wall clock (-re),
// so the capture must run on that clock too, and the copier of ffmpeg's
// files and the edge's stalls wait in real time.
func TestFFmpegLiveFaultyNetwork(t *testing.T) {
	ffmpeg := testtool.Require(t, "ffmpeg")
	if testing.Short() {
		t.Skip("records 30 s of a live stream")
	}
	tests := []struct {
		name string
		secs int // of stream
		// hlsTime and listSize are ffmpeg's -hls_time and -hls_list_size.
		hlsTime, listSize int
		// deletes adds -hls_flags delete_segments: a segment is gone soon
		// after it leaves the window, so a retry must come in time.
		deletes  bool
		stall    time.Duration
		timeouts hls.Timeouts
		reload   hls.Reload
	}{
		{
			name: "1-s segments, 4-s window, short timeouts", secs: 16, hlsTime: 1, listSize: 4, stall: 3 * time.Second,
			timeouts: hls.Timeouts{PlaylistSoft: time.Second, HeadersSoft: time.Second, BodySoft: time.Second},
			reload:   hls.Reload{MasterInterval: 2 * time.Second},
		},
		{
			// ffmpeg's own defaults (2 s, 5 segments) deleting old
			// segments, recorded with airkeep's defaults: the capture
			// starts before ffmpeg's first playlist exists and must find
			// the stream before its first segments leave the window, and
			// a stalled segment must be tried again before ffmpeg deletes
			// it, 14 s after listing it (30 s of stream so that some are).
			name: "ffmpeg's defaults deleting segments, default timeouts", secs: 30, hlsTime: 2, listSize: 5, deletes: true, stall: 30 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			recordFFmpeg(t, ffmpeg, tt.secs, tt.hlsTime, tt.listSize, tt.deletes, tt.stall, tt.timeouts, tt.reload)
		})
	}
}

func recordFFmpeg(t *testing.T, ffmpeg string, secs, hlsTime, listSize int, deletes bool, stall time.Duration, timeouts hls.Timeouts, reload hls.Reload) {
	live := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	flags := "program_date_time+independent_segments"
	if deletes {
		flags += "+delete_segments"
	}
	// With delete_segments ffmpeg removes what left the window; a copy of
	// every segment it wrote, taken as it appears, is the ground truth.
	truth := t.TempDir()
	keepDone := make(chan struct{})
	keepCtx, stopKeeping := context.WithCancel(ctx)
	go func() {
		defer close(keepDone)
		// ffmpeg is another process writing on the wall clock: looking at
		// its directory every 50 ms is the way to see each file before
		// delete_segments removes it.
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for keepCtx.Err() == nil {
			keepSegments(live, truth)
			select {
			case <-tick.C:
			case <-keepCtx.Done():
			}
		}
		keepSegments(live, truth)
	}()
	defer func() { stopKeeping(); <-keepDone }()
	enc := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
		"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", strconv.Itoa(secs), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
		"-c:a", "aac", "-b:a", "64k",
		"-f", "hls", "-hls_time", strconv.Itoa(hlsTime), "-hls_list_size", strconv.Itoa(listSize), "-hls_flags", flags,
		"-hls_segment_filename", filepath.Join(live, "seg_%d.ts"), filepath.Join(live, "index.m3u8"))
	var encOut strings.Builder
	enc.Stdout, enc.Stderr = &encOut, &encOut
	require.NoError(t, enc.Start())
	encDone := make(chan error, 1)
	go func() { encDone <- enc.Wait() }()

	edge := newFaultyNetwork(live, stall)
	srv := httptest.NewServer(edge)
	defer srv.Close()
	store, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir()})
	require.NoError(t, err)
	rec, err := hls.New(hls.Config{
		Stream: "ff", URL: srv.URL + "/index.m3u8", Variants: []string{"source"}, Store: store,
		Timeouts: timeouts, Reload: reload,
	})
	require.NoError(t, err)
	recCtx, stop := context.WithCancel(ctx)
	recDone := make(chan error, 1)
	go func() { recDone <- rec.Run(recCtx) }()

	require.NoError(t, <-encDone, encOut.String())
	stopKeeping()
	<-keepDone
	// ffmpeg wrote ENDLIST: wait until the capture has seen it and has
	// nothing in flight. Polled: the capture runs on the wall clock, with
	// ffmpeg.
	require.Eventually(t, func() bool {
		st := rec.Status()
		return st.State != hls.Recording && st.Drained() && st.Total().Full > 0
	}, 60*time.Second, 50*time.Millisecond, "%+v", rec.Status())
	stop()
	require.NoError(t, <-recDone)

	stored := map[archive.Hash]archive.Segment{}
	hours, err := store.Hours(ctx, "ff", "source")
	require.NoError(t, err)
	for _, h := range hours {
		l, err := store.List(ctx, "ff", "source", h)
		require.NoError(t, err)
		for _, e := range l.Segments {
			if e.Type == archive.Full {
				stored[e.Hash] = e.Segment
			}
		}
	}
	segs, err := filepath.Glob(filepath.Join(truth, "seg_*.ts"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(segs), secs/hlsTime-1, encOut.String())
	edge.mu.Lock()
	defer edge.mu.Unlock()
	for _, p := range segs {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		s, ok := stored[archive.Hash(sha256.Sum256(b))]
		require.True(t, ok, "%s (%d bytes) not stored whole; faults injected %v; counters %+v", filepath.Base(p), len(b), edge.injects, rec.Status().Total())
		// A segment stored whole was listed by a playlist the edge served,
		// so its PDT is known.
		pdt, listed := edge.pdt[filepath.Base(p)]
		require.True(t, listed, "%s stored but never seen in a playlist with a PDT", filepath.Base(p))
		require.True(t, pdt.Equal(s.Start), "%s stored at %v, its PDT is %v", filepath.Base(p), s.Start, pdt)
	}
	require.Len(t, stored, len(segs), "nothing stored as full that ffmpeg did not write")
	for _, kind := range []string{"segment 500", "segment stall", "segment reset", "playlist 503"} {
		require.Positive(t, edge.injects[kind], "%s never injected: %v", kind, edge.injects)
	}
	t.Logf("%d segments, faults %v, counters %+v", len(segs), edge.injects, rec.Status().Total())
}

// keepSegments hard-links into truth every finished segment of live not
// linked yet: ffmpeg writes seg_N.ts.tmp and renames it when complete.
func keepSegments(live, truth string) {
	segs, _ := filepath.Glob(filepath.Join(live, "seg_*.ts"))
	for _, p := range segs {
		dst := filepath.Join(truth, filepath.Base(p))
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		_ = os.Link(p, dst)
	}
}
