package main

import (
	"encoding/binary"
	"io"
	"math"
	"time"

	"github.com/airkeep/airkeep/internal/atomicfile"
)

// wavRate is the sample rate of the demo's tones: enough for a tone, and
// a quarter of the bytes of CD audio. Liquidsoap resamples it.
const wavRate = 22050

// tone describes a generated sound: a chord of sine waves, optionally
// pulsed on and off so that shows sound unlike the music between them.
type tone struct {
	Freqs []float64     // Hz
	Pulse time.Duration // on/off period; 0 for a steady tone
	// GapAt and Gap make the tone drop out: silence from GapAt for Gap.
	GapAt, Gap time.Duration
}

// writeToneWAV writes a 16-bit mono PCM WAV file of d seconds of t, with
// short fades so that cuts do not click. It is written atomically, so
// Liquidsoap never reads half of it.
func writeToneWAV(path string, d time.Duration, t tone) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return writeTone(w, d, t) })
}

func writeTone(w io.Writer, d time.Duration, t tone) error {
	n := int(d.Seconds() * wavRate)
	dataLen := uint32(2 * n)
	hdr := []any{
		[4]byte{'R', 'I', 'F', 'F'}, 36 + dataLen, [4]byte{'W', 'A', 'V', 'E'},
		[4]byte{'f', 'm', 't', ' '}, uint32(16), uint16(1), uint16(1), uint32(wavRate), uint32(2 * wavRate), uint16(2), uint16(16),
		[4]byte{'d', 'a', 't', 'a'}, dataLen,
	}
	for _, v := range hdr {
		if err := binary.Write(w, binary.LittleEndian, v); err != nil {
			return err
		}
	}
	fade := wavRate / 50 // 20 ms
	var buf [2]byte
	for i := range n {
		x := 0.0
		for _, f := range t.Freqs {
			x += math.Sin(2 * math.Pi * f * float64(i) / wavRate)
		}
		x /= float64(max(len(t.Freqs), 1))
		if at := time.Duration(i) * time.Second / wavRate; t.Gap > 0 && at >= t.GapAt && at < t.GapAt+t.Gap {
			x = 0
		}
		if t.Pulse > 0 {
			phase := math.Mod(float64(i)/wavRate, t.Pulse.Seconds()) / t.Pulse.Seconds()
			if phase >= 0.5 {
				x *= 0.25
			}
		}
		gain := 0.3
		if i < fade {
			gain *= float64(i) / float64(fade)
		} else if n-i < fade {
			gain *= float64(n-i) / float64(fade)
		}
		binary.LittleEndian.PutUint16(buf[:], uint16(int16(x*gain*math.MaxInt16)))
		if _, err := w.Write(buf[:]); err != nil {
			return err
		}
	}
	return nil
}
