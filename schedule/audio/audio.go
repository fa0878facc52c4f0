package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"
)

// Format is the container and codec a file was read as.
type Format int

// The formats Duration reads.
const (
	Unknown   Format = iota
	WAV              // RIFF/WAVE (and RF64/BW64): PCM, float, A-law, µ-law, or any codec with a fact chunk
	MP3              // MPEG-1, 2 and 2.5 audio, Layer III, and Layers I and II (MP2)
	FLAC             // native FLAC
	OggVorbis        // Vorbis in Ogg
	OggOpus          // Opus in Ogg
)

func (f Format) String() string {
	switch f {
	case WAV:
		return "wav"
	case MP3:
		return "mp3"
	case FLAC:
		return "flac"
	case OggVorbis:
		return "ogg/vorbis"
	case OggOpus:
		return "ogg/opus"
	}
	return "unknown"
}

// Duration returns the playing time of the audio file r, and its format,
// read from the bytes whatever the file is named. It reads r from offset 0
// and leaves the offset anywhere.
//
// The work is bounded: headers are read in small capped pieces, skipped
// parts are skipped by offset, and only an MP3 without a Xing, Info or
// VBRI header is read through, once, through a fixed buffer.
//
// Errors: ErrUnknownFormat for bytes of no known format, a *FormatError for
// a file of a known format that cannot be read, and the reader's own
// errors wrapped. With an error, the Format is what the bytes read so far
// told, Unknown if nothing.
func Duration(r io.ReadSeeker) (time.Duration, Format, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, Unknown, fmt.Errorf("audio: seek: %w", err)
	}
	s := &source{r: r, size: size}
	start, tagged, err := skipID3v2(s)
	if err != nil {
		return 0, formatOf(err), err
	}
	magic := make([]byte, min(12, size-start))
	if err := s.readAt(magic, start); err != nil {
		return 0, Unknown, readError(Unknown, "header", err)
	}
	switch {
	case len(magic) == 12 && isRIFF(magic[:4]) && string(magic[8:12]) == "WAVE":
		d, err := wavDuration(s, start)
		return d, WAV, err
	case bytes.HasPrefix(magic, []byte("fLaC")):
		d, err := flacDuration(s, start)
		return d, FLAC, err
	case bytes.HasPrefix(magic, []byte("OggS")):
		return oggDuration(s, start)
	}
	d, err := mpegDuration(s, start, tagged)
	if err != nil {
		return 0, formatOf(err), err
	}
	return d, MP3, nil
}

// formatOf is the format a failed read had found: none for a read error
// before the bytes said anything.
func formatOf(err error) Format {
	var fe *FormatError
	if errors.As(err, &fe) {
		return fe.Format
	}
	return Unknown
}

// DurationFile is Duration of the file at path.
func DurationFile(path string) (time.Duration, Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, Unknown, err
	}
	defer f.Close()
	d, format, err := Duration(f)
	if err != nil {
		return d, format, fmt.Errorf("%s: %w", path, err)
	}
	return d, format, nil
}

// source is the file being read, with its size known so that every read
// can be checked against it before it is made.
type source struct {
	r    io.ReadSeeker
	size int64
}

// readAt fills p from offset off, or fails with io.ErrUnexpectedEOF if the
// file ends first.
func (s *source) readAt(p []byte, off int64) error {
	if off < 0 || off > s.size || int64(len(p)) > s.size-off {
		return io.ErrUnexpectedEOF
	}
	if ra, ok := s.r.(io.ReaderAt); ok {
		n, err := ra.ReadAt(p, off)
		if n == len(p) {
			return nil
		}
		if err == nil || err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return err
	}
	_, err := io.ReadFull(s.r, p)
	return err
}

// section returns a reader of the n bytes from off.
func (s *source) section(off, n int64) (io.Reader, error) {
	if ra, ok := s.r.(io.ReaderAt); ok {
		return io.NewSectionReader(ra, off, n), nil
	}
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	return io.LimitReader(s.r, n), nil
}

// maxID3Tags bounds the ID3v2 tags skipped at the start: some taggers
// stack a new tag before an old one.
const maxID3Tags = 8

// skipID3v2 returns the offset of what follows the ID3v2 tags at the start
// of the file. The tags are skipped by their size, never read: a cover
// image can be megabytes. ID3v2.4 §3.1.
func skipID3v2(s *source) (off int64, tagged bool, err error) {
	for range maxID3Tags {
		var h [10]byte
		n := min(int64(len(h)), s.size-off)
		if err := s.readAt(h[:n], off); err != nil {
			return 0, tagged, readError(MP3, "ID3v2 tag", err)
		}
		if string(h[:3]) != "ID3" {
			return off, tagged, nil
		}
		if n < int64(len(h)) {
			return 0, true, readError(MP3, "ID3v2 tag header", io.ErrUnexpectedEOF)
		}
		if h[3] < 2 || h[3] > 4 || h[4] == 0xFF || (h[6]|h[7]|h[8]|h[9])&0x80 != 0 {
			return 0, true, malformed(MP3, "bad ID3v2 tag header")
		}
		off += 10 + syncsafe(h[6:10])
		if h[3] == 4 && h[5]&0x10 != 0 { // a footer follows the tag
			off += 10
		}
		tagged = true
		if off > s.size {
			return 0, true, &FormatError{Format: MP3, Reason: "truncated ID3v2 tag", Err: io.ErrUnexpectedEOF}
		}
	}
	return 0, true, malformed(MP3, "more than %d ID3v2 tags", maxID3Tags)
}

// syncsafe decodes ID3v2's 28-bit size, seven bits a byte.
func syncsafe(b []byte) int64 {
	return int64(b[0])<<21 | int64(b[1])<<14 | int64(b[2])<<7 | int64(b[3])
}

func isRIFF(id []byte) bool {
	switch string(id) {
	case "RIFF", "RF64", "BW64":
		return true
	}
	return false
}

// samplesDuration converts a count of samples at rate Hz to a Duration,
// exactly, without overflowing for any count a header can hold.
func samplesDuration(f Format, samples, rate uint64) (time.Duration, error) {
	if rate == 0 {
		return 0, malformed(f, "zero sample rate")
	}
	secs, rem := samples/rate, samples%rate
	if secs >= math.MaxInt64/uint64(time.Second) {
		return 0, malformed(f, "%d samples at %d Hz is out of range", samples, rate)
	}
	// rem < rate < 2^32, so rem*1e9 fits in 64 bits.
	return time.Duration(secs)*time.Second + time.Duration(rem*uint64(time.Second)/rate), nil
}

// plausible rejects a duration a compressed file is too small to hold:
// every real codec spends more than one byte a second even on silence, so
// a bigger claim is a corrupt or hostile header, not a long sound.
func plausible(f Format, d time.Duration, size int64) error {
	if int64(d/time.Second) > size {
		return malformed(f, "%v of sound in %d bytes", d, size)
	}
	return nil
}

var (
	le16 = binary.LittleEndian.Uint16
	le32 = binary.LittleEndian.Uint32
	le64 = binary.LittleEndian.Uint64
	be16 = binary.BigEndian.Uint16
	be32 = binary.BigEndian.Uint32
	be64 = binary.BigEndian.Uint64
)
