package audio_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/audio"
)

// hourMP3 writes an hour of 32 kbit/s CBR MP3 without a Xing header, the
// frames of mp3-noxing.mp3 over and over, so that Duration counts every
// frame: 137,826 frames of 104 or 105 bytes, as many as an hour at 128 kbit/s
// has, in a quarter of the bytes.
func hourMP3(b *testing.B) (path string, size int64) {
	frames := stripID3(fixture(b, "mp3-noxing.mp3")) // 78 frames
	copies := int(time.Hour/(78*mp3Frame)) + 1
	path = filepath.Join(b.TempDir(), "hour.mp3")
	require.NoError(b, os.WriteFile(path, bytes.Repeat(frames, copies), 0o644))
	d, _, err := audio.DurationFile(path)
	require.NoError(b, err)
	require.InDelta(b, time.Hour.Seconds(), d.Seconds(), 3)
	return path, int64(copies * len(frames))
}

// BenchmarkDurationMP3Scan counts the frames of an hour; compare with
// BenchmarkDurationMP3ScanBaseline, which only reads the file.
func BenchmarkDurationMP3Scan(b *testing.B) {
	path, size := hourMP3(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := audio.DurationFile(path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hours/s")
}

func BenchmarkDurationMP3ScanBaseline(b *testing.B) {
	path, size := hourMP3(b)
	b.SetBytes(size)
	b.ReportAllocs()
	buf := make([]byte, 64<<10)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hours/s")
}
