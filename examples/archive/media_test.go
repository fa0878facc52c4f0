package main

import (
	"bufio"
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/internal/testtool"
)

// hlsArchive stores 6 s made by ffmpeg's HLS muxer in a DirStore.
func hlsArchive(t *testing.T) string {
	ffmpeg := testtool.Require(t, "ffmpeg")
	testtool.Require(t, "ffprobe")
	src := t.TempDir()
	out, err := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=6", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=6",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-force_key_frames", "expr:gte(t,n_forced*2)",
		"-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_list_size", "0",
		"-hls_segment_filename", filepath.Join(src, "seg_%d.ts"), filepath.Join(src, "index.m3u8")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := t.TempDir()
	store, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	require.NoError(t, err)
	playlist, err := os.ReadFile(filepath.Join(src, "index.m3u8"))
	require.NoError(t, err)
	at, dur := t0, 0.0
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
		data, err := os.ReadFile(filepath.Join(src, line))
		require.NoError(t, err)
		w, err := store.Create(context.Background(), archive.Segment{Stream: "tv", Variant: "source", Start: at, Duration: archive.Seconds(dur)})
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		_, err = w.Commit(context.Background(), archive.Full)
		require.NoError(t, err)
		at = at.Add(time.Duration(dur * float64(time.Second)))
	}
	return dir
}

func TestCutTypesFrameWaveform(t *testing.T) {
	dir := hlsArchive(t)
	out := t.TempDir()
	common := []string{"-dir", dir, "-stream", "tv", "-variant", "source"}

	clip := filepath.Join(out, "clip.ts")
	_, stderr, err := runCLI(t, append([]string{"cut", "-type", "smart", "-range", "2026-11-23T14:00:00.5Z,2026-11-23T14:00:02.5Z",
		"-range", "2026-11-23T14:00:04Z,2026-11-23T14:00:05Z", "-o", clip}, common...)...)
	require.NoError(t, err)
	require.Contains(t, stderr, "cut 2 ranges")
	probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", clip).Output()
	require.NoError(t, err)
	d, err := strconv.ParseFloat(strings.TrimSpace(string(probe)), 64)
	require.NoError(t, err)
	require.InDelta(t, 3.0, d, 0.1, "two ranges of 2 s and 1 s")

	framePNG := filepath.Join(out, "frame.png")
	_, _, err = runCLI(t, append([]string{"frame", "-at", "2026-11-23T14:00:03Z", "-o", framePNG}, common...)...)
	require.NoError(t, err)
	img := decodePNG(t, framePNG)
	require.Equal(t, 64, img.Bounds().Dx())

	wavePNG := filepath.Join(out, "wave.png")
	_, _, err = runCLI(t, append([]string{"waveform", "-start", "2026-11-23T14:00:00Z", "-end", "2026-11-23T14:00:06Z", "-size", "100x20", "-o", wavePNG}, common...)...)
	require.NoError(t, err)
	img = decodePNG(t, wavePNG)
	require.Equal(t, [2]int{100, 20}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()})

	// Without ffmpeg: exit 1 (not a usage error) saying what to install,
	// and no output file.
	missing := filepath.Join(out, "missing.ts")
	_, _, err = runCLI(t, append([]string{"cut", "-type", "fast", "-start", "2026-11-23T14:00:00Z", "-end", "2026-11-23T14:00:01Z",
		"-ffmpeg", filepath.Join(out, "no-ffmpeg"), "-o", missing}, common...)...)
	require.Error(t, err)
	var ue usageError
	require.False(t, errorsAs(err, &ue))
	require.Contains(t, err.Error(), "apt-get install ffmpeg")
	require.NoFileExists(t, missing)

	_, _, err = runCLI(t, append([]string{"cut", "-type", "avi", "-start", "2026-11-23T14:00:00Z", "-end", "2026-11-23T14:00:01Z"}, common...)...)
	require.ErrorAs(t, err, &ue)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 3, "no temporary file left beside the outputs")
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}
