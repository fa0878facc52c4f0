package audio_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

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
