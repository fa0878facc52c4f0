package hlstest

import (
	"encoding/binary"
	"time"
)

// MPEG-TS constants. The stream is one MPEG-1 Layer III audio elementary
// stream (stream type 0x03), which ffmpeg and every player demux: mono
// 48 kHz 128 kbit/s frames whose side information is all zero decode as
// silence (no granule has main data, none borrows from the reservoir), and
// the rest of each frame is ignored, free to carry a label that makes every
// segment's bytes unique.
const (
	packetSize = 188
	pidPAT     = 0x0000
	pidPMT     = 0x1000
	pidAudio   = 0x0100
	pidNull    = 0x1FFF

	mp3FrameTicks = 2160 // 1152 samples at 48 kHz in 90 kHz ticks
	ptsWrap       = 1 << 33
	// ptsBase keeps timestamps clear of zero, where some demuxers are shy.
	ptsBase = 10 * 90000
)

// Segment returns a self-contained MPEG-TS segment: PAT and PMT first, then
// audio frames (128, 64 or 32 kbit/s, the most that fits size) in PES
// packets stamped with PTS (and PCR on the first packet of each) from start
// to start+dur on the 90 kHz clock, then null packets up to size bytes
// (rounded up to whole packets). label is written into the
// ancillary data of every frame and into the null packets, so segments with
// different labels differ. The result depends only on its arguments.
func Segment(label string, start, dur time.Duration, size int) []byte {
	var w tsWriter
	w.buf = make([]byte, 0, max(size, 4*packetSize)+packetSize)
	w.psi(pidPAT, patSection())
	w.psi(pidPMT, pmtSection())
	t0 := ticks(start)
	n := int((ticks(start+dur) - t0 + mp3FrameTicks - 1) / mp3FrameTicks)
	if n < 1 {
		n = 1
	}
	rate := mp3Rates[len(mp3Rates)-1]
	for _, r := range mp3Rates {
		// A frame's PES takes ceil((bytes+14)/176) packets or so: keep
		// the audio within the size asked for.
		if n*((r.bytes+14+175)/176+1)*packetSize <= size {
			rate = r
			break
		}
	}
	frame := make([]byte, rate.bytes)
	for i := 0; i < n; i++ {
		pts := (ptsBase + t0 + int64(i)*mp3FrameTicks) % ptsWrap
		mp3Frame(frame, rate.idx, label, i)
		w.pes(pesPacket(frame, pts), pts)
	}
	fill := make([]byte, packetSize-4)
	for k := 0; len(w.buf) < size; k++ {
		for j := range fill {
			fill[j] = 0xFF
		}
		copy(fill, label)
		binary.BigEndian.PutUint32(fill[len(fill)-4:], uint32(k))
		w.packet(pidNull, false, nil, fill)
	}
	return w.buf
}

func ticks(d time.Duration) int64 { return int64(d / (time.Second / 90000)) }

// mp3Rates are the frame bit rates Segment chooses from: the highest whose
// frames fit the requested size, so small segments stay small. idx is the
// MPEG-1 Layer III bit rate index; a frame is 144 × rate / 48000 bytes.
var mp3Rates = []struct {
	idx   byte
	bytes int
}{{9, 384}, {5, 192}, {1, 96}} // 128, 64, 32 kbit/s

// mp3Frame fills f with a silent MPEG-1 Layer III frame carrying label.
func mp3Frame(f []byte, idx byte, label string, i int) {
	clear(f)
	// sync, MPEG-1, Layer III, no CRC | bit rate, 48 kHz | mono
	f[0], f[1], f[2], f[3] = 0xFF, 0xFB, idx<<4|0x04, 0xC0
	// The 17 bytes of side information stay zero: main_data_begin 0 and
	// part2_3_length 0 in both granules. The rest is never read.
	anc := f[24:]
	n := copy(anc[:len(anc)-4], label)
	binary.BigEndian.PutUint32(anc[n:], uint32(i))
}

func pesPacket(payload []byte, pts int64) []byte {
	h := make([]byte, 14, 14+len(payload))
	h[0], h[1], h[2] = 0, 0, 1
	h[3] = 0xC0 // audio stream 0
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	h[6] = 0x80 // marker bits
	h[7] = 0x80 // PTS only
	h[8] = 5
	h[9] = byte(0x21 | (pts>>29)&0x0E)
	binary.BigEndian.PutUint16(h[10:], uint16(((pts>>14)&0xFFFE)|1))
	binary.BigEndian.PutUint16(h[12:], uint16(((pts<<1)&0xFFFE)|1))
	return append(h, payload...)
}

type tsWriter struct {
	buf []byte
	cc  [3]byte // continuity counters: PAT, PMT, audio
}

func (w *tsWriter) counter(pid uint16) byte {
	var i int
	switch pid {
	case pidPAT:
		i = 0
	case pidPMT:
		i = 1
	case pidAudio:
		i = 2
	default:
		return 0 // null packets carry no meaningful counter
	}
	c := w.cc[i]
	w.cc[i] = (c + 1) & 0x0F
	return c
}

// packet appends one packet. adapt is the adaptation field's content after
// its length byte (nil for none); payload is padded with stuffing in the
// adaptation field when short.
func (w *tsWriter) packet(pid uint16, start bool, adapt []byte, payload []byte) {
	p := make([]byte, 4, packetSize)
	p[0] = 0x47
	p[1] = byte(pid >> 8 & 0x1F)
	if start {
		p[1] |= 0x40
	}
	p[2] = byte(pid)
	room := packetSize - 4
	need := len(payload)
	if adapt != nil || need < room {
		// adaptation field: length byte + flags/content + stuffing
		alen := room - need - 1
		if alen < 0 {
			panic("hlstest: TS payload too long")
		}
		p[3] = 0x30 | w.counter(pid)
		p = append(p, byte(alen))
		if alen > 0 {
			if adapt == nil {
				adapt = []byte{0x00}
			}
			p = append(p, adapt...)
			for len(p) < 4+1+alen {
				p = append(p, 0xFF)
			}
		}
	} else {
		p[3] = 0x10 | w.counter(pid)
	}
	p = append(p, payload...)
	w.buf = append(w.buf, p...)
}

// pes splits a PES packet into TS packets, the first carrying PCR = pts.
func (w *tsWriter) pes(pes []byte, pts int64) {
	pcr := make([]byte, 7)
	pcr[0] = 0x10 // PCR flag
	base := uint64(pts)
	pcr[1] = byte(base >> 25)
	pcr[2] = byte(base >> 17)
	pcr[3] = byte(base >> 9)
	pcr[4] = byte(base >> 1)
	pcr[5] = byte(base<<7) | 0x7E
	pcr[6] = 0
	first := true
	for len(pes) > 0 {
		room := packetSize - 4
		var adapt []byte
		if first {
			adapt = pcr
			room -= 1 + len(pcr)
		}
		n := min(room, len(pes))
		w.packet(pidAudio, first, adapt, pes[:n])
		pes = pes[n:]
		first = false
	}
}

// psi writes a table section in one packet, padded with 0xFF after the
// section as muxers do.
func (w *tsWriter) psi(pid uint16, section []byte) {
	payload := make([]byte, packetSize-4)
	for i := range payload {
		payload[i] = 0xFF
	}
	payload[0] = 0 // pointer field
	copy(payload[1:], section)
	w.packet(pid, true, nil, payload)
}

func patSection() []byte {
	s := []byte{
		0x00,       // table id: PAT
		0xB0, 0x0D, // section syntax, length 13
		0x00, 0x01, // transport stream id
		0xC1,       // version 0, current
		0x00, 0x00, // section numbers
		0x00, 0x01, // program 1
		0xE0 | pidPMT>>8, pidPMT & 0xFF,
	}
	return appendCRC(s)
}

func pmtSection() []byte {
	s := []byte{
		0x02,       // table id: PMT
		0xB0, 0x12, // section syntax, length 18
		0x00, 0x01, // program 1
		0xC1, 0x00, 0x00,
		0xE0 | pidAudio>>8, pidAudio & 0xFF, // PCR PID
		0xF0, 0x00, // no program info
		0x03, // MPEG-1 audio
		0xE0 | pidAudio>>8, pidAudio & 0xFF,
		0xF0, 0x00, // no ES info
	}
	return appendCRC(s)
}

// appendCRC appends the MPEG-2 CRC-32 (polynomial 0x04C11DB7, not
// reflected) of s.
func appendCRC(s []byte) []byte {
	crc := uint32(0xFFFFFFFF)
	for _, b := range s {
		crc ^= uint32(b) << 24
		for i := 0; i < 8; i++ {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return binary.BigEndian.AppendUint32(s, crc)
}
