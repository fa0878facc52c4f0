package audio

import (
	"fmt"
	"io"
	"strings"
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

// RIFF INFO fields read (Multimedia Programming Interface and Data
// Specifications 1.0, §3-5). INFO's ISRC is "source", the supplier of the
// original, not the recording code: it is kept only when it is one.
var riffInfoFields = map[string]field{"INAM": fieldTitle, "IART": fieldArtist, "IPRD": fieldAlbum, "ISRC": fieldISRC}

// wavTags reads the tags of a WAV file: an "id3 " chunk (an ID3v2 tag, as
// broadcast tools write), then the LIST/INFO chunk for what it leaves
// empty. Every chunk is walked, by offset, up to the end of the file.
func wavTags(s *source, start int64, t *tagSet) error {
	var riff [12]byte
	if err := s.readAt(riff[:], start); err != nil {
		if truncated(err) {
			return nil
		}
		return fmt.Errorf("audio: read RIFF header: %w", err)
	}
	rf64 := string(riff[:4]) != "RIFF"
	var id3, info []int64 // offsets and sizes of the tag chunks' bodies
	var ds64Data uint64
	off := start + 12
	for range maxChunks {
		var ch [12]byte
		if s.size-off < 8 {
			break
		}
		n := min(12, s.size-off)
		if err := s.readAt(ch[:n], off); err != nil {
			return fmt.Errorf("audio: read RIFF chunk: %w", err)
		}
		size := uint64(le32(ch[4:8]))
		body := off + 8
		switch id := string(ch[:4]); {
		case id == "ds64" && rf64 && size >= 24:
			var b [8]byte
			if err := s.readAt(b[:], body+8); err == nil {
				ds64Data = le64(b[:])
			}
		case id == "data" && rf64 && size == 0xFFFFFFFF:
			size = ds64Data
		case id == "data" && (size == 0 || size == 0xFFFFFFFF):
			// A recorder that was cut: the data runs to the end.
			size = uint64(s.size - body)
		case id == "id3 " || id == "ID3 ":
			id3 = append(id3, body, int64(size))
		case id == "LIST" && n == 12 && string(ch[8:12]) == "INFO":
			info = append(info, body+4, int64(size)-4)
		}
		if size > uint64(s.size-body) {
			break // nothing can follow a chunk cut short
		}
		off = body + int64(size) + int64(size&1)
	}
	for i := 0; i < len(id3); i += 2 {
		if _, _, err := readID3v2(s, id3[i], id3[i]+min(id3[i+1], s.size-id3[i]), t, WAV); err != nil {
			return err
		}
	}
	for i := 0; i < len(info); i += 2 {
		if err := riffInfo(s, info[i], min(info[i+1], s.size-info[i]), t); err != nil {
			return err
		}
	}
	return nil
}

// riffInfo reads the subchunks of an INFO list: NUL-terminated text,
// which ffmpeg and most tools write in UTF-8 and older ones in ISO-8859-1.
func riffInfo(s *source, off, n int64, t *tagSet) error {
	end := off + n
	for range maxChunks {
		if end-off < 8 {
			return nil
		}
		var h [8]byte
		if err := s.readAt(h[:], off); err != nil {
			return fmt.Errorf("audio: read RIFF INFO: %w", err)
		}
		id, size := string(h[:4]), int64(le32(h[4:]))
		body := off + 8
		if size > end-body {
			t.drop(WAV, "RIFF INFO "+id, "truncated", io.ErrUnexpectedEOF)
			return nil
		}
		off = body + size + size&1
		f := riffInfoFields[id]
		if f == fieldNone || t.has(f) {
			continue
		}
		if size > maxTextFrame {
			t.drop(WAV, "RIFF INFO "+id, fmt.Sprintf("%d bytes", size), nil)
			continue
		}
		b := make([]byte, size)
		if err := s.readAt(b, body); err != nil {
			return fmt.Errorf("audio: read RIFF INFO: %w", err)
		}
		v := latin1OrUTF8([]byte(strings.TrimRight(string(b), "\x00")))
		if f == fieldISRC {
			if _, err := ParseISRC(v); err != nil {
				continue
			}
		}
		t.set(WAV, "RIFF INFO "+id, f, v)
	}
	return nil
}
