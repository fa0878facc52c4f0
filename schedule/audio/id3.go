package audio

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// The ID3v2 frames read, by the tag's major version. ID3v2.2 names its
// frames with three letters (ID3v2.2 §4), later versions with four
// (ID3v2.3 §4, ID3v2.4 frames §4.2): TPUB is the publisher, which for a
// recording is its label; TSRC the ISRC.
var id3Frames = map[string]field{
	"TT2": fieldTitle, "TP1": fieldArtist, "TAL": fieldAlbum, "TPB": fieldLabel, "TRC": fieldISRC,
	"TIT2": fieldTitle, "TPE1": fieldArtist, "TALB": fieldAlbum, "TPUB": fieldLabel, "TSRC": fieldISRC,
}

// readLeadingID3v2 reads the ID3v2 tags at the start of the file, as
// many as skipID3v2 skips, and returns the offset of what follows them.
// A tag that cannot be read is dropped; only the reader's own errors are
// returned.
func readLeadingID3v2(s *source, t *tagSet) (int64, error) {
	var off int64
	for range maxID3Tags {
		next, found, err := readID3v2(s, off, s.size, t, Unknown)
		if err != nil || !found {
			return off, err
		}
		off = next
	}
	return off, nil
}

// readID3v2 reads the ID3v2 tag at off, which must end before limit, and
// returns the offset past it. found is false if no tag starts at off. A
// tag whose header is broken is dropped and next is limit: what follows
// cannot be found.
func readID3v2(s *source, off, limit int64, t *tagSet, format Format) (next int64, found bool, err error) {
	var h [10]byte
	n := min(int64(len(h)), limit-off)
	if n < 3 {
		return off, false, nil
	}
	if err := s.readAt(h[:n], off); err != nil {
		return off, false, fmt.Errorf("audio: read ID3v2 tag: %w", err)
	}
	if string(h[:3]) != "ID3" {
		return off, false, nil
	}
	t.id3 = true
	if n < int64(len(h)) {
		t.drop(format, "ID3v2", "truncated header", io.ErrUnexpectedEOF)
		return limit, true, nil
	}
	ver, flags := h[3], h[5]
	name := fmt.Sprintf("ID3v2.%d", ver)
	if ver < 2 || ver > 4 || h[4] == 0xFF || (h[6]|h[7]|h[8]|h[9])&0x80 != 0 {
		t.drop(format, "ID3v2", "bad header", nil)
		return limit, true, nil
	}
	size := syncsafe(h[6:10])
	next = off + 10 + size
	if ver == 4 && flags&0x10 != 0 {
		next += 10 // ID3v2.4 §3.4: a footer
	}
	if next > limit {
		t.drop(format, name, fmt.Sprintf("%d bytes past the end of the file", next-limit), io.ErrUnexpectedEOF)
		return limit, true, nil
	}
	if ver == 2 && flags&0x40 != 0 {
		// ID3v2.2 §3.1: no compression scheme was ever defined.
		t.drop(format, name, "compressed tag", nil)
		return next, true, nil
	}
	var r io.Reader = newReader(s, off+10, size)
	// ID3v2.3 §5: unsynchronisation is undone on the whole tag before
	// it is read; in ID3v2.4 (§6.1) it is a frame's, undone per frame.
	tagUnsync := flags&0x80 != 0
	if tagUnsync && ver < 4 {
		r = &unsyncReader{r: r.(*bufio.Reader)}
	}
	err = id3Frames2(r, ver, flags, tagUnsync, t, format, name)
	if truncated(err) {
		t.drop(format, name, "truncated", io.ErrUnexpectedEOF)
		err = nil
	}
	return next, true, err
}

// id3Frames2 reads the frames of a tag body.
func id3Frames2(r io.Reader, ver, flags byte, tagUnsync bool, t *tagSet, format Format, name string) error {
	if ver >= 3 && flags&0x40 != 0 {
		// The extended header: ID3v2.3 §3.2 gives its size without
		// itself, ID3v2.4 §3.2 with, as a syncsafe integer.
		b, err := readFull(r, 4)
		if err != nil {
			return err
		}
		n := int64(be32(b))
		if ver == 4 {
			if (b[0]|b[1]|b[2]|b[3])&0x80 != 0 || syncsafe(b) < 6 {
				t.drop(format, name, "bad extended header", nil)
				return nil
			}
			n = syncsafe(b) - 4
		}
		if err := skip(r, n); err != nil {
			return err
		}
	}
	hlen := 10
	if ver == 2 {
		hlen = 6
	}
	for {
		h := make([]byte, hlen)
		if _, err := io.ReadFull(r, h); err != nil {
			if truncated(err) {
				return nil // no room for another frame: the padding ended
			}
			return err
		}
		if h[0] == 0 {
			return nil // padding
		}
		var (
			id   string
			size int64
		)
		var fl byte
		switch ver {
		case 2:
			id = string(h[:3])
			size = int64(h[3])<<16 | int64(h[4])<<8 | int64(h[5])
		case 3:
			id = string(h[:4])
			size, fl = int64(be32(h[4:8])), h[9]
		case 4:
			id = string(h[:4])
			if (h[4]|h[5]|h[6]|h[7])&0x80 != 0 {
				t.drop(format, name, fmt.Sprintf("frame %q: size not syncsafe", id), nil)
				return nil
			}
			size, fl = syncsafe(h[4:8]), h[9]
		}
		if !validFrameID(id) {
			t.drop(format, name, fmt.Sprintf("bad frame id %q", id), nil)
			return nil
		}
		tag := name + " " + id
		f := id3Frames[id]
		if f == fieldNone || t.has(f) {
			if err := skip(r, size); err != nil {
				return err
			}
			continue
		}
		if size > maxTextFrame {
			t.drop(format, tag, fmt.Sprintf("frame of %d bytes", size), nil)
			if err := skip(r, size); err != nil {
				return err
			}
			continue
		}
		data, err := readFull(r, int(size))
		if err != nil {
			return err
		}
		data, reason := frameData(ver, fl, tagUnsync, data)
		if reason != "" {
			t.drop(format, tag, reason, nil)
			continue
		}
		v, reason := id3Text(data, ver)
		if reason != "" {
			t.drop(format, tag, reason, nil)
			continue
		}
		t.set(format, tag, f, v)
	}
}

// frameData strips what the frame's flags put before its data, undoes
// ID3v2.4's per-frame unsynchronisation, and refuses compressed and
// encrypted frames (no tagger writes text frames so).
func frameData(ver, fl byte, tagUnsync bool, data []byte) ([]byte, string) {
	cut := func(n int) bool {
		if len(data) < n {
			return false
		}
		data = data[n:]
		return true
	}
	switch ver {
	case 3: // ID3v2.3 §3.3.1
		if fl&0xC0 != 0 {
			return nil, "compressed or encrypted frame"
		}
		if fl&0x20 != 0 && !cut(1) {
			return nil, "truncated grouping id"
		}
	case 4: // ID3v2.4 §4.1.2
		if fl&0x0C != 0 {
			return nil, "compressed or encrypted frame"
		}
		if fl&0x40 != 0 && !cut(1) {
			return nil, "truncated grouping id"
		}
		if fl&0x02 != 0 || tagUnsync {
			data = unsync(data)
		}
		if fl&0x01 != 0 && !cut(4) {
			return nil, "truncated data length indicator"
		}
	}
	return data, ""
}

// validFrameID: frame ids are capital letters and digits.
func validFrameID(id string) bool {
	for i := range len(id) {
		if c := id[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// id3Text decodes a text frame (ID3v2.4 frames §4.2): an encoding byte,
// then the text in ISO-8859-1 (0), UTF-16 with a byte order mark (1),
// UTF-16BE (2) or UTF-8 (3). ID3v2.4 separates several values with a NUL
// (they are joined with " / "); earlier versions end the text at one.
// The encodings 2 and 3, ID3v2.4's, are read in earlier versions too, as
// some taggers write them there.
func id3Text(b []byte, ver byte) (string, string) {
	if len(b) == 0 {
		return "", ""
	}
	enc, b := b[0], b[1:]
	var vals []string
	switch enc {
	case 0, 3:
		for _, v := range strings.Split(string(b), "\x00") {
			if enc == 0 {
				v = latin1([]byte(v))
			}
			vals = append(vals, v)
		}
	case 1, 2:
		if len(b)%2 == 1 {
			if b[len(b)-1] != 0 {
				return "", "UTF-16 text of an odd length"
			}
			b = b[:len(b)-1]
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = be16(b[2*i:])
		}
		for len(u) > 0 {
			i := 0
			for i < len(u) && u[i] != 0 {
				i++
			}
			piece := u[:i]
			u = u[min(i+1, len(u)):]
			if len(piece) == 0 {
				continue
			}
			if enc == 1 {
				switch piece[0] {
				case 0xFEFF:
					piece = piece[1:]
				case 0xFFFE:
					piece = piece[1:]
					for j, c := range piece {
						piece[j] = c<<8 | c>>8
					}
				default:
					return "", "UTF-16 text without a byte order mark"
				}
			}
			vals = append(vals, string(utf16.Decode(piece)))
		}
	default:
		return "", fmt.Sprintf("text encoding %d", enc)
	}
	var kept []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			kept = append(kept, v)
		}
		if ver < 4 && len(vals) > 0 {
			break
		}
	}
	return strings.Join(kept, " / "), ""
}

// unsync undoes unsynchronisation (ID3v2.4 §6.1): a 0x00 after a 0xFF
// was inserted by the writer.
func unsync(b []byte) []byte {
	out := b[:0:0]
	for i := 0; i < len(b); i++ {
		out = append(out, b[i])
		if b[i] == 0xFF && i+1 < len(b) && b[i+1] == 0 {
			i++
		}
	}
	return out
}

// unsyncReader undoes unsynchronisation on a stream.
type unsyncReader struct {
	r    *bufio.Reader
	prev byte
}

func (u *unsyncReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := u.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if u.prev == 0xFF && c == 0 {
			u.prev = 0
			continue
		}
		u.prev = c
		p[n] = c
		n++
		if u.r.Buffered() == 0 {
			break
		}
	}
	return n, nil
}

// id3v1Tags reads the ID3v1 tag in the last 128 bytes of the file: three
// fields of 30 bytes, padded with NULs or spaces, in ISO-8859-1 or, as
// ffmpeg writes them, UTF-8.
func id3v1Tags(s *source, start int64, t *tagSet) error {
	if s.size-start < 128 {
		return nil
	}
	var b [128]byte
	if err := s.readAt(b[:], s.size-128); err != nil {
		return fmt.Errorf("audio: read ID3v1 tag: %w", err)
	}
	if string(b[:3]) != "TAG" {
		return nil
	}
	t.id3 = true
	for _, x := range []struct {
		f        field
		tag      string
		from, to int
	}{{fieldTitle, "title", 3, 33}, {fieldArtist, "artist", 33, 63}, {fieldAlbum, "album", 63, 93}} {
		v := b[x.from:x.to]
		if i := strings.IndexByte(string(v), 0); i >= 0 {
			v = v[:i]
		}
		t.set(MP3, "ID3v1 "+x.tag, x.f, latin1OrUTF8(v))
	}
	return nil
}
