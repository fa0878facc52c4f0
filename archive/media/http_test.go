package media_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/media"
)

func iso(sec float64) string { return at(sec).Format(time.RFC3339Nano) }

func fetch(t *testing.T, srv *httptest.Server, method, path string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, body)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// serve runs the archive's Handler over a source with an FFmpeg.
func serve(t *testing.T, store archive.Reader, tools *media.FFmpeg, exportDir string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(archive.NewHandler(store, archive.HandlerConfig{Media: tools, ExportDir: exportDir}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHTTPClips asks the Handler for every kind of clip over HTTP.
func TestHTTPClips(t *testing.T) {
	src := hlsSource(t, true)
	tmp := t.TempDir()
	tools := newFFmpeg(t, media.Config{TempDir: tmp})
	srv := serve(t, src.store, tools, "")
	base := "/cut/" + src.stream + "/source.ts?"

	t.Run("smart over two ranges runs on", func(t *testing.T) {
		t.Parallel()
		resp, body := fetch(t, srv, "GET", base+"type=smart&range="+iso(2.53)+","+iso(4.5)+"&range="+iso(8.21)+","+iso(10.1), nil)
		require.Equal(t, 200, resp.StatusCode, string(body))
		require.Equal(t, "video/MP2T", resp.Header.Get("Content-Type"))
		require.Equal(t, append(wantFrames(2.53, 4.5), wantFrames(8.21, 10.1)...), decodeFrames(t, body))
		p := probePackets(t, body)
		start, err := strconv.ParseFloat(p.Format.StartTime, 64)
		require.NoError(t, err)
		require.Less(t, start, 1.5, "starts near 0")
		for _, s := range p.Streams {
			var pts []int64
			var lastDTS int64 = -1
			for _, pk := range p.Packets {
				if pk.Stream != s.Index || pk.PTS == nil {
					continue
				}
				pts = append(pts, *pk.PTS)
				dts := *pk.PTS
				if pk.DTS != nil {
					dts = *pk.DTS
				}
				if s.CodecType == "video" {
					require.Greater(t, dts, lastDTS, "video decode times increase")
				} else {
					// An AAC frame re-encoded at a join may overlap the
					// one before by less than a frame.
					require.Greater(t, dts, lastDTS-1920, "audio decode times increase, within a frame")
				}
				lastDTS = dts
			}
			sort.Slice(pts, func(i, j int) bool { return pts[i] < pts[j] })
			for i := 1; i < len(pts); i++ {
				// No jump longer than a video frame and a half (5400
				// ticks) anywhere, ranges and parts included.
				require.LessOrEqual(t, pts[i]-pts[i-1], int64(5400), "%s: %d to %d", s.CodecType, pts[i-1], pts[i])
			}
		}
	})
	t.Run("mpegts with a transition", func(t *testing.T) {
		t.Parallel()
		resp, body := fetch(t, srv, "GET", base+"type=mpegts&range="+iso(2)+","+iso(4)+"&range="+iso(8)+","+iso(10)+"&transition=wipeleft,0.4", nil)
		require.Equal(t, 200, resp.StatusCode, string(body))
		frames := decodeFrames(t, body)
		require.Len(t, frames, 100-10, "two 2-s ranges less a 0.4-s transition")
		require.Equal(t, 50, frames[0])
		require.Equal(t, 249, frames[len(frames)-1])
	})
	t.Run("frame", func(t *testing.T) {
		t.Parallel()
		for _, sec := range []float64{0, 3.99, 4, 6.021} {
			resp, body := fetch(t, srv, "GET", "/frame/"+src.stream+"/source.png?timestamp="+url.QueryEscape(iso(sec)), nil)
			require.Equal(t, 200, resp.StatusCode, string(body))
			require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
			img, err := png.Decode(bytes.NewReader(body))
			require.NoError(t, err)
			require.Equal(t, image.Rect(0, 0, width, height), img.Bounds(), "the source's size")
			require.Equal(t, wantFrames(sec, sec+0.001)[0], counterOf(img), "frame at %v", sec)
		}
	})
	t.Run("waveform", func(t *testing.T) {
		t.Parallel()
		resp, body := fetch(t, srv, "GET", "/waveform/"+src.stream+"/source.png?start="+url.QueryEscape(iso(1))+"&end="+url.QueryEscape(iso(9))+"&size=300x40", nil)
		require.Equal(t, 200, resp.StatusCode, string(body))
		img, err := png.Decode(bytes.NewReader(body))
		require.NoError(t, err)
		require.Equal(t, image.Rect(0, 0, 300, 40), img.Bounds())
		resp, body = fetch(t, srv, "GET", "/waveform/"+src.stream+"/source.png?start="+url.QueryEscape(iso(1))+"&end="+url.QueryEscape(iso(9)), nil)
		require.Equal(t, 200, resp.StatusCode, string(body))
		img, err = png.Decode(bytes.NewReader(body))
		require.NoError(t, err)
		require.Equal(t, image.Rect(0, 0, 1024, 64), img.Bounds(), "default size")
	})
	t.Run("refusals", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			path   string
			status int
			names  string
		}{
			{base + "type=avi&start=" + iso(2) + "&end=" + iso(4), 400, "type"},
			{base + "type=webm&range=" + iso(2) + "," + iso(4) + "&range=" + iso(5) + "," + iso(7) + "&transition=spin,1", 400, "transition"},
			{base + "type=webm&range=" + iso(2) + "," + iso(4) + "&range=" + iso(5) + "," + iso(7) + "&transition=fade,3", 400, "transition"},
			{"/waveform/" + src.stream + "/source.png?start=" + iso(1) + "&end=" + iso(2) + "&size=12", 400, "size"},
			{base + "type=smart&start=" + iso(10) + "&end=" + iso(20), 406, ""},
			{"/frame/" + src.stream + "/source.png?timestamp=" + iso(30), 406, ""},
		}
		for _, tt := range tests {
			resp, body := fetch(t, srv, "GET", strings.ReplaceAll(tt.path, "+", "%2B"), nil)
			require.Equal(t, tt.status, resp.StatusCode, "%s: %s", tt.path, body)
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e))
			require.Contains(t, e.Error, tt.names)
		}
	})
	t.Cleanup(func() {
		entries, err := os.ReadDir(tmp)
		require.NoError(t, err)
		require.Empty(t, entries, "no temporary file is left")
	})
}

// counterOf reads the frame number drawn in a decoded picture.
func counterOf(img image.Image) int {
	n := 0
	for b := 0; b < bits; b++ {
		y, _, _, _ := img.At(width/2, 8*b+4).RGBA()
		if y>>8 > 128 {
			n |= 1 << b
		}
	}
	return n
}

// children lists the processes this test binary started that still run.
func children(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	me := strconv.Itoa(os.Getpid())
	var out []string
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 2 && f[1] == me && f[0] != "Z" {
			out = append(out, s[:i+1])
		}
	}
	return out
}

// gateStore holds every Open of one segment until the request ends.
type gateStore struct {
	archive.Reader
	held archive.Segment
}

func (g gateStore) Open(ctx context.Context, seg archive.Segment) (io.ReadSeekCloser, error) {
	if seg == g.held {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return g.Reader.Open(ctx, seg)
}

// ffmpegs lists the running ffmpeg processes this test binary started.
func ffmpegs(t *testing.T) []string {
	var out []string
	for _, c := range children(t) {
		if strings.HasSuffix(c, "(ffmpeg)") {
			out = append(out, c)
		}
	}
	return out
}

// TestHTTPBoundAndDisconnect holds the only process slot with a cut whose
// input stalls, sees the next request refused with 503 and Retry-After,
// then disconnects and sees ffmpeg gone at once and the slot given back.
func TestHTTPBoundAndDisconnect(t *testing.T) {
	src := hlsSource(t, false)
	tmp := t.TempDir()
	tools := newFFmpeg(t, media.Config{MaxProcesses: 1, QueueWait: -1, RetryAfter: 7 * time.Second, TempDir: tmp})
	srv := serve(t, gateStore{Reader: src.store, held: src.segs[3]}, tools, "")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/cut/"+src.stream+"/source.ts?type=mpegts&start="+iso(0)+"&end="+iso(15.9), nil)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := srv.Client().Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return len(ffmpegs(t)) == 1 }, 20*time.Second, 10*time.Millisecond)

	busy, body := fetch(t, srv, "GET", "/cut/"+src.stream+"/source.ts?type=fast&start="+iso(1)+"&end="+iso(2), nil)
	require.Equal(t, http.StatusServiceUnavailable, busy.StatusCode, string(body))
	require.Equal(t, "7", busy.Header.Get("Retry-After"))

	cancel()
	<-done
	require.Eventually(t, func() bool { return len(children(t)) == 0 }, 5*time.Second, 10*time.Millisecond, "ffmpeg outlives its request")
	require.Eventually(t, func() bool {
		r, _ := fetch(t, srv, "GET", "/cut/"+src.stream+"/source.ts?type=fast&start="+iso(1)+"&end="+iso(2), nil)
		return r.StatusCode == 200
	}, 10*time.Second, 10*time.Millisecond, "the slot is given back")
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, entries, "no temporary file is left")
}

// TestCloseKills closes the FFmpeg under a running cut: the cut fails at
// once and no process is left.
func TestCloseKills(t *testing.T) {
	src := hlsSource(t, false)
	tools, err := media.New(t.Context(), media.Config{})
	require.NoError(t, err)
	pr, pw := io.Pipe() // never read: the cut blocks on its output
	done := make(chan error, 1)
	go func() {
		done <- tools.Cut(t.Context(), src.store, []archive.Timeline{src.timeline(t, 0, 15.9)}, archive.CutOptions{Type: archive.CutWebM}, pw)
	}()
	require.Eventually(t, func() bool { return len(ffmpegs(t)) > 0 }, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, tools.Close())
	require.Error(t, <-done)
	pr.Close()
	require.Empty(t, children(t), "Close returns after every process has ended")
	require.Error(t, tools.Cut(t.Context(), src.store, []archive.Timeline{src.timeline(t, 0, 1)}, archive.CutOptions{Type: archive.CutFast}, io.Discard))
}

// TestGenerateVideos exports a range with a hole as two Matroska files in
// the export folder, never overwrites, and refuses names that would leave
// it.
func TestGenerateVideos(t *testing.T) {
	src := hlsSource(t, false)
	// The same archive less one segment: a hole from 6 s to 8 s.
	store := archive.NewMemStore()
	for i, seg := range src.segs {
		if i == 3 {
			continue
		}
		r, err := src.store.Open(t.Context(), seg)
		require.NoError(t, err)
		w, err := store.Create(t.Context(), archive.Segment{Stream: seg.Stream, Variant: seg.Variant, Start: seg.Start, Duration: seg.Duration})
		require.NoError(t, err)
		_, err = io.Copy(w, r)
		r.Close()
		require.NoError(t, err)
		_, err = w.Commit(t.Context(), archive.Full)
		require.NoError(t, err)
	}
	dir := t.TempDir()
	tools := newFFmpeg(t, media.Config{})
	srv := serve(t, store, tools, dir)
	post := func(body string) (*http.Response, []byte) {
		return fetch(t, srv, "POST", "/generate_videos/"+src.stream+"/source", strings.NewReader(body))
	}
	resp, body := post(`{"show": ["` + iso(2) + `", "` + iso(12) + `"]}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var res archive.ExportResult
	require.NoError(t, json.Unmarshal(body, &res))
	require.Equal(t, []string{"nob_source_show_0.mkv", "nob_source_show_1.mkv"}, res.Written)
	for i, want := range [][2]int{{50, 149}, {200, 299}} {
		data, err := os.ReadFile(filepath.Join(dir, res.Written[i]))
		require.NoError(t, err)
		frames := decodeFrames(t, data)
		require.Equal(t, want[0], frames[0])
		require.Equal(t, want[1], frames[len(frames)-1])
	}
	resp, body = post(`{"show": ["` + iso(2) + `", "` + iso(12) + `"]}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.NoError(t, json.Unmarshal(body, &res))
	require.Empty(t, res.Written)
	require.Len(t, res.Skipped, 2, "existing files are never replaced")
	for _, bad := range []string{`{"../x": ["` + iso(2) + `", "` + iso(4) + `"]}`, `{".hidden": ["` + iso(2) + `", "` + iso(4) + `"]}`, `{"a/b": ["` + iso(2) + `", "` + iso(4) + `"]}`, `[1]`} {
		resp, body = post(bad)
		require.Equal(t, 400, resp.StatusCode, "%s: %s", bad, body)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "nothing but the two exports, no temporary file")

	off := serve(t, store, tools, "")
	resp, _ = fetch(t, off, "POST", "/generate_videos/"+src.stream+"/source", strings.NewReader(`{"show": ["`+iso(2)+`", "`+iso(4)+`"]}`))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "off without an export folder")
}
