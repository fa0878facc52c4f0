package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/audio"
)

// tagsOf is Tags without Dropped, for comparisons.
func tagsOf(t audio.Tags) audio.Tags { t.Dropped = nil; return t }

// droppedTags lists where each dropped tag was.
func droppedTags(t audio.Tags) []string {
	var s []string
	for _, d := range t.Dropped {
		s = append(s, d.Tag)
	}
	return s
}

// TestTagFixtures: files tagged by ffmpeg's -metadata
// (testdata/make-fixtures.sh).
func TestTagFixtures(t *testing.T) {
	for _, tt := range []struct {
		file    string
		format  audio.Format
		want    audio.Tags
		dropped []string
	}{
		// ID3v2.3: ISO-8859-1 and UTF-16 with a BOM; the ID3v1 tag
		// behind it is not needed.
		{"tags-id3v23.mp3", audio.MP3, audio.Tags{Title: "Chanson d'été", Artist: "Zoé", Album: "Fixtures", Label: "Label Été", ISRC: "FRZ039800212"}, nil},
		// ID3v2.4 in UTF-8; the display form of the ISRC, normalised.
		{"tags-id3v24.mp3", audio.MP3, audio.Tags{Title: "東京", Artist: "Artist", Album: "Fixtures", Label: "Label", ISRC: "USS1Z9900001"}, nil},
		// LABEL wins over ORGANIZATION whatever their order.
		{"tags-vorbis.ogg", audio.OggVorbis, audio.Tags{Title: "Vorbis title", Artist: "Vorbis artist", Album: "Fixtures", Label: "Label", ISRC: "GBAYE6800011"}, nil},
		// A bad ISRC is dropped, never stored.
		{"tags-opus.opus", audio.OggOpus, audio.Tags{Title: "Opus title", Artist: "Opus artist", Album: "Fixtures", Label: "Pub"}, []string{"Vorbis comment ISRC"}},
		// The comment header spans two pages.
		{"tags-long.opus", audio.OggOpus, audio.Tags{Title: "After a long comment", Artist: "Opus", Album: "Fixtures"}, nil},
		{"tags-flac.flac", audio.FLAC, audio.Tags{Title: "FLAC title", Artist: "FLAC artist", Album: "Fixtures", Label: "Label", ISRC: "USRC17607839"}, nil},
		{"tags-info.wav", audio.WAV, audio.Tags{Title: "WAV title", Artist: "WAV artist", Album: "Fixtures"}, nil},
		{"mp3-id3-cover.mp3", audio.MP3, audio.Tags{Title: "Test tone", Artist: "airkeep", Album: "fixtures"}, nil},
		{"wav-16-mono.wav", audio.WAV, audio.Tags{Title: "Test tone"}, nil},
		{"mp3-cbr-mono.mp3", audio.MP3, audio.Tags{}, nil},
		{"chained.opus", audio.OggOpus, audio.Tags{}, nil},
	} {
		t.Run(tt.file, func(t *testing.T) {
			got, format, err := audio.TagsFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			require.Equal(t, tt.format, format)
			require.Equal(t, tt.want, tagsOf(got))
			require.Equal(t, tt.dropped, droppedTags(got))
			// Seek alone reads the same.
			got2, _, err := audio.ReadTags(seekOnly{bytes.NewReader(fixture(t, tt.file))})
			require.NoError(t, err)
			require.Equal(t, got, got2)
		})
	}
}

func TestTagsDroppedISRC(t *testing.T) {
	got, _, err := audio.TagsFile("testdata/tags-opus.opus")
	require.NoError(t, err)
	require.Len(t, got.Dropped, 1)
	var ie *audio.ISRCError
	require.ErrorAs(t, got.Dropped[0], &ie)
	require.Equal(t, "NOTANISRC", ie.Value)
	require.Equal(t, audio.OggOpus, got.Dropped[0].Format)
}

func TestTagsUnknown(t *testing.T) {
	_, format, err := audio.TagsFile("testdata/make-fixtures.sh")
	require.ErrorIs(t, err, audio.ErrUnknownFormat)
	require.Equal(t, audio.Unknown, format)
	_, _, err = audio.TagsFile("testdata/none.mp3")
	require.Error(t, err)
}

// ID3v2 building blocks.

func syncsafeBytes(n int) []byte {
	return []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
}

// id3v2 is a tag of version ver with flags around body.
func id3v2(ver, flags byte, body ...[]byte) []byte {
	b := cat(body...)
	return cat([]byte{'I', 'D', '3', ver, 0, flags}, syncsafeBytes(len(b)), b)
}

// frame is a frame of version ver with format flags fl.
func frame(ver byte, id string, fl byte, data []byte) []byte {
	switch ver {
	case 2:
		n := len(data)
		return cat([]byte(id), []byte{byte(n >> 16), byte(n >> 8), byte(n)}, data)
	case 3:
		return cat([]byte(id), binary.BigEndian.AppendUint32(nil, uint32(len(data))), []byte{0, fl}, data)
	}
	return cat([]byte(id), syncsafeBytes(len(data)), []byte{0, fl}, data)
}

func latin1Text(s string) []byte {
	b := []byte{0}
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}
func utf8Text(s string) []byte { return cat([]byte{3}, []byte(s)) }

func utf16Text(s string, bom bool, le bool) []byte {
	u := utf16.Encode([]rune(s))
	b := []byte{2}
	if bom {
		b = []byte{1}
		u = append([]uint16{0xFEFF}, u...)
	}
	for _, c := range u {
		if le {
			b = binary.LittleEndian.AppendUint16(b, c)
		} else {
			b = binary.BigEndian.AppendUint16(b, c)
		}
	}
	return b
}

// unsynchronise inserts a 0x00 after every 0xFF (ID3v2.4 §6.1).
func unsynchronise(b []byte) []byte {
	var out []byte
	for _, c := range b {
		out = append(out, c)
		if c == 0xFF {
			out = append(out, 0)
		}
	}
	return out
}

// mp3 is a sound without tags to put tags on.
func mp3(t *testing.T) []byte { return stripID3(fixture(t, "mp3-noxing.mp3")) }

func TestID3v2(t *testing.T) {
	five := func(ver byte, enc func(string) []byte) []byte {
		ids := []string{"TIT2", "TPE1", "TALB", "TPUB", "TSRC"}
		if ver == 2 {
			ids = []string{"TT2", "TP1", "TAL", "TPB", "TRC"}
		}
		vals := []string{"Title ÿ", "Artist", "Album", "Label", "FRZ039800212"}
		var b []byte
		for i, id := range ids {
			b = cat(b, frame(ver, id, 0, enc(vals[i])))
		}
		return b
	}
	all := audio.Tags{Title: "Title ÿ", Artist: "Artist", Album: "Album", Label: "Label", ISRC: "FRZ039800212"}
	// An ÿ is 0xFF in ISO-8859-1 and in UTF-16 0x00FF: what
	// unsynchronisation is for.
	le16 := func(s string) []byte { return utf16Text(s, true, true) }
	be16bom := func(s string) []byte { return utf16Text(s, true, false) }
	be16 := func(s string) []byte { return utf16Text(s, false, false) }
	padding := make([]byte, 64)
	for _, tt := range []struct {
		name    string
		tag     []byte
		want    audio.Tags
		dropped []string
	}{
		{"v2.2 three-letter frames", id3v2(2, 0, five(2, latin1Text)), all, nil},
		{"v2.2 UTF-16", id3v2(2, 0, five(2, le16)), all, nil},
		{"v2.3 ISO-8859-1 with padding", id3v2(3, 0, five(3, latin1Text), padding), all, nil},
		{"v2.3 UTF-16LE with BOM", id3v2(3, 0, five(3, le16)), all, nil},
		{"v2.3 UTF-16BE with BOM", id3v2(3, 0, five(3, be16bom)), all, nil},
		{"v2.3 unsynchronised tag", id3v2(3, 0x80, unsynchronise(five(3, le16))), all, nil},
		{"v2.3 extended header", id3v2(3, 0x40, []byte{0, 0, 0, 6, 0, 0, 0, 0, 0, 0}, five(3, latin1Text)), all, nil},
		{"v2.4 UTF-8", id3v2(4, 0, five(4, utf8Text)), all, nil},
		{"v2.4 UTF-16BE", id3v2(4, 0, five(4, be16)), all, nil},
		{"v2.4 unsynchronised frames", id3v2(4, 0x80, func() []byte {
			var b []byte
			for _, f := range [][2]string{{"TIT2", "Title ÿ"}, {"TPE1", "Artist"}} {
				b = cat(b, frame(4, f[0], 0x02, unsynchronise(latin1Text(f[1]))))
			}
			return b
		}()), audio.Tags{Title: "Title ÿ", Artist: "Artist"}, nil},
		{"v2.4 one frame unsynchronised, data length indicator", id3v2(4, 0,
			frame(4, "TIT2", 0x03, cat(syncsafeBytes(9), unsynchronise(latin1Text("Title ÿ"))))),
			audio.Tags{Title: "Title ÿ"}, nil},
		{"v2.4 grouping id", id3v2(4, 0, frame(4, "TIT2", 0x40, cat([]byte{7}, utf8Text("T")))), audio.Tags{Title: "T"}, nil},
		{"v2.4 extended header", id3v2(4, 0x40, cat(syncsafeBytes(6), []byte{1, 0}), frame(4, "TIT2", 0, utf8Text("T"))), audio.Tags{Title: "T"}, nil},
		{"v2.4 several artists", id3v2(4, 0, frame(4, "TPE1", 0, utf8Text("A\x00B\x00"))), audio.Tags{Artist: "A / B"}, nil},
		{"v2.3 text ends at a NUL", id3v2(3, 0, frame(3, "TPE1", 0, latin1Text("A\x00B"))), audio.Tags{Artist: "A"}, nil},
		{"other frames skipped", id3v2(3, 0, frame(3, "APIC", 0, make([]byte, 100<<10)), frame(3, "TIT2", 0, latin1Text("T"))), audio.Tags{Title: "T"}, nil},
		{"first tag wins, second fills", cat(id3v2(3, 0, frame(3, "TIT2", 0, latin1Text("New"))), id3v2(3, 0, frame(3, "TIT2", 0, latin1Text("Old")), frame(3, "TPE1", 0, latin1Text("A")))),
			audio.Tags{Title: "New", Artist: "A"}, nil},

		// Hostile or broken: the frame, or the rest of the tag, is
		// dropped; what came before stays.
		{"bad ISRC", id3v2(3, 0, frame(3, "TSRC", 0, latin1Text("FRZ03980021"))), audio.Tags{}, []string{"ID3v2.3 TSRC"}},
		{"ISRC with a letter in the year", id3v2(4, 0, frame(4, "TSRC", 0, utf8Text("FRZ03A800212"))), audio.Tags{}, []string{"ID3v2.4 TSRC"}},
		{"unknown encoding", id3v2(3, 0, frame(3, "TIT2", 0, []byte{9, 'x'})), audio.Tags{}, []string{"ID3v2.3 TIT2"}},
		{"UTF-16 without BOM", id3v2(3, 0, frame(3, "TIT2", 0, cat([]byte{1}, utf16Text("x", false, false)[1:]))), audio.Tags{}, []string{"ID3v2.3 TIT2"}},
		{"odd UTF-16", id3v2(3, 0, frame(3, "TIT2", 0, []byte{1, 0xFF, 0xFE, 'x'})), audio.Tags{}, []string{"ID3v2.3 TIT2"}},
		{"lone surrogate", id3v2(4, 0, frame(4, "TIT2", 0, []byte{2, 0xD8, 0x00, 0, 'x'})), audio.Tags{}, []string{"ID3v2.4 TIT2"}},
		{"invalid UTF-8", id3v2(4, 0, frame(4, "TIT2", 0, utf8Text("a\xff\xfeb"))), audio.Tags{}, []string{"ID3v2.4 TIT2"}},
		{"control characters", id3v2(4, 0, frame(4, "TIT2", 0, utf8Text("a\nb,\x1b[2J"))), audio.Tags{}, []string{"ID3v2.4 TIT2"}},
		{"huge text frame", id3v2(3, 0, frame(3, "TIT2", 0, latin1Text(strings.Repeat("x", 20<<10))), frame(3, "TPE1", 0, latin1Text("A"))), audio.Tags{Artist: "A"}, []string{"ID3v2.3 TIT2"}},
		{"long value", id3v2(3, 0, frame(3, "TIT2", 0, latin1Text(strings.Repeat("x", 2000)))), audio.Tags{}, []string{"ID3v2.3 TIT2"}},
		{"compressed frame", id3v2(3, 0, frame(3, "TIT2", 0x80, latin1Text("xxxxT"))), audio.Tags{}, []string{"ID3v2.3 TIT2"}},
		{"encrypted v2.4 frame", id3v2(4, 0, frame(4, "TIT2", 0x04, latin1Text("xT"))), audio.Tags{}, []string{"ID3v2.4 TIT2"}},
		{"compressed v2.2 tag", id3v2(2, 0x40, five(2, latin1Text)), audio.Tags{}, []string{"ID3v2.2"}},
		{"frame size past the tag", id3v2(3, 0, frame(3, "TPE1", 0, latin1Text("A")), []byte("TIT2\x00\x00\x10\x00\x00\x00\x00T")), audio.Tags{Artist: "A"}, []string{"ID3v2.3"}},
		{"frame size not syncsafe", id3v2(4, 0, frame(4, "TPE1", 0, utf8Text("A")), []byte("TIT2\x00\x00\x00\x80\x00\x00")), audio.Tags{Artist: "A"}, []string{"ID3v2.4"}},
		{"bad frame id", id3v2(3, 0, frame(3, "TPE1", 0, latin1Text("A")), frame(3, "t\x01t2", 0, latin1Text("x"))), audio.Tags{Artist: "A"}, []string{"ID3v2.3"}},
		{"bad extended header", id3v2(4, 0x40, cat(syncsafeBytes(2), frame(4, "TIT2", 0, utf8Text("T")))), audio.Tags{}, []string{"ID3v2.4"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, format, err := audio.ReadTags(bytes.NewReader(cat(tt.tag, mp3(t))))
			require.NoError(t, err)
			require.Equal(t, audio.MP3, format)
			require.Equal(t, tt.want, tagsOf(got))
			require.Equal(t, tt.dropped, droppedTags(got))
			for _, d := range got.Dropped {
				require.Equal(t, audio.MP3, d.Format)
			}
		})
	}
}

// TestID3v2Truncated: a tag that claims more than the file holds is
// dropped, and the file is still an MP3 by its ID3 tag.
func TestID3v2Truncated(t *testing.T) {
	tag := id3v2(3, 0, frame(3, "TIT2", 0, latin1Text("T")))
	got, format, err := audio.ReadTags(bytes.NewReader(tag[:len(tag)-3]))
	require.NoError(t, err)
	require.Equal(t, audio.MP3, format)
	require.Equal(t, audio.Tags{}, tagsOf(got))
	require.Len(t, got.Dropped, 1)
	require.ErrorIs(t, got.Dropped[0], io.ErrUnexpectedEOF)
}

// TestID3v1: ffmpeg writes ID3v1 in UTF-8, where the format says
// ISO-8859-1; both are read.
func TestID3v1(t *testing.T) {
	got, format, err := audio.ReadTags(bytes.NewReader(stripID3(fixture(t, "tags-id3v23.mp3"))))
	require.NoError(t, err)
	require.Equal(t, audio.MP3, format)
	require.Equal(t, audio.Tags{Title: "Chanson d'été", Artist: "Zoé", Album: "Fixtures"}, tagsOf(got))
}

func TestID3v1Fallback(t *testing.T) {
	v1 := make([]byte, 128)
	copy(v1, "TAG")
	copy(v1[3:], "Old title\x00")
	copy(v1[33:], "Old artist                    ")
	copy(v1[63:], "Caf\xe9") // ISO-8859-1
	b := cat(id3v2(3, 0, frame(3, "TIT2", 0, latin1Text("New title"))), mp3(t), v1)
	got, _, err := audio.ReadTags(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, audio.Tags{Title: "New title", Artist: "Old artist", Album: "Café"}, tagsOf(got))
}

// riffChunk is a chunk with its padding byte.
func riffChunk(id string, body []byte) []byte {
	b := cat([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// withChunks appends chunks to a WAV file, fixing the RIFF size.
func withChunks(wav []byte, chunks ...[]byte) []byte {
	b := cat(wav, cat(chunks...))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestWAVTags(t *testing.T) {
	wav := fixture(t, "tags-info.wav")
	plain := fixture(t, "wav-float.wav")
	info := func(kv ...string) []byte {
		b := []byte("INFO")
		for i := 0; i < len(kv); i += 2 {
			b = cat(b, riffChunk(kv[i], []byte(kv[i+1]+"\x00")))
		}
		return riffChunk("LIST", b)
	}
	for _, tt := range []struct {
		name    string
		file    []byte
		want    audio.Tags
		dropped []string
	}{
		// The id3 chunk, after the data, wins over INFO before it.
		{"id3 chunk", withChunks(wav, riffChunk("id3 ", id3v2(4, 0, frame(4, "TIT2", 0, utf8Text("ID3 title")), frame(4, "TPUB", 0, utf8Text("Label")), frame(4, "TSRC", 0, utf8Text("GBAYE6800011"))))),
			audio.Tags{Title: "ID3 title", Artist: "WAV artist", Album: "Fixtures", Label: "Label", ISRC: "GBAYE6800011"}, nil},
		{"ID3 chunk, upper case", withChunks(plain, riffChunk("ID3 ", id3v2(3, 0, frame(3, "TPE1", 0, latin1Text("A"))))), audio.Tags{Artist: "A"}, nil},
		{"INFO in ISO-8859-1", withChunks(plain, info("INAM", "Caf\xe9")), audio.Tags{Title: "Café"}, nil},
		// INFO's ISRC is the source, not the code, unless it is one.
		{"INFO ISRC as a source", withChunks(plain, info("ISRC", "Radio archive")), audio.Tags{}, nil},
		{"INFO ISRC as a code", withChunks(plain, info("ISRC", "GBAYE6800011")), audio.Tags{ISRC: "GBAYE6800011"}, nil},
		{"INFO control characters", withChunks(plain, info("IART", "a\rb")), audio.Tags{}, []string{"RIFF INFO IART"}},
		{"INFO subchunk past its list", withChunks(plain, riffChunk("LIST", cat([]byte("INFOINAM\xff\x00\x00\x00x")))), audio.Tags{}, []string{"RIFF INFO INAM"}},
		{"id3 chunk past the file", cat(plain, []byte("id3 \x00\x01\x00\x00ID3\x03\x00\x00\x00\x00\x01\x00")), audio.Tags{}, []string{"ID3v2.3"}},
		{"id3 chunk with a tag past the chunk", withChunks(plain, riffChunk("id3 ", id3v2(3, 0, frame(3, "TPE1", 0, latin1Text("A")))[:12])), audio.Tags{}, []string{"ID3v2.3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, format, err := audio.ReadTags(bytes.NewReader(tt.file))
			require.NoError(t, err)
			require.Equal(t, audio.WAV, format)
			require.Equal(t, tt.want, tagsOf(got))
			require.Equal(t, tt.dropped, droppedTags(got))
		})
	}
}

// vorbisBlock is a comment block: vendor, count, comments.
func vorbisBlock(count int, comments ...string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 6)
	b = append(b, "vendor"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(count))
	for _, c := range comments {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c)))
		b = append(b, c...)
	}
	return b
}

// flacWith replaces the metadata of a FLAC fixture after STREAMINFO
// with blocks.
func flacWith(t *testing.T, blocks ...[]byte) []byte {
	f := fixture(t, "flac-16-mono.flac")
	si := f[4 : 4+4+34]
	si[0] &^= 0x80
	// The frames start after the last block.
	off := 4
	for {
		h := f[off]
		n := int(f[off+1])<<16 | int(f[off+2])<<8 | int(f[off+3])
		off += 4 + n
		if h&0x80 != 0 {
			break
		}
	}
	b := cat([]byte("fLaC"), si)
	for i, blk := range blocks {
		if i == len(blocks)-1 {
			blk[0] |= 0x80
		}
		b = cat(b, blk)
	}
	return cat(b, f[off:])
}

func flacBlock(typ byte, body []byte) []byte {
	n := len(body)
	return cat([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body)
}

func TestVorbisComments(t *testing.T) {
	for _, tt := range []struct {
		name    string
		file    func(t *testing.T) []byte
		want    audio.Tags
		dropped []string
	}{
		{"names in any case, artists joined, PUBLISHER last", func(t *testing.T) []byte {
			return flacWith(t, flacBlock(6, make([]byte, 5000)), flacBlock(4, vorbisBlock(6, "Title=T", "artist=A", "ARTIST=B", "publisher=P", "organization=O", "NOEQUALSIGN")))
		}, audio.Tags{Title: "T", Artist: "A / B", Label: "O"}, nil},
		{"value with =", func(t *testing.T) []byte {
			return flacWith(t, flacBlock(4, vorbisBlock(1, "TITLE=a=b")))
		}, audio.Tags{Title: "a=b"}, nil},
		{"bad label falls back", func(t *testing.T) []byte {
			return flacWith(t, flacBlock(4, vorbisBlock(2, "LABEL=a\x00b", "PUBLISHER=P")))
		}, audio.Tags{Label: "P"}, []string{"Vorbis comment LABEL"}},
		{"count past the block", func(t *testing.T) []byte {
			return flacWith(t, flacBlock(4, vorbisBlock(1<<30, "TITLE=T")))
		}, audio.Tags{}, []string{"VORBIS_COMMENT"}},
		{"comment length past the block", func(t *testing.T) []byte {
			b := vorbisBlock(1, "TITLE=T")
			binary.LittleEndian.PutUint32(b[14:], 0xFFFFFFF0)
			return flacWith(t, flacBlock(4, b))
		}, audio.Tags{}, []string{"VORBIS_COMMENT"}},
		{"huge title", func(t *testing.T) []byte {
			return flacWith(t, flacBlock(4, vorbisBlock(2, "TITLE="+strings.Repeat("x", 20<<10), "ARTIST=A")))
		}, audio.Tags{Artist: "A"}, []string{"Vorbis comment TITLE"}},
		{"block past the file", func(t *testing.T) []byte {
			return []byte("fLaC\x84\xff\xff\xffTITLE")
		}, audio.Tags{}, []string{"metadata"}},
		{"block type 127", func(t *testing.T) []byte {
			return flacWith(t, flacBlock(127, nil))
		}, audio.Tags{}, []string{"metadata"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, format, err := audio.ReadTags(bytes.NewReader(tt.file(t)))
			require.NoError(t, err)
			require.Equal(t, audio.FLAC, format)
			require.Equal(t, tt.want, tagsOf(got))
			require.Equal(t, tt.dropped, droppedTags(got))
		})
	}
}

// TestOggCommentHeader: broken Ogg streams drop the comment header.
func TestOggCommentHeader(t *testing.T) {
	head := fixture(t, "opus-mono.opus")
	first := head[:pageLen(head)]
	tags := cat([]byte("OpusTags"), vorbisBlock(1, "TITLE=T"))
	badCRC := oggPage(0, 0, 0, tags)
	badCRC[22] ^= 1
	serial := binary.LittleEndian.Uint32(first[14:])
	for _, tt := range []struct {
		name    string
		file    []byte
		want    audio.Tags
		dropped []string
	}{
		{"good", cat(first, oggPage(0, 0, serial, tags)), audio.Tags{Title: "T"}, nil},
		{"page of another stream skipped", cat(first, oggPage(0, 0, serial+1, []byte("junk")), oggPage(0, 0, serial, tags)), audio.Tags{Title: "T"}, nil},
		{"bad CRC", cat(first, badCRC), audio.Tags{}, []string{"comment header"}},
		{"not OpusTags", cat(first, oggPage(0, 0, serial, cat([]byte("OpusTagz"), vorbisBlock(1, "TITLE=T")))), audio.Tags{}, []string{"comment header"}},
		{"no second page", first, audio.Tags{}, []string{"comment header"}},
		{"packet cut short", cat(first, oggPage(0, 0, serial, tags[:20])), audio.Tags{}, []string{"comment header"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, format, err := audio.ReadTags(bytes.NewReader(tt.file))
			require.NoError(t, err)
			require.Equal(t, audio.OggOpus, format)
			require.Equal(t, tt.want, tagsOf(got))
			require.Equal(t, tt.dropped, droppedTags(got))
		})
	}
}

func TestReadTagsReadError(t *testing.T) {
	b := fixture(t, "tags-long.opus")
	boom := errors.New("boom")
	for after := 0; after < len(b); after += 997 {
		_, _, err := audio.ReadTags(&failing{r: bytes.NewReader(b), after: after, err: boom})
		require.ErrorIs(t, err, boom, "after %d bytes", after)
	}
}

func TestParseISRC(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"FRZ039800212", "FRZ039800212"},
		{"us-s1z-99-00001", "USS1Z9900001"},
		{" GBAYE6800011 ", "GBAYE6800011"},
		{"QM6N21800001", "QM6N21800001"},
		{"FRZ03980021", ""},   // 11
		{"FRZ0398002123", ""}, // 13
		{"1RZ039800212", ""},  // country code
		{"FRZ-03-98-00212", ""},
		{"FR_Z0398_0212", ""},
		{"FRZ039A00212", ""}, // year
		{"FRZ03980021X", ""}, // designation
		{"FRZ0398002\u00e9", ""},
		{"", ""},
	} {
		got, err := audio.ParseISRC(tt.in)
		if tt.want == "" {
			var ie *audio.ISRCError
			require.ErrorAs(t, err, &ie, tt.in)
			require.Equal(t, tt.in, ie.Value)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got)
	}
}
