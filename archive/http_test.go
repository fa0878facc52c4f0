package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/grafov/m3u8"
	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
	"github.com/airkeep/airkeep/internal/testtool"
)

// served starts the HTTP API over store.
func served(t *testing.T, store archive.Store, cfg archive.HandlerConfig) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(archive.NewHandler(store, cfg))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// threeSegs stores s/v: full at 0 s, full at 2 s, a hole, full at 6 s.
func threeSegs(t *testing.T) (*archive.MemStore, []archive.Segment) {
	s := archive.NewMemStore()
	var segs []archive.Segment
	for _, at := range []time.Duration{0, 2 * time.Second, 6 * time.Second} {
		segs = append(segs, archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(at), Duration: 2}, archive.Full, []byte("segment at "+at.String())))
	}
	return s, segs
}

func TestHTTPFiles(t *testing.T) {
	s, segs := threeSegs(t)
	archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "480p", Start: t0.Add(time.Hour), Duration: 2}, archive.Full, []byte("x"))
	require.NoError(t, s.Tombstone(t.Context(), segs[1]))
	srv := served(t, s, archive.HandlerConfig{})
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/files", 200, []string{"s"}},
		{"/files/s", 200, []string{"480p", "v"}},
		{"/files/s/v", 200, []string{"2026-11-23T14"}},
		{"/files/s/v/2026-11-23T14", 200, []string{segs[0].Name(), segs[2].Name()}},
		{"/files/s/v/2026-11-23T14?tombstones=false", 200, []string{segs[0].Name(), segs[2].Name()}},
		{"/files/s/v/2026-11-23T14?tombstones=true", 200, []string{segs[0].Name(), segs[1].TombstoneName(), segs[2].Name()}},
		// wubloader lower-cases the flag: Python's requests sends True.
		{"/files/s/v/2026-11-23T14?tombstones=True", 200, []string{segs[0].Name(), segs[1].TombstoneName(), segs[2].Name()}},
		{"/files/s/v/2026-11-23T14?tombstones=FALSE", 200, []string{segs[0].Name(), segs[2].Name()}},
		{"/files/nope", 200, []string{}},
		{"/files/s/v/2026-11-23T15", 200, []string{}},
		{"/extras/emotes", 200, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, srv, tt.path)
			require.Equal(t, tt.status, resp.StatusCode)
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
			var got []string
			require.NoError(t, json.Unmarshal(body, &got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestHTTPRefusesBadPaths(t *testing.T) {
	s, _ := threeSegs(t)
	srv := served(t, s, archive.HandlerConfig{})
	tests := []struct {
		path   string
		status int
	}{
		{"/files/s/v/2026-11-23T14?tombstones=maybe", 400},
		{"/files/.hidden", 403},
		{"/files/s/..", 403},
		{"/files/s/%2E%2E", 403},
		{"/files/a%2Fb", 400},
		{"/files/s/v/../../../etc", 403},
		{"/files/s/v/not-an-hour", 400},
		{"/segments/s/v/2026-11-23T14/..%2F..%2F..%2Fetc%2Fpasswd", 403},
		{"/segments/s/v/2026-11-23T14/notes.txt", 400},
		{"/segments/s/v/2026-11-23T14/00:00.000000-2.0-full-" + emptyHash + ".ts", 404},
		{"/segments/s/v/2026-11-23T14/00:00.000000-2.0-temp-abc.ts", 404},
		{"/segments/s%0A/v/2026-11-23T14/00:00.000000-2.0-full-" + emptyHash + ".ts", 400},
		{"/playlist/s/v.m3u8?start=yesterday", 400},
		{"/playlist/s/v.m3u8?start=2026-11-23T15:00:00Z&end=2026-11-23T14:00:00Z", 400},
		{"/playlist/nope/v.m3u8", 404},
		{"/playlist/nope.m3u8", 404},
		{"/playlist/.x/v.m3u8", 403},
		{"/cut/s/v.ts", 400},
		{"/cut/s/v.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&type=bogus", 400},
		{"/cut/s/v.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&type=mpegts&transition=bogus,1", 400},
		{"/cut/s/v.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&type=mpegts&transition=fade,0", 400},
		{"/cut/s/v.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&type=smart&transition=fade,1", 400},
		{"/waveform/s/v.png?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&size=0x64", 400},
		{"/waveform/s/v.png?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&size=4097x64", 400},
		{"/waveform/s/v.png?start=2026-11-23T14:00:00Z&end=2026-11-23T20:00:01Z", 400},
		{"/frame/s/v.png", 400},
		{"/frame/s/v.png?timestamp=nope", 400},
		// Without a Media, everything ffmpeg does answers 501.
		{"/cut/s/v.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&type=smart", 501},
		{"/frame/s/v.png?timestamp=2026-11-23T14:00:01Z", 501},
		{"/waveform/s/v.png?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z", 501},
		{"/cut/s/v.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z&allow_holes=perhaps", 400},
		{"/cut/s/v.mp4?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:04Z", 404},
		{"/nothing/here", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, srv, tt.path)
			require.Equal(t, tt.status, resp.StatusCode, "body %s", body)
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e))
			require.NotEmpty(t, e.Error)
		})
	}
}

func TestHTTPSegments(t *testing.T) {
	s, segs := threeSegs(t)
	srv := served(t, s, archive.HandlerConfig{})
	path := "/segments/" + segs[0].Path()
	data := []byte("segment at 0s")

	resp, body := get(t, srv, path)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, data, body)
	require.Equal(t, fmt.Sprint(len(data)), resp.Header.Get("Content-Length"))
	require.Equal(t, "video/MP2T", resp.Header.Get("Content-Type"))
	etag := resp.Header.Get("ETag")
	require.Equal(t, `"`+segs[0].Hash.String()+`"`, etag)
	require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))

	// Colons escaped, as playlists write them.
	resp, body = get(t, srv, "/segments/s/v/2026-11-23T14/"+strings.ReplaceAll(segs[0].Name(), ":", "%3A"))
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, data, body)

	resp, body = get(t, srv, path, "Range", "bytes=2-5")
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	require.Equal(t, data[2:6], body)
	require.Equal(t, fmt.Sprintf("bytes 2-5/%d", len(data)), resp.Header.Get("Content-Range"))

	resp, body = get(t, srv, path, "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, body)

	resp, body = get(t, srv, path, "Range", "bytes=2-5", "If-Range", `"other"`)
	require.Equal(t, 200, resp.StatusCode, "a stale If-Range gets the whole file")
	require.Equal(t, data, body)

	req, err := http.NewRequest(http.MethodHead, srv.URL+path, nil)
	require.NoError(t, err)
	hresp, err := srv.Client().Do(req)
	require.NoError(t, err)
	hbody, _ := io.ReadAll(hresp.Body)
	hresp.Body.Close()
	require.Equal(t, 200, hresp.StatusCode)
	require.Empty(t, hbody)
	require.Equal(t, fmt.Sprint(len(data)), hresp.Header.Get("Content-Length"))

	require.NoError(t, s.Tombstone(t.Context(), segs[0]))
	resp, _ = get(t, srv, path)
	require.Equal(t, 404, resp.StatusCode, "tombstoned segments are hidden")
}

func TestHTTPCORSPreflight(t *testing.T) {
	s, _ := threeSegs(t)
	srv := served(t, s, archive.HandlerConfig{})
	req, err := http.NewRequest(http.MethodOptions, srv.URL+"/files", nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "GET, POST, HEAD", resp.Header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "86400", resp.Header.Get("Access-Control-Max-Age"))
}

func decodeMedia(t *testing.T, body []byte) *m3u8.MediaPlaylist {
	t.Helper()
	p, err := m3u8.NewMediaPlaylist(0, 100000)
	require.NoError(t, err)
	require.NoError(t, p.DecodeFrom(bytes.NewReader(body), true), "playlist:\n%s", body)
	return p
}

func TestHTTPMediaPlaylist(t *testing.T) {
	s, segs := threeSegs(t)
	srv := served(t, s, archive.HandlerConfig{})
	resp, body := get(t, srv, "/playlist/s/v.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:08Z")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/vnd.apple.mpegurl", resp.Header.Get("Content-Type"))
	text := string(body)
	require.Contains(t, text, "#EXT-X-VERSION:3\n")
	require.Contains(t, text, "#EXT-X-TARGETDURATION:2\n")
	require.Contains(t, text, "#EXT-X-MEDIA-SEQUENCE:0\n")
	require.Contains(t, text, "#EXT-X-PLAYLIST-TYPE:VOD\n")
	require.Equal(t, 3, strings.Count(text, "#EXT-X-PROGRAM-DATE-TIME:"))
	require.True(t, strings.HasSuffix(text, "#EXT-X-ENDLIST\n"))

	p := decodeMedia(t, body)
	require.True(t, p.Closed)
	require.Equal(t, 2.0, p.TargetDuration)
	got := p.Segments[:p.Count()]
	require.Len(t, got, 3)
	for i, seg := range got {
		require.True(t, segs[i].Start.Equal(seg.ProgramDateTime), "PDT of %d", i)
		require.Equal(t, 2.0, seg.Duration)
		u, err := url.Parse(srv.URL + "/playlist/s/v.m3u8")
		require.NoError(t, err)
		ref, err := u.Parse(seg.URI)
		require.NoError(t, err)
		require.Equal(t, "/segments/"+segs[i].Path(), ref.Path, "segment URIs resolve against the playlist URL")
		// And the URI fetches the segment.
		r, body := get(t, srv, ref.EscapedPath())
		require.Equal(t, 200, r.StatusCode)
		require.Equal(t, "segment at "+(time.Duration(i)*2*time.Second+time.Duration(i/2)*2*time.Second).String(), string(body))
	}
	require.False(t, got[1].Discontinuity)
	require.True(t, got[2].Discontinuity, "the hole between 4 s and 6 s is a discontinuity")

	// A range ending past the data is incomplete: no ENDLIST.
	_, body = get(t, srv, "/playlist/s/v.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:10Z")
	require.False(t, decodeMedia(t, body).Closed)
	require.NotContains(t, string(body), "PLAYLIST-TYPE")
}

func TestHTTPMasterPlaylist(t *testing.T) {
	s, _ := threeSegs(t)
	archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "480p", Start: t0.Add(5 * time.Hour), Duration: 2}, archive.Full, []byte("x"))
	archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "chat", Start: t0, Duration: 2}, archive.Full, []byte("x"))
	srv := served(t, s, archive.HandlerConfig{})

	resp, body := get(t, srv, "/playlist/s.m3u8")
	require.Equal(t, 200, resp.StatusCode)
	p := m3u8.NewMasterPlaylist()
	require.NoError(t, p.DecodeFrom(bytes.NewReader(body), true), "%s", body)
	var uris []string
	for _, v := range p.Variants {
		uris = append(uris, v.URI)
		require.Positive(t, v.Bandwidth)
	}
	require.Equal(t, []string{"s/480p.m3u8", "s/v.m3u8"}, uris, "every variant but chat")

	_, body = get(t, srv, "/playlist/s.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:06Z")
	p = m3u8.NewMasterPlaylist()
	require.NoError(t, p.DecodeFrom(bytes.NewReader(body), true))
	require.Len(t, p.Variants, 1, "only variants with data in range")
	require.Equal(t, "s/v.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:06Z", p.Variants[0].URI)
}

func TestHTTPImplicitRangeLimit(t *testing.T) {
	s := archive.NewMemStore()
	for _, h := range []time.Duration{0, 13 * time.Hour} {
		archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(h), Duration: 2}, archive.Full, []byte("x"))
	}
	srv := served(t, s, archive.HandlerConfig{})
	resp, _ := get(t, srv, "/playlist/s/v.m3u8")
	require.Equal(t, 400, resp.StatusCode)
	resp, _ = get(t, srv, "/playlist/s/v.m3u8?start=2026-11-24T03:00:00Z")
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = get(t, srv, "/playlist/s/v.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-24T04:00:00Z")
	require.Equal(t, 200, resp.StatusCode, "explicit ranges may exceed 12 hours")
}

// segmentLines returns the URI lines of a playlist, in order.
func segmentLines(body []byte) []string {
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// A live playlist only ever grows: segments that arrive out of order are
// withheld near the live edge instead of being inserted later.
func TestHTTPLivePlaylistIsAppendOnly(t *testing.T) {
	s := archive.NewMemStore()
	srv := served(t, s, archive.HandlerConfig{LiveHoldback: 10 * time.Second})
	put := func(i int) {
		archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2}, archive.Full, []byte{byte(i)})
	}
	var seen [][]string
	fetch := func() []byte {
		resp, body := get(t, srv, "/playlist/s/v.m3u8?start=2026-11-23T14:00:00Z")
		require.Equal(t, 200, resp.StatusCode)
		require.NotContains(t, string(body), "#EXT-X-ENDLIST")
		require.Contains(t, string(body), "#EXT-X-PLAYLIST-TYPE:EVENT")
		seen = append(seen, segmentLines(body))
		return body
	}
	for i := range 10 {
		put(i)
	}
	fetch()
	require.Len(t, seen[0], 10)
	put(11) // 10 is late
	put(12)
	fetch()
	require.Equal(t, seen[0], seen[1], "the hole at 10 is within the holdback: nothing after it is shown yet")
	put(10)
	fetch()
	require.Len(t, seen[2], 13)
	for i := 13; i < 20; i++ {
		if i == 15 {
			continue // lost for good
		}
		put(i)
	}
	fetch()
	put(20)
	put(21)
	put(22)
	body := fetch()
	require.Contains(t, string(body), "#EXT-X-DISCONTINUITY", "a hole older than the holdback is published as a discontinuity")
	for i := 1; i < len(seen); i++ {
		require.GreaterOrEqual(t, len(seen[i]), len(seen[i-1]))
		require.Equal(t, seen[i-1], seen[i][:len(seen[i-1])], "fetch %d rewrote what fetch %d showed", i, i-1)
	}
}

func TestHTTPCut(t *testing.T) {
	s, _ := threeSegs(t)
	srv := served(t, s, archive.HandlerConfig{})
	resp, body := get(t, srv, "/cut/s/v.ts?start=2026-11-23T14:00:01Z&end=2026-11-23T14:00:03Z")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "video/MP2T", resp.Header.Get("Content-Type"))
	require.Equal(t, "segment at 0ssegment at 2s", string(body))

	resp, body = get(t, srv, "/cut/s/v.ts?start=2026-11-23T14:00:01Z&end=2026-11-23T14:00:07Z")
	require.Equal(t, http.StatusNotAcceptable, resp.StatusCode)
	require.Contains(t, string(body), "contains holes")

	resp, body = get(t, srv, "/cut/s/v.ts?start=2026-11-23T14:00:01Z&end=2026-11-23T14:00:07Z&allow_holes=true&type=rough")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "segment at 0ssegment at 2ssegment at 6s", string(body))
	resp, _ = get(t, srv, "/cut/s/v.ts?start=2026-11-23T14:00:01Z&end=2026-11-23T14:00:07Z&allow_holes=True")
	require.Equal(t, 200, resp.StatusCode, "the flag is read without regard to case, as wubloader reads it")
	resp, _ = get(t, srv, "/cut/s/v.ts?start=2026-11-23T14:00:01Z&end=2026-11-23T14:00:07Z&allow_holes=yes")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, _ = get(t, srv, "/cut/s/v.ts?start=2026-11-23T15:00:00Z&end=2026-11-23T15:00:07Z&allow_holes=true")
	require.Equal(t, http.StatusNotAcceptable, resp.StatusCode)

	// wubloader's repeated range=START,END, and times without a zone (UTC).
	resp, body = get(t, srv, "/cut/s/v.ts?range=2026-11-23T14:00:00,2026-11-23T14:00:01&range=2026-11-23T14:00:06.5,2026-11-23T14:00:07")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "segment at 0ssegment at 6s", string(body))
}

// blockingStore holds List calls until released, counting them.
type blockingStore struct {
	archive.Store
	release chan struct{}
	lists   atomic.Int64
}

func (b *blockingStore) List(ctx context.Context, stream, variant, hour string) (archive.Listing, error) {
	b.lists.Add(1)
	<-b.release
	return b.Store.List(ctx, stream, variant, hour)
}

// Identical playlist requests that arrive while one is being generated
// share its generation. In a synctest bubble, Wait returns once every
// request is parked: the first in the store, the others on its
// generation; only then is the store released.
func TestHTTPCoalescesIdenticalPlaylistRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, _ := threeSegs(t)
		bs := &blockingStore{Store: mem, release: make(chan struct{})}
		h := archive.NewHandler(bs, archive.HandlerConfig{})
		const viewers = 20
		var wg sync.WaitGroup
		recs := make([]*httptest.ResponseRecorder, viewers)
		for i := range viewers {
			recs[i] = httptest.NewRecorder()
			req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/playlist/s/v.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:08Z", nil)
			wg.Go(func() { h.ServeHTTP(recs[i], req) })
		}
		synctest.Wait()
		// One generation lists two hours (the look-back hour and 14:00)
		// at once; every other request waits for it.
		require.Equal(t, int64(2), bs.lists.Load())
		close(bs.release)
		wg.Wait()
		require.Equal(t, int64(2), bs.lists.Load(), "one generation served every request")
		for i := range viewers {
			require.Equal(t, http.StatusOK, recs[i].Code)
			require.Contains(t, recs[i].Body.String(), "#EXTINF")
			require.Equal(t, recs[0].Body.String(), recs[i].Body.String())
		}
	})
}

// ffmpeg, a real player, plays a playlist the handler generates from real
// MPEG-TS segments.
func TestHTTPPlaylistPlaysInFFmpeg(t *testing.T) {
	ffmpeg := testtool.Require(t, "ffmpeg")
	dir := t.TempDir()
	gen := exec.Command(ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=8:size=96x64:rate=10",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=8", "-c:v", "mpeg2video", "-c:a", "mp2", "-g", "10",
		"-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_segment_filename", filepath.Join(dir, "seg%d.ts"), filepath.Join(dir, "out.m3u8"))
	out, err := gen.CombinedOutput()
	require.NoError(t, err, "%s", out)
	files, _ := filepath.Glob(filepath.Join(dir, "seg*.ts"))
	sort.Slice(files, func(i, j int) bool {
		return len(files[i]) < len(files[j]) || len(files[i]) == len(files[j]) && files[i] < files[j]
	})
	require.GreaterOrEqual(t, len(files), 3)
	store := newDirStore(t)
	for i, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		archivetest.Write(t, store, archive.Segment{Stream: "radio", Variant: "source", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2}, archive.Full, data)
	}
	srv := served(t, store, archive.HandlerConfig{})
	for _, path := range []string{"/playlist/radio/source.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:08Z", "/playlist/radio.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:08Z"} {
		play := exec.CommandContext(t.Context(), ffmpeg, "-hide_banner", "-loglevel", "error", "-i", srv.URL+path, "-c", "copy", "-f", "null", "-")
		out, err := play.CombinedOutput()
		require.NoError(t, err, "ffmpeg could not play %s: %s", path, out)
	}
}

func TestSegmentURI(t *testing.T) {
	seg, err := archive.ParsePath(desertbusPath)
	require.NoError(t, err)
	require.Equal(t, "../../segments/desertbus/source/2019-11-13T02/45%3A51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts", archive.SegmentURI(seg, "../../segments/"))
	seg.Stream, seg.Variant = "radio été", "a:b"
	require.Equal(t, "radio%20%C3%A9t%C3%A9/a%3Ab/2019-11-13T02/45%3A51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts", archive.SegmentURI(seg, ""))
}

// The target duration covers each EXTINF as the playlist writes it, with
// three decimals (RFC 8216 §4.3.3.1), not as the name holds it.
func TestMediaPlaylistTargetCoversWrittenEXTINF(t *testing.T) {
	tests := []struct {
		name   string
		dur    archive.Seconds
		extinf string
		target string
	}{
		{"whole", 2.0, "#EXTINF:2.000,", "#EXT-X-TARGETDURATION:2\n"},
		{"below half", 2.4994, "#EXTINF:2.499,", "#EXT-X-TARGETDURATION:2\n"},
		{"written as half", 2.4996, "#EXTINF:2.500,", "#EXT-X-TARGETDURATION:3\n"},
		{"half", 2.5, "#EXTINF:2.500,", "#EXT-X-TARGETDURATION:3\n"},
		{"written as whole", 5.9996, "#EXTINF:6.000,", "#EXT-X-TARGETDURATION:6\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg := archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: tt.dur, Type: archive.Full}
			tl := archive.Timeline{Items: []archive.Item{{Entry: archive.Entry{Segment: seg}, Start: seg.Start, End: seg.End()}}}
			body, complete := archive.MediaPlaylist(tl, archive.MediaPlaylistOptions{})
			require.True(t, complete)
			require.Contains(t, string(body), tt.extinf)
			require.Contains(t, string(body), tt.target)
		})
	}
}

// The ranges of one cut together get the bound of one selection: their
// timelines are all held before the first byte is written.
func TestHTTPCutBoundsTotalRange(t *testing.T) {
	s, _ := threeSegs(t)
	srv := served(t, s, archive.HandlerConfig{Selector: archive.NewSelector(s, archive.SelectorConfig{MaxRange: 24 * time.Hour})})
	resp, body := get(t, srv, "/cut/s/v.ts?range=2026-11-23T14:00:00Z,2026-11-23T14:00:04Z&range=2026-11-01T00:00:00Z,2026-11-01T23:59:59Z&allow_holes=true")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), "longer than")
	resp, body = get(t, srv, "/cut/s/v.ts?range=2026-11-23T14:00:00Z,2026-11-23T14:00:04Z&range=2026-11-01T00:00:00Z,2026-11-01T22:00:00Z&allow_holes=true")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, "segment at 0ssegment at 2s", string(body))
}

// Stream and variant names that are valid in the archive but special in
// URLs or HLS attributes (a colon, a double quote, non-ASCII) still give a
// master playlist that parses and whose URIs reach the media playlists.
func TestHTTPMasterPlaylistOddNames(t *testing.T) {
	s := archive.NewMemStore()
	variants := []string{"a:b", `q"v`, "été"}
	for _, v := range variants {
		archivetest.Write(t, s, archive.Segment{Stream: "st:x", Variant: v, Start: t0, Duration: 2}, archive.Full, []byte(v))
	}
	srv := served(t, s, archive.HandlerConfig{})
	master := srv.URL + "/playlist/st%3Ax.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:02Z"
	resp, body := get(t, srv, strings.TrimPrefix(master, srv.URL))
	require.Equal(t, 200, resp.StatusCode, "%s", body)
	p := m3u8.NewMasterPlaylist()
	require.NoError(t, p.DecodeFrom(bytes.NewReader(body), true), "%s", body)
	require.Len(t, p.Variants, len(variants), "%s", body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "#EXT-X-MEDIA:") {
			require.Equal(t, 4, strings.Count(line, `"`), "GROUP-ID and NAME are one quoted-string each: %s", line)
		}
	}
	base, err := url.Parse(master)
	require.NoError(t, err)
	var reached []string
	for _, v := range p.Variants {
		ref, err := base.Parse(v.URI)
		require.NoError(t, err)
		require.Equal(t, base.Host, ref.Host, "%s resolves against the master", v.URI)
		r, media := get(t, srv, ref.RequestURI())
		require.Equal(t, 200, r.StatusCode, "%s: %s", v.URI, media)
		seg := decodeMedia(t, media).Segments[0]
		sref, err := ref.Parse(seg.URI)
		require.NoError(t, err)
		r, data := get(t, srv, sref.RequestURI())
		require.Equal(t, 200, r.StatusCode)
		reached = append(reached, string(data))
	}
	require.ElementsMatch(t, variants, reached)
}
