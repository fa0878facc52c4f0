package audio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// RFC 3533 §6: a page is a 27-byte header, up to 255 lacing values and up
// to 255 segments of up to 255 bytes.
const (
	oggHeaderLen = 27
	maxOggPage   = oggHeaderLen + 255 + 255*255
	oggBOS       = 0x02 // the first page of a logical stream
)

// maxOggChecks bounds the checksums computed while looking for the last
// page: hostile bytes can hold an "OggS" every fourth byte.
const maxOggChecks = 64

// oggPage is the header of a page.
type oggPage struct {
	flags   byte
	granule int64 // -1: no packet ends on this page
	serial  uint32
	nseg    int
	len     int // header, lacing values and body
}

// parseOggHeader reads the header and lacing values at the start of b.
func parseOggHeader(b []byte) (oggPage, bool) {
	if len(b) < oggHeaderLen || string(b[:4]) != "OggS" || b[4] != 0 {
		return oggPage{}, false
	}
	p := oggPage{flags: b[5], granule: int64(le64(b[6:14])), serial: le32(b[14:18]), nseg: int(b[26])}
	if len(b) < oggHeaderLen+p.nseg {
		return oggPage{}, false
	}
	p.len = oggHeaderLen + p.nseg
	for _, l := range b[oggHeaderLen : oggHeaderLen+p.nseg] {
		p.len += int(l)
	}
	return p, true
}

// checkOggPage parses the page at the start of b, which must hold all of
// it, and checks its CRC.
func checkOggPage(b []byte) (oggPage, bool) {
	p, ok := parseOggHeader(b)
	if !ok || len(b) < p.len || oggCRC(b[:p.len]) != le32(b[22:26]) {
		return oggPage{}, false
	}
	return p, true
}

// firstPacket returns the packet that starts page b, if it ends there.
func (p oggPage) firstPacket(b []byte) ([]byte, bool) {
	n := 0
	for _, l := range b[oggHeaderLen : oggHeaderLen+p.nseg] {
		n += int(l)
		if l < 255 {
			body := b[oggHeaderLen+p.nseg : p.len]
			return body[:n], true
		}
	}
	return nil, false
}

// oggCodec is what the identification header tells of a logical stream.
type oggCodec struct {
	format  Format
	rate    uint64
	preskip uint64 // Opus: samples to drop from the start
}

// parseOggCodec reads the identification header of a stream, the first
// packet of its first page.
func parseOggCodec(pkt []byte) (oggCodec, error) {
	switch {
	case bytes.HasPrefix(pkt, []byte("\x01vorbis")):
		// Vorbis I §4.2.2.
		if len(pkt) < 30 {
			return oggCodec{format: OggVorbis}, malformed(OggVorbis, "identification header of %d bytes", len(pkt))
		}
		c := oggCodec{format: OggVorbis, rate: uint64(le32(pkt[12:16]))}
		bs0, bs1 := pkt[28]&0x0F, pkt[28]>>4
		switch {
		case le32(pkt[7:11]) != 0:
			return c, malformed(OggVorbis, "version %d", le32(pkt[7:11]))
		case pkt[11] == 0:
			return c, malformed(OggVorbis, "zero channels")
		case c.rate == 0:
			return c, malformed(OggVorbis, "zero sample rate")
		case bs0 < 6 || bs1 > 13 || bs0 > bs1 || pkt[29]&1 == 0:
			return c, malformed(OggVorbis, "bad block sizes or framing bit")
		}
		return c, nil
	case bytes.HasPrefix(pkt, []byte("OpusHead")):
		// RFC 7845 §5.1: granule positions count 48 kHz samples whatever
		// the input rate, pre-skip included.
		c := oggCodec{format: OggOpus, rate: 48000}
		switch {
		case len(pkt) < 19:
			return c, malformed(OggOpus, "OpusHead of %d bytes", len(pkt))
		case pkt[8]&0xF0 != 0:
			return c, malformed(OggOpus, "version %d", pkt[8])
		case pkt[9] == 0:
			return c, malformed(OggOpus, "zero channels")
		}
		c.preskip = uint64(le16(pkt[10:12]))
		return c, nil
	}
	return oggCodec{}, fmt.Errorf("audio: Ogg stream of another codec: %w", ErrUnknownFormat)
}

// duration is the playing time up to granule, the position of the last
// sample of the stream.
func (c oggCodec) duration(granule int64) (time.Duration, error) {
	if granule < 0 || uint64(granule) < c.preskip {
		return 0, malformed(c.format, "last granule position %d", granule)
	}
	return samplesDuration(c.format, uint64(granule)-c.preskip, c.rate)
}

// oggDuration reads the codec from the first page and the length from the
// granule position of the last, found by scanning back from the end of the
// file. A chained file (streams one after another, as a recorded Icecast
// stream is) is walked page by page instead, its links' durations added.
func oggDuration(s *source, start int64) (time.Duration, Format, error) {
	buf := make([]byte, 2*maxOggPage)
	first := buf[:min(maxOggPage, s.size-start)]
	if err := s.readAt(first, start); err != nil {
		return 0, Unknown, readError(Unknown, "Ogg page", err)
	}
	p, ok := parseOggHeader(first)
	switch {
	case len(first) > 4 && first[4] != 0:
		return 0, Unknown, malformed(Unknown, "Ogg version %d", first[4])
	case !ok || p.len > len(first):
		return 0, Unknown, readError(Unknown, "first Ogg page", io.ErrUnexpectedEOF)
	case oggCRC(first[:p.len]) != le32(first[22:26]):
		return 0, Unknown, malformed(Unknown, "first Ogg page fails its checksum")
	case p.flags&oggBOS == 0:
		return 0, Unknown, malformed(Unknown, "first Ogg page begins no stream")
	}
	pkt, ok := p.firstPacket(first)
	if !ok {
		return 0, Unknown, malformed(Unknown, "Ogg identification header does not end on the first page")
	}
	codec, err := parseOggCodec(pkt)
	if err != nil {
		return 0, codec.format, err
	}

	// Any page that ends in the last two pages' worth of bytes starts in
	// them.
	wstart := max(start, s.size-int64(len(buf)))
	w := buf[:s.size-wstart]
	if err := s.readAt(w, wstart); err != nil {
		return 0, codec.format, readError(codec.format, "last Ogg page", err)
	}
	last, ok := lastOggPage(w)
	if !ok {
		return 0, codec.format, malformed(codec.format, "no complete Ogg page in the last %d bytes", len(w))
	}
	if last.serial != p.serial {
		return oggWalk(s, start, buf)
	}
	d, err := codec.duration(last.granule)
	if err == nil {
		err = plausible(codec.format, d, s.size)
	}
	if err != nil {
		return 0, codec.format, err
	}
	return d, codec.format, nil
}

// lastOggPage finds the last page of w that is complete and sound and on
// which a packet ends.
func lastOggPage(w []byte) (oggPage, bool) {
	magic := []byte("OggS")
	checks := 0
	for end := len(w); checks < maxOggChecks; {
		i := bytes.LastIndex(w[:end], magic)
		if i < 0 {
			break
		}
		end = i + len(magic) - 1
		p, ok := parseOggHeader(w[i:])
		if !ok || p.len > len(w)-i {
			continue
		}
		checks++
		if oggCRC(w[i:i+p.len]) == le32(w[i+22:i+26]) && p.granule != -1 {
			return p, true
		}
	}
	return oggPage{}, false
}

// oggWalk adds up the links of a chained file, reading every page header
// (by offset: page bodies are skipped) and the whole of each link's first
// page. Pages of two streams interleaved (audio with video) are refused.
func oggWalk(s *source, start int64, buf []byte) (time.Duration, Format, error) {
	var (
		total   time.Duration
		format  Format
		codec   oggCodec
		serial  uint32
		granule int64 = -1
		inLink  bool
	)
	endLink := func() error {
		d, err := codec.duration(granule)
		total += d
		return err
	}
	for off := start; off < s.size; {
		// The header, then its lacing values: reading no more than the
		// page declares keeps a file of tiny pages from being read many
		// times over.
		h := buf[:oggHeaderLen]
		if s.size-off < oggHeaderLen {
			break // a last page cut short
		}
		if err := s.readAt(h, off); err != nil {
			return 0, format, readError(format, "Ogg page", err)
		}
		if string(h[:4]) != "OggS" || h[4] != 0 {
			return 0, format, malformed(format, "no Ogg page at offset %d", off)
		}
		h = buf[:oggHeaderLen+int(h[26])]
		if int64(len(h)) > s.size-off {
			break
		}
		if err := s.readAt(h[oggHeaderLen:], off+oggHeaderLen); err != nil {
			return 0, format, readError(format, "Ogg page", err)
		}
		p, _ := parseOggHeader(h)
		if int64(p.len) > s.size-off {
			break
		}
		switch {
		case p.flags&oggBOS != 0:
			if inLink {
				if err := endLink(); err != nil {
					return 0, format, err
				}
			}
			page := buf[:p.len]
			if err := s.readAt(page, off); err != nil {
				return 0, format, readError(format, "Ogg page", err)
			}
			if _, ok := checkOggPage(page); !ok {
				return 0, format, malformed(format, "Ogg page at offset %d fails its checksum", off)
			}
			pkt, ok := p.firstPacket(page)
			if !ok {
				return 0, format, malformed(format, "Ogg identification header at offset %d does not end on its page", off)
			}
			c, err := parseOggCodec(pkt)
			if err != nil {
				return 0, format, err
			}
			if format == Unknown {
				format = c.format
			}
			codec, serial, granule, inLink = c, p.serial, -1, true
		case !inLink || p.serial != serial:
			return 0, format, malformed(format, "interleaved Ogg streams at offset %d", off)
		case p.granule != -1:
			granule = p.granule
		}
		off += int64(p.len)
	}
	err := endLink()
	if err == nil {
		err = plausible(format, total, s.size)
	}
	if err != nil {
		return 0, format, err
	}
	return total, format, nil
}

// oggCRCTable is the table of RFC 3533's CRC-32: polynomial 0x04c11db7,
// most significant bit first, no reflection, initial value and final XOR
// zero (not the IEEE CRC of hash/crc32).
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

// oggCRC is the checksum of page b, its own checksum field taken as zero.
func oggCRC(b []byte) uint32 {
	var crc uint32
	for i, c := range b {
		if i >= 22 && i < 26 {
			c = 0
		}
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
	}
	return crc
}

// oggTags reads the comment header, the second packet of the first
// logical stream (Vorbis I §4.2.1, RFC 7845 §3): after "\x03vorbis" in
// Vorbis, "OpusTags" in Opus. It may span many pages (a cover image is a
// comment); they are read one at a time, each checked.
func oggTags(s *source, start int64, t *tagSet) (Format, error) {
	pr := &oggPackets{s: s, off: start, buf: make([]byte, maxOggPage)}
	if err := pr.nextPage(true); err != nil {
		return Unknown, pr.fail(t, Unknown, err)
	}
	pkt, ok := pr.p.firstPacket(pr.buf)
	if !ok {
		return Unknown, pr.fail(t, Unknown, errBadTag)
	}
	codec, err := parseOggCodec(pkt)
	if err != nil {
		if errors.Is(err, ErrUnknownFormat) {
			return Unknown, err
		}
		return codec.format, pr.fail(t, codec.format, errBadTag)
	}
	f := codec.format
	if _, err := io.Copy(io.Discard, pr); err != nil {
		return f, pr.fail(t, f, err)
	}
	pr.ended = false
	prefix := "\x03vorbis"
	if f == OggOpus {
		prefix = "OpusTags"
	}
	b, err := readFull(pr, len(prefix))
	if err != nil {
		return f, pr.fail(t, f, err)
	}
	if string(b) != prefix {
		return f, pr.fail(t, f, errBadTag)
	}
	return f, pr.fail(t, f, vorbisComments(pr, t, f))
}

// oggPackets reads the packets of the stream of a file's first page, one
// at a time, page by page through buf, skipping the pages of other
// streams.
type oggPackets struct {
	s      *source
	off    int64 // the next page
	serial uint32
	buf    []byte
	p      oggPage
	seg    int    // the next lacing value of p
	body   int    // where in buf the next segment starts
	cur    []byte // what is left of the segment being read
	ended  bool   // the packet being read has ended
}

// fail turns a broken or truncated stream into a dropped tag, and passes
// the reader's own errors.
func (o *oggPackets) fail(t *tagSet, f Format, err error) error {
	switch {
	case err == nil:
		return nil
	case truncated(err), errors.Is(err, errBadTag):
		t.drop(f, "comment header", "malformed or truncated Ogg stream", err)
		return nil
	}
	return err
}

// nextPage loads the next page of the stream, checked against its CRC.
func (o *oggPackets) nextPage(first bool) error {
	for {
		h := o.buf[:oggHeaderLen]
		if err := o.s.readAt(h, o.off); err != nil {
			return err
		}
		if string(h[:4]) != "OggS" || h[4] != 0 {
			return errBadTag
		}
		n := oggHeaderLen + int(h[26])
		if err := o.s.readAt(o.buf[oggHeaderLen:n], o.off+oggHeaderLen); err != nil {
			return err
		}
		p, _ := parseOggHeader(o.buf[:n])
		if err := o.s.readAt(o.buf[n:p.len], o.off+int64(n)); err != nil {
			return err
		}
		if _, ok := checkOggPage(o.buf[:p.len]); !ok {
			return errBadTag
		}
		o.off += int64(p.len)
		if first {
			if p.flags&oggBOS == 0 {
				return errBadTag
			}
			o.serial = p.serial
		} else if p.serial != o.serial {
			continue
		}
		o.p, o.seg, o.body = p, 0, oggHeaderLen+p.nseg
		return nil
	}
}

// Read reads the current packet, returning io.EOF at its end.
func (o *oggPackets) Read(b []byte) (int, error) {
	for len(o.cur) == 0 {
		if o.ended {
			return 0, io.EOF
		}
		if o.seg == o.p.nseg {
			if err := o.nextPage(false); err != nil {
				return 0, err
			}
			continue
		}
		l := int(o.buf[oggHeaderLen+o.seg])
		o.cur = o.buf[o.body : o.body+l]
		o.body += l
		o.seg++
		o.ended = l < 255
	}
	n := copy(b, o.cur)
	o.cur = o.cur[n:]
	return n, nil
}
