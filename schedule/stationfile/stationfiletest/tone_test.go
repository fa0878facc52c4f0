package stationfiletest_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/audio"
	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

// TestWAV: the tones are WAV files of the length asked for, as
// the importer reads them.
func TestWAV(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []time.Duration{time.Second, 2500 * time.Millisecond, 20 * time.Second} {
		p := filepath.Join(dir, d.String()+".wav")
		require.NoError(t, stationfiletest.WriteWAV(p, d, stationfiletest.Tone{Freqs: []float64{440, 550}, Pulse: time.Second}))
		got, format, err := audio.DurationFile(p)
		require.NoError(t, err)
		require.Equal(t, audio.WAV, format)
		require.Equal(t, d, got)
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, int64(44+2*d.Seconds()*stationfiletest.Rate), fi.Size())
	}
}
