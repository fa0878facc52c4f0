package stationfiletest

import (
	"encoding/binary"
	"io"
	"math"
	"time"

	"github.com/airkeep/airkeep/internal/atomicfile"
)

// Rate is the sample rate of the tones: enough for a tone, and a quarter
// of the bytes of CD audio. Liquidsoap resamples it.
const Rate = 22050

// Tone describes a generated sound: a chord of sine waves, optionally
// pulsed on and off so that shows sound unlike the music between them.
type Tone struct {
	Freqs []float64     // Hz
	Pulse time.Duration // on/off period; 0 for a steady tone
	// GapAt and Gap make the tone drop out: silence from GapAt for Gap.
	GapAt, Gap time.Duration
}

// WriteWAV writes a 16-bit mono PCM WAV file of d of t, with short fades
// so that cuts do not click. It is written atomically, so Liquidsoap never
// reads half of it.
func WriteWAV(path string, d time.Duration, t Tone) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return EncodeWAV(w, d, t) })
}

// EncodeWAV writes d of t to w as a WAV file: 44 bytes of header, then
// 2 bytes a sample at Rate.
func EncodeWAV(w io.Writer, d time.Duration, t Tone) error {
	n := int(d.Seconds() * Rate)
	dataLen := uint32(2 * n)
	hdr := []any{
		[4]byte{'R', 'I', 'F', 'F'}, 36 + dataLen, [4]byte{'W', 'A', 'V', 'E'},
		[4]byte{'f', 'm', 't', ' '}, uint32(16), uint16(1), uint16(1), uint32(Rate), uint32(2 * Rate), uint16(2), uint16(16),
		[4]byte{'d', 'a', 't', 'a'}, dataLen,
	}
	for _, v := range hdr {
		if err := binary.Write(w, binary.LittleEndian, v); err != nil {
			return err
		}
	}
	fade := Rate / 50 // 20 ms
	var buf [2]byte
	for i := range n {
		x := 0.0
		for _, f := range t.Freqs {
			x += math.Sin(2 * math.Pi * f * float64(i) / Rate)
		}
		x /= float64(max(len(t.Freqs), 1))
		if at := time.Duration(i) * time.Second / Rate; t.Gap > 0 && at >= t.GapAt && at < t.GapAt+t.Gap {
			x = 0
		}
		if t.Pulse > 0 {
			phase := math.Mod(float64(i)/Rate, t.Pulse.Seconds()) / t.Pulse.Seconds()
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
