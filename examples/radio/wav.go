package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"
)

// wavRate is the sample rate of the demo's tones: enough for a tone, and
// a quarter of the bytes of CD audio. Liquidsoap resamples it.
const wavRate = 22050

// tone describes a generated sound: a chord of sine waves, optionally
// pulsed on and off so that shows sound unlike the music between them.
type tone struct {
	Freqs []float64     // Hz
	Pulse time.Duration // on/off period; 0 for a steady tone
}

// writeToneWAV writes a 16-bit mono PCM WAV file of d seconds of t, with
// short fades so that cuts do not click. The file is written to a
// temporary name and renamed, so Liquidsoap never reads half of it.
func writeToneWAV(path string, d time.Duration, t tone) (err error) {
	n := int(d.Seconds() * wavRate)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tone-*.wav")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
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
		x /= float64(len(t.Freqs))
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
	if err := w.Flush(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// errNotWAV is returned by wavDuration for a file it cannot read as PCM WAV.
var errNotWAV = errors.New("not a PCM WAV file")

// wavDuration reads the duration of a WAV file from its header: the size
// of its data chunk over the byte rate of its fmt chunk. Knowing sound
// durations lets the as-run log end a sound at its real end, and lets the
// monitor tell whether a sound cut by a restart must be played again.
func wavDuration(path string) (time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil || string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return 0, errNotWAV
	}
	var byteRate uint32
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return 0, fmt.Errorf("%w: no data chunk", errNotWAV)
		}
		size := binary.LittleEndian.Uint32(ch[4:])
		switch string(ch[:4]) {
		case "fmt ":
			if size < 16 || size > 1<<16 {
				return 0, fmt.Errorf("%w: bad fmt chunk", errNotWAV)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return 0, fmt.Errorf("%w: short fmt chunk", errNotWAV)
			}
			byteRate = binary.LittleEndian.Uint32(b[8:12])
		case "data":
			if byteRate == 0 {
				return 0, fmt.Errorf("%w: no byte rate before the data", errNotWAV)
			}
			return time.Duration(float64(size) / float64(byteRate) * float64(time.Second)).Round(time.Millisecond), nil
		default:
			if _, err := r.Discard(int(size + size%2)); err != nil {
				return 0, fmt.Errorf("%w: short chunk", errNotWAV)
			}
		}
	}
}
