package audio_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/audio"
)

// FuzzDuration: any bytes give a duration or one of the package's errors,
// never a panic; the same through io.ReaderAt or Seek alone; within a
// bounded number of bytes read; and an ID3v2 tag put before a file that
// reads changes nothing (ffmpeg skips one before any format).
// Seeds: every fixture, and testdata/fuzz/FuzzDuration.
func FuzzDuration(f *testing.F) {
	files, err := filepath.Glob("testdata/*.*")
	require.NoError(f, err)
	for _, p := range files {
		if filepath.Ext(p) == ".sh" || filepath.Ext(p) == ".md" {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, format, err := audio.Duration(bytes.NewReader(b))
		c := &counting{r: bytes.NewReader(b)}
		d2, format2, err2 := audio.Duration(c)
		require.Equal(t, d, d2)
		require.Equal(t, format, format2)
		require.Equal(t, err == nil, err2 == nil)
		// Each byte is read a few times at most (an Ogg page: found from
		// the start, from the end, walked, then checked), plus headers.
		require.LessOrEqual(t, c.n, 4*int64(len(b))+4096)
		if err != nil {
			require.Equal(t, err.Error(), err2.Error())
			require.Zero(t, d)
			var fe *audio.FormatError
			if errors.As(err, &fe) {
				require.Equal(t, fe.Format, format)
			} else {
				require.ErrorIs(t, err, audio.ErrUnknownFormat)
				require.Equal(t, audio.Unknown, format)
			}
			return
		}
		require.NotEqual(t, audio.Unknown, format)
		require.GreaterOrEqual(t, d, 0*d)
		if !bytes.HasPrefix(b, []byte("ID3")) {
			d3, format3, err := audio.Duration(bytes.NewReader(cat(id3Tag(20, false), b)))
			require.NoError(t, err)
			require.Equal(t, d, d3)
			require.Equal(t, format, format3)
		}
	})
}

// counting is a ReadSeeker without io.ReaderAt that counts the bytes read.
type counting struct {
	r *bytes.Reader
	n int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *counting) Seek(off int64, whence int) (int64, error) { return c.r.Seek(off, whence) }

var _ io.ReadSeeker = (*counting)(nil)

// FuzzReadTags: any bytes give tags or ErrUnknownFormat, never a panic
// or another error; the same through io.ReaderAt or Seek alone; within a
// bounded number of bytes read; and every kept value is short, valid
// UTF-8 without control characters, an ISRC of the ISO 3901 shape.
// Seeds: every fixture, hand-made tags, and testdata/fuzz/FuzzReadTags.
func FuzzReadTags(f *testing.F) {
	files, err := filepath.Glob("testdata/*.*")
	require.NoError(f, err)
	for _, p := range files {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add(id3v2(2, 0, frame(2, "TT2", 0, latin1Text("T")), frame(2, "TRC", 0, latin1Text("FRZ039800212"))))
	f.Add(id3v2(3, 0x80, unsynchronise(frame(3, "TIT2", 0, utf16Text("Tÿ", true, true)))))
	f.Add(id3v2(4, 0x40, cat(syncsafeBytes(6), []byte{1, 0}), frame(4, "TPE1", 0x03, cat(syncsafeBytes(3), unsynchronise(utf8Text("A\x00B"))))))
	f.Add(cat([]byte("fLaC"), flacBlock(0x84, vorbisBlock(3, "TITLE=T", "ARTIST=A", "LABEL=L"))))
	f.Add(withChunks([]byte("RIFF\x00\x00\x00\x00WAVE"), riffChunk("LIST", cat([]byte("INFO"), riffChunk("INAM", []byte("T\x00")))), riffChunk("id3 ", id3v2(3, 0, frame(3, "TPE1", 0, latin1Text("A"))))))
	f.Fuzz(func(t *testing.T, b []byte) {
		tags, format, err := audio.ReadTags(bytes.NewReader(b))
		c := &counting{r: bytes.NewReader(b)}
		tags2, format2, err2 := audio.ReadTags(c)
		require.Equal(t, tags, tags2)
		require.Equal(t, format, format2)
		require.Equal(t, err, err2)
		require.LessOrEqual(t, c.n, 3*int64(len(b))+8192)
		if err != nil {
			require.ErrorIs(t, err, audio.ErrUnknownFormat)
			require.Equal(t, audio.Unknown, format)
			return
		}
		require.NotEqual(t, audio.Unknown, format)
		for _, v := range []string{tags.Title, tags.Artist, tags.Album, tags.Label, tags.ISRC} {
			require.True(t, utf8.ValidString(v))
			require.LessOrEqual(t, len(v), 1024)
			require.Equal(t, strings.TrimSpace(v), v)
			require.False(t, strings.ContainsFunc(v, unicode.IsControl), "%q", v)
		}
		if tags.ISRC != "" {
			isrc, err := audio.ParseISRC(tags.ISRC)
			require.NoError(t, err)
			require.Equal(t, tags.ISRC, isrc)
		}
		for _, d := range tags.Dropped {
			require.Equal(t, format, d.Format)
		}
	})
}
