package audio

import (
	"time"
)

// maxChunks bounds the RIFF chunks walked before the data chunk; real files
// have a handful (fmt, fact, LIST, bext, JUNK).
const maxChunks = 1024

// ksdataformatTail is the part after the format tag of the subformat GUIDs
// of WAVE_FORMAT_EXTENSIBLE (KSDATAFORMAT_SUBTYPE_PCM and friends).
const ksdataformatTail = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

// Format tags whose samples all have the size of a block, so that the data
// chunk's size gives the sample count.
const (
	wavePCM        = 0x0001
	waveFloat      = 0x0003
	waveALaw       = 0x0006
	waveMuLaw      = 0x0007
	waveExtensible = 0xFFFE
)

// wavFmt is what Duration needs of a fmt chunk.
type wavFmt struct {
	tag      uint16 // the subformat's tag for WAVE_FORMAT_EXTENSIBLE
	channels uint16
	rate     uint32
	align    uint16
	bits     uint16
}

// wavDuration reads a RIFF/WAVE file starting at start: the fmt chunk, and
// the size of the data chunk (or, for RF64, of its ds64 chunk) over the
// block size. A data size of 0 or 0xFFFFFFFF, as a recorder that was cut
// leaves, or one past the end of the file, stands for the rest of the
// file, as ffmpeg reads it.
func wavDuration(s *source, start int64) (time.Duration, error) {
	var riff [12]byte
	if err := s.readAt(riff[:], start); err != nil {
		return 0, readError(WAV, "RIFF header", err)
	}
	rf64 := string(riff[:4]) != "RIFF"
	var (
		f        wavFmt
		haveFmt  bool
		ds64Data uint64
		haveDS64 bool
		fact     uint64
		haveFact bool
	)
	off := start + 12
	for i := range maxChunks {
		var ch [8]byte
		if off >= s.size {
			return 0, malformed(WAV, "no data chunk")
		}
		if err := s.readAt(ch[:], off); err != nil {
			return 0, readError(WAV, "chunk header", err)
		}
		size := uint64(le32(ch[4:]))
		body := off + 8
		switch string(ch[:4]) {
		case "ds64": // EBU Tech 3306 §3: the 64-bit sizes of an RF64 file.
			if !rf64 || i != 0 || size < 24 {
				return 0, malformed(WAV, "misplaced or short ds64 chunk")
			}
			var b [24]byte
			if err := s.readAt(b[:], body); err != nil {
				return 0, readError(WAV, "ds64 chunk", err)
			}
			ds64Data, haveDS64 = le64(b[8:16]), true
		case "fmt ":
			var err error
			if f, err = readWavFmt(s, body, size); err != nil {
				return 0, err
			}
			haveFmt = true
		case "fact":
			if size >= 4 {
				var b [4]byte
				if err := s.readAt(b[:], body); err != nil {
					return 0, readError(WAV, "fact chunk", err)
				}
				fact, haveFact = uint64(le32(b[:])), true
			}
		case "data":
			if !haveFmt {
				return 0, malformed(WAV, "data chunk before the fmt chunk")
			}
			n := size
			if rf64 && size == 0xFFFFFFFF {
				if !haveDS64 {
					return 0, malformed(WAV, "RF64 data chunk without a ds64 chunk")
				}
				n = ds64Data
			}
			if rest := uint64(s.size - body); n == 0 || (n == 0xFFFFFFFF && !rf64) || n > rest {
				n = rest
			}
			return wavSamples(f, n, fact, haveFact)
		}
		// RIFF chunks are padded to an even size.
		off = body + int64(size) + int64(size&1)
	}
	return 0, malformed(WAV, "more than %d chunks before the data", maxChunks)
}

// readWavFmt reads and checks the fmt chunk of size bytes at off.
func readWavFmt(s *source, off int64, size uint64) (wavFmt, error) {
	if size < 16 {
		return wavFmt{}, malformed(WAV, "fmt chunk of %d bytes", size)
	}
	b := make([]byte, min(size, 40))
	if err := s.readAt(b, off); err != nil {
		return wavFmt{}, readError(WAV, "fmt chunk", err)
	}
	f := wavFmt{tag: le16(b[0:2]), channels: le16(b[2:4]), rate: le32(b[4:8]), align: le16(b[12:14]), bits: le16(b[14:16])}
	if f.tag == waveExtensible {
		// The codec is the subformat GUID's first two bytes; a GUID not
		// of the KSDATAFORMAT family leaves the tag unknown.
		f.tag = 0
		if len(b) == 40 && string(b[26:40]) == ksdataformatTail {
			f.tag = le16(b[24:26])
		}
	}
	switch {
	case f.channels == 0:
		return f, malformed(WAV, "zero channels")
	case f.rate == 0:
		return f, malformed(WAV, "zero sample rate")
	case f.align == 0:
		return f, malformed(WAV, "zero block align")
	}
	return f, nil
}

// wavSamples gives the duration of n bytes of data.
func wavSamples(f wavFmt, n, fact uint64, haveFact bool) (time.Duration, error) {
	switch f.tag {
	case wavePCM, waveFloat, waveALaw, waveMuLaw:
		if want := uint64(f.channels) * ((uint64(f.bits) + 7) / 8); f.bits == 0 || uint64(f.align) != want {
			return 0, malformed(WAV, "block align %d for %d channels of %d bits", f.align, f.channels, f.bits)
		}
		return samplesDuration(WAV, n/uint64(f.align), uint64(f.rate))
	}
	// A compressed codec (MPEG in a broadcast WAV, ADPCM): only the fact
	// chunk knows the sample count.
	if !haveFact {
		return 0, malformed(WAV, "codec 0x%04x without a fact chunk", f.tag)
	}
	return samplesDuration(WAV, fact, uint64(f.rate))
}
