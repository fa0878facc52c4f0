package audio

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// vorbisFields are the comment fields read (Vorbis I §5.2.2 and the
// names taggers use beside them): LABEL first, then ORGANIZATION (the
// Vorbis specification's name for the label), then PUBLISHER.
var vorbisFields = map[string]field{
	"TITLE": fieldTitle, "ARTIST": fieldArtist, "ALBUM": fieldAlbum, "ISRC": fieldISRC,
	"LABEL": fieldLabel, "ORGANIZATION": fieldLabel, "PUBLISHER": fieldLabel,
}

var labelRank = map[string]int{"LABEL": 0, "ORGANIZATION": 1, "PUBLISHER": 2}

// maxVorbisName bounds the bytes looked at for a field's name: the names
// read are short; a longer one is some other field, skipped.
const maxVorbisName = 32

// errBadTag is a tag block whose structure is broken: it is dropped.
var errBadTag = errors.New("malformed tag block")

// vorbisComments reads a comment header (Vorbis I §5.2.1, RFC 7845
// §5.2, RFC 9639 §8.6) from r, after any codec prefix: the vendor
// string, then a count of "NAME=value" comments, each with its length,
// all little-endian. Field names are case-insensitive; several ARTIST
// fields are joined with " / ". Values of the fields read are copied (up
// to maxTextFrame bytes), all else is skipped. The error is r's, for a
// truncated block io.ErrUnexpectedEOF.
func vorbisComments(r io.Reader, t *tagSet, format Format) error {
	u32 := func() (int64, error) {
		b, err := readFull(r, 4)
		if err != nil {
			return 0, err
		}
		return int64(le32(b)), nil
	}
	n, err := u32()
	if err != nil {
		return err
	}
	if err := skip(r, n); err != nil {
		return err
	}
	count, err := u32()
	if err != nil {
		return err
	}
	var (
		artists []string
		labels  [3]struct{ tag, value string }
		rest    []struct {
			tag   string
			f     field
			value string
		}
	)
	// Each comment takes at least its 4-byte length, so a count the
	// block cannot hold ends in a truncation, after reading it once.
	for range count {
		n, err := u32()
		if err != nil {
			return err
		}
		head, err := readFull(r, int(min(n, maxVorbisName)))
		if err != nil {
			return err
		}
		left := n - int64(len(head))
		eq := strings.IndexByte(string(head), '=')
		if eq < 0 {
			if err := skip(r, left); err != nil {
				return err
			}
			continue
		}
		name := strings.ToUpper(string(head[:eq]))
		f := vorbisFields[name]
		tag := "Vorbis comment " + name
		if f == fieldNone || (f != fieldArtist && f != fieldLabel && t.has(f)) {
			if err := skip(r, left); err != nil {
				return err
			}
			continue
		}
		if n > maxTextFrame {
			t.drop(format, tag, fmt.Sprintf("comment of %d bytes", n), nil)
			if err := skip(r, left); err != nil {
				return err
			}
			continue
		}
		tail, err := readFull(r, int(left))
		if err != nil {
			return err
		}
		value := string(head[eq+1:]) + string(tail)
		switch f {
		case fieldArtist:
			v, reason, _ := clean(value)
			if reason != "" {
				t.drop(format, tag, reason, nil)
			} else if v != "" && len(artists) < 16 {
				artists = append(artists, v)
			}
		case fieldLabel:
			if l := &labels[labelRank[name]]; l.value == "" {
				l.tag, l.value = tag, value
			}
		default:
			rest = append(rest, struct {
				tag   string
				f     field
				value string
			}{tag, f, value})
		}
	}
	for _, x := range rest {
		t.set(format, x.tag, x.f, x.value)
	}
	if len(artists) > 0 {
		t.set(format, "Vorbis comment ARTIST", fieldArtist, strings.Join(artists, " / "))
	}
	for _, l := range labels {
		if l.value != "" {
			t.set(format, l.tag, fieldLabel, l.value)
		}
	}
	return nil
}
