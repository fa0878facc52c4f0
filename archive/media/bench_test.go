package media_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/media"
	"github.com/airkeep/airkeep/internal/testtool"
)

var (
	benchOnce  sync.Once
	benchStore *archive.MemStore
	benchErr   error
)

// benchSource is 10.5 minutes of 320x180 H.264 at 25 fps and AAC, in
// 2-s segments from ffmpeg's HLS muxer.
func benchSource(b *testing.B) *archive.MemStore {
	ffmpeg := testtool.Require(b, "ffmpeg")
	testtool.Require(b, "ffprobe")
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "airkeep-media-bench")
		if err != nil {
			benchErr = err
			return
		}
		defer os.RemoveAll(dir)
		out, err := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error",
			"-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=630", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=630",
			"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-force_key_frames", "expr:gte(t,n_forced*2)",
			"-c:a", "aac", "-b:a", "96k", "-f", "hls", "-hls_time", "2", "-hls_list_size", "0",
			"-hls_segment_filename", filepath.Join(dir, "seg_%d.ts"), filepath.Join(dir, "index.m3u8")).CombinedOutput()
		if err != nil {
			benchErr = err
			b.Log(string(out))
			return
		}
		playlist, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
		if err != nil {
			benchErr = err
			return
		}
		store := archive.NewMemStore()
		start, dur := t0, 0.0
		sc := bufio.NewScanner(bytes.NewReader(playlist))
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
				dur, _ = strconv.ParseFloat(strings.TrimSuffix(v, ","), 64)
				continue
			}
			if line == "" || line[0] == '#' {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, line))
			if err != nil {
				benchErr = err
				return
			}
			w, err := store.Create(context.Background(), archive.Segment{Stream: "bench", Variant: "source", Start: start, Duration: archive.Seconds(dur)})
			if err != nil {
				benchErr = err
				return
			}
			w.Write(data)
			if _, err := w.Commit(context.Background(), archive.Full); err != nil {
				benchErr = err
				return
			}
			start = start.Add(time.Duration(dur * float64(time.Second)))
		}
		benchStore = store
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// cpuTime is the CPU time used so far by this process and the children it
// has waited for (ffmpeg and ffprobe).
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

// benchCut cuts 10 minutes, starting and ending inside segments, and
// reports CPU seconds per output minute. BenchmarkCutRough is the
// baseline: compare the others' ns/op to it.
func benchCut(b *testing.B, typ archive.CutType) {
	store := benchSource(b)
	tools, err := media.New(b.Context(), media.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer tools.Close()
	tl, err := archive.Best(b.Context(), store, archive.Query{Stream: "bench", Variant: "source", Start: t0.Add(10300 * time.Millisecond), End: t0.Add(610300 * time.Millisecond)})
	if err != nil {
		b.Fatal(err)
	}
	if typ.FullEncode() {
		if tl, err = archive.NewSelector(store, archive.SelectorConfig{}).WithNext(b.Context(), tl); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var bytes int64
	cpu := cpuTime()
	for b.Loop() {
		cw := &counter{}
		if err := tools.Cut(b.Context(), store, []archive.Timeline{tl}, archive.CutOptions{Type: typ}, cw); err != nil {
			b.Fatal(err)
		}
		bytes += cw.n
	}
	used := cpuTime() - cpu
	b.ReportMetric(used.Seconds()/float64(b.N)/10, "cpu-s/out-min")
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*counter)(nil)

func BenchmarkCutRough(b *testing.B)  { benchCut(b, archive.CutRough) }
func BenchmarkCutFast(b *testing.B)   { benchCut(b, archive.CutFast) }
func BenchmarkCutSmart(b *testing.B)  { benchCut(b, archive.CutSmart) }
func BenchmarkCutMPEGTS(b *testing.B) { benchCut(b, archive.CutMPEGTS) }
