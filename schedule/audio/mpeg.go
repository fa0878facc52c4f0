package audio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// ISO/IEC 11172-3 §2.4.2.3 and 13818-3 §2.4.2.3: kbit/s by [MPEG-2 or
// 2.5][layer I, II, III][bitrate index]. Index 0 is the free format,
// which is refused: its frame length is not in the header.
var mpegBitrates = [2][3][15]uint16{
	{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	},
	{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	},
}

// mpegRates is Hz by the header's version bits (MPEG-2.5, reserved,
// MPEG-2, MPEG-1) and sample rate index.
var mpegRates = [4][3]uint32{
	{11025, 12000, 8000},
	{},
	{22050, 24000, 16000},
	{44100, 48000, 32000},
}

// mpegKeyMask keeps the bits of a frame header that stay the same for the
// whole of a stream: the sync word, version, layer and sample rate.
const mpegKeyMask = 0xFFFE0C00

// maxMPEGFrame is more than the longest frame: Layer II at 384 kbit/s and
// 32 kHz is 1728 bytes and a padding byte.
const maxMPEGFrame = 2048

// mpegSearch bounds the bytes searched for the first frame, when it is not
// where the tags end: some files have junk or stray padding there.
const mpegSearch = 64 << 10

// mpegFrame is a parsed frame header.
type mpegFrame struct {
	key     uint32 // the header & mpegKeyMask
	lsf     bool   // MPEG-2 or 2.5: "low sampling frequencies"
	layer   int    // 1, 2 or 3
	mono    bool
	rate    uint32
	samples int // per frame
	size    int // bytes, header included
}

// parseMPEGFrame reads the 4-byte header at the start of b.
func parseMPEGFrame(b []byte) (mpegFrame, bool) {
	if len(b) < 4 {
		return mpegFrame{}, false
	}
	h := be32(b)
	version, layerBits := h>>19&3, h>>17&3
	brIndex, rateIndex := h>>12&15, h>>10&3
	if h&0xFFE00000 != 0xFFE00000 || version == 1 || layerBits == 0 || brIndex == 0 || brIndex == 15 || rateIndex == 3 {
		return mpegFrame{}, false
	}
	f := mpegFrame{key: h & mpegKeyMask, lsf: version != 3, layer: int(4 - layerBits), mono: h>>6&3 == 3, rate: mpegRates[version][rateIndex]}
	switch {
	case f.layer == 1:
		f.samples = 384
	case f.layer == 3 && f.lsf:
		f.samples = 576
	default:
		f.samples = 1152
	}
	f.size = f.sizeAt(int(brIndex), int(h>>9&1))
	return f, true
}

// sizeAt is the length of a frame of f's stream at a bitrate index, with
// or without the padding slot (4 bytes in Layer I, 1 byte otherwise).
func (f mpegFrame) sizeAt(brIndex, pad int) int {
	lsf := 0
	if f.lsf {
		lsf = 1
	}
	bitrate := int(mpegBitrates[lsf][f.layer-1][brIndex]) * 1000
	if f.layer == 1 {
		return (12*bitrate/int(f.rate) + pad) * 4
	}
	return f.samples/8*bitrate/int(f.rate) + pad
}

// vbrHeader is what a Xing, Info or VBRI header in the first frame says.
type vbrHeader struct {
	frames           uint32 // 0 if not given
	startPad, endPad int    // LAME's encoder delay and padding, in samples
}

// parseVBRHeader looks for a Xing or Info header (LAME, ffmpeg) or a VBRI
// header (Fraunhofer) in frame b, the whole of the first frame as far as
// the file holds it. The frame that carries one is silence, not sound.
func parseVBRHeader(b []byte, f mpegFrame) (vbrHeader, bool) {
	if f.layer != 3 {
		return vbrHeader{}, false
	}
	// The header follows the side information, whose length depends on
	// the version and the channels (not on a CRC, as ffmpeg reads it).
	off := 4 + 32
	switch {
	case f.lsf && f.mono:
		off = 4 + 9
	case f.lsf || f.mono:
		off = 4 + 17
	}
	if len(b) >= off+8 && (string(b[off:off+4]) == "Xing" || string(b[off:off+4]) == "Info") {
		var v vbrHeader
		flags := be32(b[off+4:])
		p := off + 8
		if flags&1 != 0 && len(b) >= p+4 {
			v.frames = be32(b[p:])
		}
		for _, field := range []struct {
			flag uint32
			len  int
		}{{1, 4}, {2, 4}, {4, 100}, {8, 4}} { // frames, bytes, TOC, quality
			if flags&field.flag != 0 {
				p += field.len
			}
		}
		// The LAME tag: a 9-byte encoder name, then at byte 21 the delay
		// and padding, 12 bits each. ffmpeg trusts them from these three
		// encoder names only.
		if len(b) >= p+24 {
			switch string(b[p : p+4]) {
			case "LAME", "Lavf", "Lavc":
				d := int(b[p+21])<<16 | int(b[p+22])<<8 | int(b[p+23])
				v.startPad, v.endPad = d>>12, d&0xFFF
			}
		}
		return v, true
	}
	if len(b) >= 36+18 && string(b[36:40]) == "VBRI" {
		return vbrHeader{frames: be32(b[36+14:])}, true
	}
	return vbrHeader{}, false
}

// mpegDuration reads an MPEG audio stream from start. A Xing, Info or
// VBRI header gives the frame count; a LAME tag, the encoder delay and
// padding that a gapless decoder (ffmpeg, so Liquidsoap) drops. Without a
// count the frames are counted, from header to header, up to the tags at
// the end of the file.
func mpegDuration(s *source, start int64, tagged bool) (time.Duration, error) {
	end, err := mpegAudioEnd(s, start)
	if err != nil {
		return 0, err
	}
	r, err := s.section(start, end-start)
	if err != nil {
		return 0, fmt.Errorf("audio: seek: %w", err)
	}
	sc := &mpegScanner{br: bufio.NewReaderSize(r, 64<<10), pos: start, end: end}
	_, headerAtStart := sc.frameAt(0)
	first, ok := sc.chain(0, 2, false)
	if !ok {
		// Junk before the first frame: ask for more frames in a row, so
		// that compressed bytes of another format do not pass for MPEG.
		first, ok = sc.search(0, 4, false, start+mpegSearch)
	}
	if sc.err != nil {
		return 0, fmt.Errorf("audio: read: %w", sc.err)
	}
	if !ok {
		if !tagged && !headerAtStart {
			return 0, ErrUnknownFormat
		}
		return 0, malformed(MP3, "no two consecutive MPEG frame headers")
	}

	if v, ok := parseVBRHeader(sc.peek(first.size), first); ok {
		rest := end - sc.pos - int64(first.size)
		if v.frames > 0 && int64(v.frames)*int64(first.sizeAt(1, 0)) <= rest {
			samples := uint64(v.frames) * uint64(first.samples)
			if pad := uint64(v.startPad + v.endPad); pad < samples {
				samples -= pad
			}
			return samplesDuration(MP3, samples, uint64(first.rate))
		}
		// No count, or more frames than the file can hold (a file cut
		// short): count them.
		sc.discard(first.size)
	}
	frames, err := sc.count(first.key)
	if err != nil {
		return 0, fmt.Errorf("audio: read: %w", err)
	}
	return samplesDuration(MP3, frames*uint64(first.samples), uint64(first.rate))
}

// mpegScanner reads an MPEG stream forward through a fixed buffer.
type mpegScanner struct {
	br  *bufio.Reader
	pos int64 // the file offset of the next byte of br
	end int64 // the file offset where the audio ends
	err error // the first read error other than the end of the audio
}

// peek returns up to n bytes at pos; fewer at the end of the audio.
func (sc *mpegScanner) peek(n int) []byte {
	b, err := sc.br.Peek(n)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) && sc.err == nil {
		sc.err = err
	}
	return b
}

func (sc *mpegScanner) discard(n int) {
	m, _ := sc.br.Discard(n)
	sc.pos += int64(m)
}

// frameAt parses the header at pos, of the stream key if key is not 0.
func (sc *mpegScanner) frameAt(key uint32) (mpegFrame, bool) {
	f, ok := parseMPEGFrame(sc.peek(4))
	return f, ok && (key == 0 || f.key == key)
}

// chain tells whether need frames of one stream (of key, if not 0) follow
// each other from pos, or, if atEnd, fewer whose last ends where the audio
// does.
func (sc *mpegScanner) chain(key uint32, need int, atEnd bool) (mpegFrame, bool) {
	first, ok := sc.frameAt(key)
	if !ok {
		return first, false
	}
	f, off := first, 0
	for range need - 1 {
		off += f.size
		if atEnd && sc.pos+int64(off) == sc.end {
			return first, true
		}
		b := sc.peek(off + 4)
		if len(b) < off+4 {
			return first, false
		}
		if f, ok = parseMPEGFrame(b[off:]); !ok || f.key != first.key {
			return first, false
		}
	}
	return first, true
}

// search moves pos forward to the first chain of need frames, looking at
// the bytes before limit only.
func (sc *mpegScanner) search(key uint32, need int, atEnd bool, limit int64) (mpegFrame, bool) {
	for sc.pos < limit && sc.err == nil {
		if f, ok := sc.chain(key, need, atEnd); ok {
			return f, true
		}
		sc.discard(1)
		// Look at what is buffered, not more: a Peek beyond it would
		// slide the buffer once per byte.
		b := sc.peek(max(sc.br.Buffered(), 4))
		if len(b) < 4 {
			break
		}
		if i := bytes.IndexByte(b, 0xFF); i < 0 {
			sc.discard(len(b))
		} else {
			sc.discard(i)
		}
	}
	return mpegFrame{}, false
}

// count counts the whole frames of stream key from pos to the end,
// skipping junk between them; one frame cut short at the end is not
// counted.
func (sc *mpegScanner) count(key uint32) (uint64, error) {
	var n uint64
	for sc.err == nil {
		if f, ok := sc.frameAt(key); ok {
			if int64(f.size) > sc.end-sc.pos {
				break
			}
			sc.discard(f.size)
			n++
			continue
		}
		if _, ok := sc.search(key, 2, true, sc.end); !ok {
			break
		}
	}
	return n, sc.err
}

// mpegAudioEnd returns where the frames end: before the ID3v1, APE and
// appended ID3v2 tags at the end of the file, in any order.
func mpegAudioEnd(s *source, start int64) (int64, error) {
	end := s.size
	for range 4 {
		var b [128]byte
		n := min(int64(len(b)), end-start)
		if n < 10 {
			break
		}
		if err := s.readAt(b[len(b)-int(n):], end-n); err != nil {
			return 0, readError(MP3, "tags", err)
		}
		var tag int64
		switch ape, id3 := b[len(b)-32:], b[len(b)-10:]; {
		case n == 128 && string(b[:3]) == "TAG":
			tag = 128
		case n >= 32 && string(ape[:8]) == "APETAGEX":
			// APE tag footer: the size counts the items and the footer;
			// bit 31 of the flags says a header precedes them.
			tag = int64(le32(ape[12:16]))
			if le32(ape[20:24])&(1<<31) != 0 {
				tag += 32
			}
		case string(id3[:3]) == "3DI" && id3[3] == 4 && (id3[6]|id3[7]|id3[8]|id3[9])&0x80 == 0:
			tag = 20 + syncsafe(id3[6:10]) // ID3v2.4 §3.4: an appended tag ends with a footer
		}
		if tag < 10 || tag > end-start {
			break
		}
		end -= tag
	}
	return end, nil
}
