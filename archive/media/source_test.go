package media_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/media"
	"github.com/airkeep/airkeep/internal/testtool"
)

// t0 is when every test source starts.
var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

const (
	fps     = 25
	width   = 32
	height  = 128
	bits    = height / 8
	srcSecs = 16
)

// frameCounter draws each frame's number in binary as 16 bars, 8 pixels
// high, white for 1 and black for 0, bit 0 at the top: every frame of the
// source can be told apart by decoding it.
var frameCounter = fmt.Sprintf("nullsrc=s=%dx%d:r=%d:d=%d,geq=lum='if(bitand(floor(N/pow(2\\,floor(Y/8)))\\,1)\\,235\\,16)':cb=128:cr=128", width, height, fps, srcSecs)

// source is an archive made by ffmpeg's own HLS muxer (H.264 and AAC,
// 2-s segments) and stored through the archive.
type source struct {
	store  *archive.MemStore
	stream string
	segs   []archive.Segment
}

var (
	sourcesMu sync.Mutex
	sources   = map[bool]*source{}
)

// hlsSource returns the shared source with or without B-frames, making it
// on first use.
func hlsSource(t *testing.T, bframes bool) *source {
	t.Helper()
	ffmpeg := testtool.Require(t, "ffmpeg")
	testtool.Require(t, "ffprobe")
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	if s := sources[bframes]; s != nil {
		return s
	}
	dir, err := os.MkdirTemp("", "airkeep-media-src")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	bf := "0"
	if bframes {
		bf = "3"
	}
	cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", frameCounter,
		"-f", "lavfi", "-i", fmt.Sprintf("sine=f=440:r=48000:d=%d", srcSecs),
		"-c:v", "libx264", "-preset", "ultrafast", "-bf", bf, "-g", "50", "-force_key_frames", "expr:gte(t,n_forced*2)",
		"-c:a", "aac", "-b:a", "64k",
		"-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_segment_filename", filepath.Join(dir, "seg_%d.ts"),
		filepath.Join(dir, "index.m3u8"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	playlist, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	require.NoError(t, err)
	s := &source{store: archive.NewMemStore(), stream: "nob"}
	if bframes {
		s.stream = "b"
	}
	at := t0
	var dur float64
	sc := bufio.NewScanner(bytes.NewReader(playlist))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
			dur, err = strconv.ParseFloat(strings.TrimSuffix(v, ","), 64)
			require.NoError(t, err)
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, line))
		require.NoError(t, err)
		w, err := s.store.Create(context.Background(), archive.Segment{Stream: s.stream, Variant: "source", Start: at, Duration: archive.Seconds(dur)})
		require.NoError(t, err)
		_, err = w.Write(body)
		require.NoError(t, err)
		seg, err := w.Commit(context.Background(), archive.Full)
		require.NoError(t, err)
		s.segs = append(s.segs, seg)
		at = at.Add(time.Duration(dur * float64(time.Second)))
	}
	require.Len(t, s.segs, srcSecs/2)
	sources[bframes] = s
	return s
}

// timeline selects the best timeline of [from, to) seconds after t0.
func (s *source) timeline(t *testing.T, from, to float64) archive.Timeline {
	t.Helper()
	tl, err := archive.Best(t.Context(), s.store, archive.Query{Stream: s.stream, Variant: "source", Start: at(from), End: at(to)})
	require.NoError(t, err)
	return tl
}

// withNext adds the segment after tl, as the Handler does for full encodes.
func (s *source) withNext(t *testing.T, tl archive.Timeline) archive.Timeline {
	t.Helper()
	tl, err := archive.NewSelector(s.store, archive.SelectorConfig{}).WithNext(t.Context(), tl)
	require.NoError(t, err)
	return tl
}

func at(sec float64) time.Time { return t0.Add(time.Duration(math.Round(sec*1e6)) * time.Microsecond) }

// newFFmpeg returns an FFmpeg closed at the test's end.
func newFFmpeg(t *testing.T, cfg media.Config) *media.FFmpeg {
	t.Helper()
	testtool.Require(t, "ffmpeg")
	testtool.Require(t, "ffprobe")
	f, err := media.New(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// decodeFrames decodes every video frame of a media file and reads the
// frame number drawn in it. It fails the test on any decode error.
func decodeFrames(t *testing.T, data []byte) []int {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", "pipe:0",
		"-map", "0:v:0", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	require.Empty(t, stderr.String(), "decode errors")
	require.Zero(t, len(raw)%(width*height))
	var frames []int
	for off := 0; off < len(raw); off += width * height {
		frames = append(frames, readCounter(raw[off:off+width*height], width))
	}
	return frames
}

// readCounter reads the number drawn by frameCounter from a gray picture.
func readCounter(pic []byte, stride int) int {
	n := 0
	for b := 0; b < bits; b++ {
		if pic[(8*b+4)*stride+stride/2] > 128 {
			n |= 1 << b
		}
	}
	return n
}

// wantFrames lists the frames shown in [from, to) seconds.
func wantFrames(from, to float64) []int {
	var out []int
	for n := int(math.Floor(from*fps + 1e-9)); float64(n) < to*fps-1e-9; n++ {
		out = append(out, n)
	}
	return out
}

type packet struct {
	Stream   int    `json:"stream_index"`
	PTS      *int64 `json:"pts"`
	DTS      *int64 `json:"dts"`
	Duration int64  `json:"duration"`
	TimeBase string
}

type probed struct {
	Streams []struct {
		Index     int    `json:"index"`
		CodecType string `json:"codec_type"`
		TimeBase  string `json:"time_base"`
	} `json:"streams"`
	Packets []packet `json:"packets"`
	Format  struct {
		StartTime string `json:"start_time"`
	} `json:"format"`
}

// probePackets lists a media file's packets in file order.
func probePackets(t *testing.T, data []byte) probed {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "ffprobe", "-hide_banner", "-v", "error", "-of", "json",
		"-show_entries", "stream=index,codec_type,time_base:packet=stream_index,pts,dts,duration:format=start_time", "-i", "pipe:0")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var p probed
	require.NoError(t, json.Unmarshal(out, &p))
	return p
}

// span is the presentation span of one kind of stream, in seconds: from
// its first PTS to its last PTS plus that packet's duration.
func (p probed) span(kind string) (from, to float64, ok bool) {
	for _, s := range p.Streams {
		if s.CodecType != kind {
			continue
		}
		num, den, _ := strings.Cut(s.TimeBase, "/")
		n, _ := strconv.ParseFloat(num, 64)
		d, _ := strconv.ParseFloat(den, 64)
		tb := n / d
		var pts []int64
		var last packet
		for _, pk := range p.Packets {
			if pk.Stream == s.Index && pk.PTS != nil {
				pts = append(pts, *pk.PTS)
				if len(pts) == 1 || *pk.PTS >= *last.PTS {
					last = pk
				}
			}
		}
		if len(pts) == 0 {
			return 0, 0, false
		}
		sort.Slice(pts, func(i, j int) bool { return pts[i] < pts[j] })
		end := float64(*last.PTS+last.Duration) * tb
		if last.Duration == 0 && kind == "video" {
			end += 1.0 / fps
		}
		return float64(pts[0]) * tb, end, true
	}
	return 0, 0, false
}
