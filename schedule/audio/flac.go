package audio

import (
	"fmt"
	"io"
	"time"
)

// flacDuration reads the STREAMINFO block, which the FLAC format puts
// first (RFC 9639 §8.2): total samples over the sample rate.
func flacDuration(s *source, start int64) (time.Duration, error) {
	var b [4 + 4 + 34]byte // "fLaC", the block header, STREAMINFO
	if err := s.readAt(b[:], start); err != nil {
		return 0, readError(FLAC, "STREAMINFO", err)
	}
	if typ, length := b[4]&0x7F, uint32(b[5])<<16|uint32(be16(b[6:8])); typ != 0 || length != 34 {
		return 0, malformed(FLAC, "first metadata block is type %d of %d bytes, not a STREAMINFO", typ, length)
	}
	si := b[8:]
	minBlock, maxBlock := be16(si[0:2]), be16(si[2:4])
	x := be64(si[10:18])
	rate := x >> 44
	total := x & (1<<36 - 1)
	switch {
	case rate == 0:
		return 0, malformed(FLAC, "zero sample rate")
	case minBlock < 16 || maxBlock < minBlock:
		return 0, malformed(FLAC, "block sizes %d..%d", minBlock, maxBlock)
	case total == 0:
		// RFC 9639 §8.2: 0 means the encoder did not know. Counting the
		// frames would mean reading the whole file.
		return 0, malformed(FLAC, "STREAMINFO gives no sample count")
	}
	d, err := samplesDuration(FLAC, total, rate)
	if err == nil {
		err = plausible(FLAC, d, s.size)
	}
	if err != nil {
		return 0, err
	}
	return d, nil
}

// flacTags reads the VORBIS_COMMENT block among the metadata blocks
// (RFC 9639 §8.1: a header of a last-block flag, a 7-bit type and a
// 24-bit length, then the block). Other blocks, pictures among them, are
// skipped by their length.
func flacTags(s *source, start int64, t *tagSet) error {
	off := start + 4
	for range maxChunks {
		var h [4]byte
		if err := s.readAt(h[:], off); err != nil {
			if truncated(err) {
				t.drop(FLAC, "metadata", "truncated block header", io.ErrUnexpectedEOF)
				return nil
			}
			return fmt.Errorf("audio: read FLAC metadata: %w", err)
		}
		typ, n := h[0]&0x7F, int64(h[1])<<16|int64(h[2])<<8|int64(h[3])
		body := off + 4
		if typ == 127 {
			t.drop(FLAC, "metadata", "block type 127", nil)
			return nil
		}
		if n > s.size-body {
			t.drop(FLAC, "metadata", fmt.Sprintf("block of %d bytes past the end of the file", n), io.ErrUnexpectedEOF)
			return nil
		}
		if typ == 4 {
			err := vorbisComments(newReader(s, body, n), t, FLAC)
			if truncated(err) {
				t.drop(FLAC, "VORBIS_COMMENT", "truncated", io.ErrUnexpectedEOF)
				err = nil
			}
			return err
		}
		if h[0]&0x80 != 0 {
			return nil
		}
		off = body + n
	}
	t.drop(FLAC, "metadata", fmt.Sprintf("more than %d blocks", maxChunks), nil)
	return nil
}
