package audio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tags is what a sound file's tags say of the recording: the fields a
// royalty report asks for. An empty field is a tag the file does not have
// or that was dropped (see Dropped).
type Tags struct {
	Title  string
	Artist string // several artists joined with " / "
	Album  string
	Label  string // the record label (TPUB, LABEL, ORGANIZATION, PUBLISHER)
	ISRC   string // always 12 characters of the ISO 3901 shape, or empty
	// Dropped lists the tags that were found but not kept: a bad ISRC, a
	// text in a broken encoding, a frame of an absurd size, a tag block
	// whose sizes contradict the file. A caller logs them as warnings.
	Dropped []*TagError
}

// TagError reports a tag that was found but not kept.
type TagError struct {
	Format Format
	Tag    string // where: "ID3v2.3 TSRC", "Vorbis comment ISRC", "RIFF INFO INAM"
	Reason string
	Err    error // the cause, if any (an *ISRCError, io.ErrUnexpectedEOF)
}

func (e *TagError) Error() string {
	s := fmt.Sprintf("audio: %s tag %s dropped: %s", e.Format, e.Tag, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *TagError) Unwrap() error { return e.Err }

// Limits on what is read of tags. Text frames of the fields read are a
// few bytes; a bigger one is hostile or broken, and dropped. Frames and
// comments of other fields (cover images) are skipped by their size.
const (
	maxTagValue  = 1024     // bytes of a kept value, after decoding
	maxTextFrame = 16 << 10 // bytes of a text frame or comment that is read
)

// ReadTags returns the tags of the audio file r and its format, told by
// its bytes as Duration tells it: ID3v2 (2.2, 2.3 and 2.4) and ID3v1 in an
// MP3, Vorbis comments in Ogg Vorbis, Ogg Opus and FLAC, RIFF INFO and an
// "id3 " chunk in a WAV. An ID3v2 tag before a file of another format
// fills the fields its own tags leave empty; ID3v1 fills those ID3v2
// leaves empty.
//
// The work is bounded as Duration's is: the fields read are copied in
// pieces of at most 16 KiB, everything else is skipped by offset or read
// through once, and the bytes read never exceed the file's size by more
// than a few headers.
//
// A tag that is malformed or hostile is dropped and listed in
// Tags.Dropped, never an error: the sound still plays. The errors are
// ErrUnknownFormat for bytes of no known format, or of an Ogg stream
// broken before its codec is told (with format Unknown), and the reader's
// own errors wrapped.
func ReadTags(r io.ReadSeeker) (Tags, Format, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return Tags{}, Unknown, fmt.Errorf("audio: seek: %w", err)
	}
	s := &source{r: r, size: size}
	t := &tagSet{}
	start, ioErr := readLeadingID3v2(s, t)
	if ioErr != nil {
		return Tags{}, Unknown, ioErr
	}
	magic := make([]byte, min(12, size-start))
	if err := s.readAt(magic, start); err != nil {
		return Tags{}, Unknown, fmt.Errorf("audio: read header: %w", err)
	}
	var format Format
	switch {
	case len(magic) == 12 && isRIFF(magic[:4]) && string(magic[8:12]) == "WAVE":
		format, err = WAV, wavTags(s, start, t)
	case bytes.HasPrefix(magic, []byte("fLaC")):
		format, err = FLAC, flacTags(s, start, t)
	case bytes.HasPrefix(magic, []byte("OggS")):
		format, err = oggTags(s, start, t)
	default:
		format, err = MP3, id3v1Tags(s, start, t)
		if err == nil && !t.id3 && !mpegAt(s, start) {
			return Tags{}, Unknown, ErrUnknownFormat
		}
	}
	if err != nil {
		return Tags{}, format, err
	}
	if format == Unknown {
		// An Ogg stream broken before its codec is told.
		return Tags{}, Unknown, ErrUnknownFormat
	}
	// The leading ID3v2 tag was read before the format was known.
	for _, d := range t.Dropped {
		if d.Format == Unknown {
			d.Format = format
		}
	}
	return t.Tags, format, nil
}

// TagsFile is ReadTags of the file at path.
func TagsFile(path string) (Tags, Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return Tags{}, Unknown, err
	}
	defer f.Close()
	t, format, err := ReadTags(f)
	if err != nil {
		return t, format, fmt.Errorf("%s: %w", path, err)
	}
	return t, format, nil
}

// mpegAt tells whether an MPEG audio frame header starts at off, followed
// by another: a file with no tag at all is an MP3 only by its frames.
func mpegAt(s *source, off int64) bool {
	b := make([]byte, min(maxMPEGFrame+4, s.size-off))
	if s.readAt(b, off) != nil {
		return false
	}
	f, ok := parseMPEGFrame(b)
	if !ok {
		return false
	}
	if int64(f.size) == s.size-off {
		return true
	}
	g, ok := parseMPEGFrame(b[min(f.size, len(b)):])
	return ok && g.key == f.key
}

// tagSet collects tags: the first kept value of a field wins.
type tagSet struct {
	Tags
	id3 bool // an ID3 tag was seen (so the file is an MP3 if nothing else)
}

// field names the five fields.
type field int

const (
	fieldNone field = iota
	fieldTitle
	fieldArtist
	fieldAlbum
	fieldLabel
	fieldISRC
)

func (t *tagSet) ptr(f field) *string {
	switch f {
	case fieldTitle:
		return &t.Title
	case fieldArtist:
		return &t.Artist
	case fieldAlbum:
		return &t.Album
	case fieldLabel:
		return &t.Label
	case fieldISRC:
		return &t.ISRC
	}
	return nil
}

// has tells whether field f is already set.
func (t *tagSet) has(f field) bool {
	p := t.ptr(f)
	return p != nil && *p != ""
}

func (t *tagSet) drop(format Format, tag, reason string, err error) {
	t.Dropped = append(t.Dropped, &TagError{Format: format, Tag: tag, Reason: reason, Err: err})
}

// set keeps value for f unless f is set already, after checking it: an
// ISRC must parse, a text must be valid, printable and short. A value
// that fails is dropped with a TagError.
func (t *tagSet) set(format Format, tag string, f field, value string) {
	p := t.ptr(f)
	if p == nil || *p != "" {
		return
	}
	v, reason, err := clean(value)
	if reason != "" {
		t.drop(format, tag, reason, err)
		return
	}
	if v == "" {
		return
	}
	if f == fieldISRC {
		isrc, err := ParseISRC(v)
		if err != nil {
			t.drop(format, tag, "not an ISRC", err)
			return
		}
		v = isrc
	}
	*p = v
}

// clean trims a decoded value and refuses what no report should carry:
// invalid UTF-8, control characters (a newline or an escape sequence in a
// CSV or a terminal), and absurd lengths.
func clean(v string) (string, string, error) {
	v = strings.TrimSpace(v)
	switch {
	case !utf8.ValidString(v):
		return "", "invalid UTF-8", nil
	case len(v) > maxTagValue:
		return "", fmt.Sprintf("%d bytes of text", len(v)), nil
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }):
		return "", "control characters", nil
	}
	return v, "", nil
}

// latin1 decodes ISO-8859-1, whose bytes are the first 256 code points.
func latin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// latin1OrUTF8 decodes text of formats that say ISO-8859-1 and that
// tools write in UTF-8: bytes that are valid UTF-8 are taken as such (a
// Latin-1 text that happens to be valid UTF-8 is rare: "Ã©" and the like).
func latin1OrUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return latin1(b)
}

// reader reads the n bytes of s from off forward, through its own offset
// (so it can be mixed with readAt on a reader without io.ReaderAt).
type reader struct {
	s        *source
	off, end int64
}

func newReader(s *source, off, n int64) *bufio.Reader {
	return bufio.NewReaderSize(&reader{s: s, off: off, end: min(off+n, s.size)}, 4096)
}

func (r *reader) Read(p []byte) (int, error) {
	if r.off >= r.end {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), r.end-r.off))
	if err := r.s.readAt(p[:n], r.off); err != nil {
		return 0, err
	}
	r.off += int64(n)
	return n, nil
}

// skip discards n bytes of r, reporting a short read as
// io.ErrUnexpectedEOF.
func skip(r io.Reader, n int64) error {
	m, err := io.CopyN(io.Discard, r, n)
	if m < n && (err == nil || err == io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readFull reads n bytes of r into a new slice, n being capped by the
// caller.
func readFull(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

// truncated tells a tag cut short (dropped) from an I/O error of the
// reader (returned).
func truncated(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
