package hlstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/internal/testtool"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestSegmentIsValidTransportStream(t *testing.T) {
	for _, size := range []int{0, 1000, 100_000} {
		data := Segment("label", 4*time.Second, 2*time.Second, size)
		require.Zero(t, len(data)%packetSize)
		require.GreaterOrEqual(t, len(data), size)
		ptsSeen := 0
		for off := 0; off < len(data); off += packetSize {
			p := data[off : off+packetSize]
			require.Equal(t, byte(0x47), p[0], "sync byte at %d", off)
			pid := binary.BigEndian.Uint16(p[1:3]) & 0x1FFF
			if pid == pidPAT || pid == pidPMT {
				sec := p[5:] // pointer field 0
				n := int(binary.BigEndian.Uint16(sec[1:3])&0x0FFF) + 3
				require.True(t, bytes.Equal(appendCRC(append([]byte(nil), sec[:n-4]...)), sec[:n]), "PSI CRC")
			}
			if pid == pidAudio && p[1]&0x40 != 0 {
				ptsSeen++
			}
		}
		// 2 s of 24 ms frames, one PES each.
		require.Equal(t, 84, ptsSeen)
	}
	require.True(t, bytes.Equal(Segment("a", 0, time.Second, 5000), Segment("a", 0, time.Second, 5000)), "deterministic")
	require.False(t, bytes.Equal(Segment("a", 0, time.Second, 5000), Segment("b", 0, time.Second, 5000)))
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOriginTimeline(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	o, err := New(Config{
		Clock: clock, Window: 3,
		Faults: Faults{EndEvery: 20 * time.Second, EndFor: 10 * time.Second, TokenTTL: 30 * time.Second},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()

	code, master := get(t, srv.URL+MasterPath("demo"))
	require.Equal(t, 200, code)
	require.Contains(t, master, "NAME=\"480p\"")
	var mediaURL string
	for _, l := range strings.Split(master, "\n") {
		if strings.HasPrefix(l, "source/") {
			mediaURL = srv.URL + "/c/demo/" + l
		}
	}
	require.Contains(t, mediaURL, "?token=")

	// The stream began a window before Start: three segments now.
	_, pl := get(t, mediaURL)
	require.Contains(t, pl, "#EXT-X-MEDIA-SEQUENCE:0\n")
	require.Contains(t, pl, "#EXT-X-PROGRAM-DATE-TIME:2026-11-23T11:59:54.000Z\n#EXTINF:2.0,\ne0/0.ts?token=")
	require.Contains(t, pl, "e0/2.ts")
	require.NotContains(t, pl, "ENDLIST")

	code, seg := get(t, srv.URL+"/c/demo/source/e0/2.ts?"+strings.SplitN(mediaURL, "?", 2)[1])
	require.Equal(t, 200, code)
	require.True(t, bytes.Equal(Segment("airkeep demo/source/e0/2", 4*time.Second, 2*time.Second, 500_000), []byte(seg)))
	code, _ = get(t, srv.URL+"/c/demo/source/e0/3.ts?"+strings.SplitN(mediaURL, "?", 2)[1])
	require.Equal(t, 404, code, "not yet published")
	code, _ = get(t, srv.URL+"/c/demo/source/e0/2.ts")
	require.Equal(t, 403, code, "no token")

	// 20 s of streaming, then ENDLIST.
	clock.Advance(15 * time.Second)
	_, pl = get(t, mediaURL)
	require.Contains(t, pl, "e0/9.ts")
	require.Contains(t, pl, "#EXT-X-ENDLIST")

	// The token expires 30 s after the master fetch.
	clock.Advance(15 * time.Second)
	code, _ = get(t, mediaURL)
	require.Equal(t, 403, code)

	// After 10 s ended, the stream restarts at sequence 0 of epoch 1.
	_, master = get(t, srv.URL+MasterPath("demo"))
	for _, l := range strings.Split(master, "\n") {
		if strings.HasPrefix(l, "source/") {
			mediaURL = srv.URL + "/c/demo/" + l
		}
	}
	_, pl = get(t, mediaURL)
	require.Contains(t, pl, "#EXT-X-MEDIA-SEQUENCE:0\n")
	require.Contains(t, pl, "e1/0.ts")
	require.NotContains(t, pl, "ENDLIST")

	o.Finish()
	clock.Advance(10 * time.Second)
	_, pl = get(t, mediaURL)
	require.Contains(t, pl, "#EXT-X-ENDLIST")
}

func TestOriginFreeze(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	o, err := New(Config{Clock: clock, Window: 3, Faults: Faults{FreezeEvery: 30 * time.Second, FreezeFor: 10 * time.Second, TokenTTL: time.Hour}})
	require.NoError(t, err)
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()
	media := func() string {
		_, master := get(t, srv.URL+MasterPath("demo"))
		for _, l := range strings.Split(master, "\n") {
			if strings.HasPrefix(l, "source/") {
				return srv.URL + "/c/demo/" + l
			}
		}
		return ""
	}
	old := media()
	clock.Advance(22 * time.Second) // freeze began at 20 s
	_, stale := get(t, old)
	clock.Advance(4 * time.Second)
	_, stale2 := get(t, old)
	require.Equal(t, stale, stale2, "an old URL is frozen")
	_, fresh := get(t, media())
	require.NotEqual(t, stale, fresh, "a fresh URL is not")
	clock.Advance(5 * time.Second) // freeze over
	_, thawed := get(t, old)
	require.NotEqual(t, stale, thawed)
}

func TestOriginPublishes(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	var mu sync.Mutex
	var pubs []Published
	o, err := New(Config{Clock: clock, Window: 2, Channels: []string{"a", "b"},
		Faults: Faults{EndEvery: 6 * time.Second, EndFor: 3 * time.Second},
		OnPublish: func(p Published) {
			mu.Lock()
			defer mu.Unlock()
			pubs = append(pubs, p)
		}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = o.Run(ctx) }()
	for i := 0; i < 20; i++ {
		clock.BlockUntil(1)
		clock.Advance(time.Second)
	}
	// Once the origin waits on its next timer, it has published what the
	// last step made due; cancelling before that raced with it.
	clock.BlockUntil(1)
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	// epoch 0 from -4 s: 3 segments (ends -2, 0, 2); epoch 1 from 5 s:
	// 3 segments (7, 9, 11); epoch 2 from 14 s: ends 16, 18, 20.
	var got []string
	for _, p := range pubs {
		if p.Channel == "a" && p.Variant == "source" {
			got = append(got, p.Path)
		}
	}
	require.Equal(t, []string{
		"/c/a/source/e0/0.ts", "/c/a/source/e0/1.ts", "/c/a/source/e0/2.ts",
		"/c/a/source/e1/0.ts", "/c/a/source/e1/1.ts", "/c/a/source/e1/2.ts",
		"/c/a/source/e2/0.ts", "/c/a/source/e2/1.ts", "/c/a/source/e2/2.ts",
	}, got)
	require.Len(t, pubs, 9*4)
	p := pubs[0]
	data := Segment("airkeep a/source/e0/0", 0, 2*time.Second, 500_000)
	require.Equal(t, [32]byte(sha256.Sum256(data)), [32]byte(p.SHA256))
	require.Equal(t, "published channel=a variant=source epoch=0 msn=0 start=2026-11-23T11:59:56.000000Z duration=2.0 size=500080 sha256="+p.SHA256.String(), p.String())
}

// TestOriginFFmpeg has ffmpeg read four seconds of the live origin: the
// synthetic transport stream must be one a real demuxer accepts. ffmpeg
// plays a live stream on the wall clock, so the origin runs on it too.
func TestOriginFFmpeg(t *testing.T) {
	ffmpeg := testtool.Require(t, "ffmpeg")
	o, err := New(Config{Variants: []VariantConfig{{Name: "source", Resolution: "640x360", Bandwidth: 300_000}, {Name: "low", Resolution: "320x180", Bandwidth: 100_000}}})
	require.NoError(t, err)
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-live_start_index", "0",
		"-i", srv.URL+MasterPath("demo"), "-t", "4", "-c", "copy", "-f", "null", "-")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), out.String())
	require.Contains(t, out.String(), "Audio: mp3")
	require.Contains(t, out.String(), "48000 Hz")
	require.NotContains(t, out.String(), "Invalid data")
}

// TestOriginListed: segments that slid out of the window before the first
// playlist request of their variant were never offered, and Listed says so.
func TestOriginListed(t *testing.T) {
	clock := airkeep.NewFakeClock(t0)
	o, err := New(Config{Clock: clock, Window: 3})
	require.NoError(t, err)
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()

	seg := func(variant string, epoch int, msn uint64) Published {
		return Published{Channel: "demo", Variant: variant, Epoch: epoch, MSN: msn}
	}
	require.False(t, o.Listed(seg("source", 0, 5)), "nothing listed before any request")
	clock.Advance(4 * time.Second) // e0/0 and e0/1 leave the window unseen
	code, pl := get(t, srv.URL+MediaPath("demo", "source"))
	require.Equal(t, 200, code)
	require.Contains(t, pl, "#EXT-X-MEDIA-SEQUENCE:2\n")
	clock.Advance(10 * time.Second)
	_, _ = get(t, srv.URL+MediaPath("demo", "source")) // later requests do not move the mark

	for _, tc := range []struct {
		p    Published
		want bool
	}{
		{seg("source", 0, 0), false},
		{seg("source", 0, 1), false},
		{seg("source", 0, 2), true},
		{seg("source", 0, 40), true},
		{seg("source", 1, 0), true}, // after an encoder restart
		{seg("480p", 0, 2), false},  // its playlist was never requested
		{Published{Channel: "other", Variant: "source", MSN: 9}, false},
	} {
		require.Equal(t, tc.want, o.Listed(tc.p), "%+v", tc.p)
	}
}
