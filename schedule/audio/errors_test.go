package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/audio"
)

func TestMalformed(t *testing.T) {
	wav := fixture(t, "wav-16-mono.wav")
	flac := fixture(t, "flac-16-mono.flac")
	vorbis := fixture(t, "vorbis-stereo.ogg")
	opus := fixture(t, "opus-mono.opus")
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	fmtPCM := "fmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00"

	// One frame (of 104 bytes), then nothing like a second.
	oneFrame := cat(stripID3(fixture(t, "mp3-noxing.mp3"))[:104], bytes.Repeat([]byte{0x55}, 2000))

	flacRate0 := bytes.Clone(flac)
	flacRate0[18], flacRate0[19], flacRate0[20] = 0, 0, flacRate0[20]&0x0F
	flacTotal0 := bytes.Clone(flac)
	flacTotal0[21] &= 0xF0
	clear(flacTotal0[22:26])
	flacHuge := bytes.Clone(flac) // 2^36-1 samples at 8 kHz in 12 KB
	flacHuge[21] |= 0x0F
	copy(flacHuge[22:26], "\xff\xff\xff\xff")
	flacPicture := bytes.Clone(flac)
	flacPicture[4] = 6

	vorbisRate0 := bytes.Clone(vorbis)
	clear(vorbisRate0[28+12 : 28+16])
	fixOggCRC(vorbisRate0[:58])
	vorbisBadCRC := bytes.Clone(vorbis)
	vorbisBadCRC[40] ^= 1
	opusShort := bytes.Clone(opus) // a last granule before the pre-skip
	last := bytes.LastIndex(opusShort, []byte("OggS"))
	binary.LittleEndian.PutUint64(opusShort[last+6:], 100)
	fixOggCRC(opusShort[last:])
	speex := oggPage(0x02, 0, 1, []byte("Speex   1.2.0"+string(make([]byte, 67))))
	// Vorbis and Opus streams interleaved: the last page is not the first
	// stream's, so the pages are walked.
	interleaved := cat(vorbis[:3706], opus[:137], vorbis[3706:], opus[137:])

	tests := []struct {
		name   string
		b      []byte
		format audio.Format // for a *FormatError; Unknown and !unknown for one of an Ogg file
		cause  error        // what the *FormatError wraps, if anything
		known  bool         // false: ErrUnknownFormat
	}{
		{name: "empty", b: nil},
		{name: "text", b: []byte("#EXTM3U\nshow.mp3\n")},
		{name: "garbage", b: garbage},
		{name: "MP4", b: cat([]byte("\x00\x00\x00\x20ftypM4A "), garbage)},
		{name: "ADTS AAC", b: cat([]byte{0xFF, 0xF1, 0x50, 0x80}, garbage)},

		{name: "ID3 tag only", b: id3Tag(100, false), format: audio.MP3, known: true},
		{name: "ID3 tag longer than the file", b: id3Tag(100, false)[:50], format: audio.MP3, cause: io.ErrUnexpectedEOF, known: true},
		{name: "ID3 tag with a bad size", b: []byte("ID3\x04\x00\x00\x00\x00\x80\x00"), format: audio.MP3, known: true},
		{name: "ID3 header cut", b: []byte("ID3\x04\x00"), format: audio.MP3, known: true},
		{name: "one MPEG frame", b: oneFrame, format: audio.MP3, known: true},

		{name: "RIFF header only", b: []byte("RIFF\x00\x00\x00\x00WAVE"), format: audio.WAV, known: true},
		{name: "WAV chunk header cut", b: []byte("RIFF\x00\x00\x00\x00WAVEfmt "), format: audio.WAV, cause: io.ErrUnexpectedEOF, known: true},
		{name: "WAV fmt chunk cut", b: []byte("RIFF\x00\x00\x00\x00WAVE" + fmtPCM[:16]), format: audio.WAV, cause: io.ErrUnexpectedEOF, known: true},
		{name: "WAV zero sample rate", b: []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"), format: audio.WAV, known: true},
		{name: "WAV data before fmt", b: []byte("RIFF\x00\x00\x00\x00WAVEdata\x04\x00\x00\x00abcd"), format: audio.WAV, known: true},
		{name: "WAV no data", b: []byte("RIFF\x00\x00\x00\x00WAVE" + fmtPCM), format: audio.WAV, known: true},
		{name: "WAV bad block align", b: []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x04\x00\x00\x00abcd"), format: audio.WAV, known: true},
		{name: "WAV ADPCM without fact", b: []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x02\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x00\x01\x04\x00data\x04\x00\x00\x00abcd"), format: audio.WAV, known: true},
		{name: "WAV huge fmt", b: []byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\x7f"), format: audio.WAV, cause: io.ErrUnexpectedEOF, known: true},
		{name: "RF64 without ds64", b: cat([]byte("RF64\xff\xff\xff\xffWAVE"+fmtPCM+"data\xff\xff\xff\xff"), wav[100:200]), format: audio.WAV, known: true},

		{name: "FLAC STREAMINFO cut", b: flac[:30], format: audio.FLAC, cause: io.ErrUnexpectedEOF, known: true},
		{name: "FLAC zero sample rate", b: flacRate0, format: audio.FLAC, known: true},
		{name: "FLAC unknown length", b: flacTotal0, format: audio.FLAC, known: true},
		{name: "FLAC length the file cannot hold", b: flacHuge, format: audio.FLAC, known: true},
		{name: "FLAC without STREAMINFO first", b: flacPicture, format: audio.FLAC, known: true},

		{name: "Ogg first page cut", b: vorbis[:40], format: audio.Unknown, cause: io.ErrUnexpectedEOF, known: true},
		{name: "Ogg bad checksum", b: vorbisBadCRC, format: audio.Unknown, known: true},
		{name: "Vorbis zero sample rate", b: vorbisRate0, format: audio.OggVorbis, known: true},
		{name: "Opus ends before its pre-skip", b: opusShort, format: audio.OggOpus, known: true},
		{name: "Opus headers only", b: opus[:137], format: audio.OggOpus, known: true},
		{name: "Speex", b: speex},
		{name: "interleaved Ogg streams", b: interleaved, format: audio.OggVorbis, known: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, format, err := audio.Duration(bytes.NewReader(tt.b))
			require.Error(t, err, "read as %v of %v", format, d)
			require.Zero(t, d)
			if !tt.known {
				require.ErrorIs(t, err, audio.ErrUnknownFormat)
				require.Equal(t, audio.Unknown, format)
				return
			}
			var fe *audio.FormatError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.format, fe.Format, fe.Error())
			require.Equal(t, tt.format, format)
			if tt.cause != nil {
				require.ErrorIs(t, err, tt.cause)
			}
		})
	}
}

// TestReadError: an error of the reader itself is passed through, never
// taken for a bad file; a read that fails where nothing is needed changes
// nothing.
func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, name := range []string{"mp3-noxing.mp3", "mp3-cbr-mono.mp3", "wav-16-mono.wav", "flac-16-mono.flac", "vorbis-stereo.ogg", "chained.opus"} {
		b := fixture(t, name)
		want, wantFormat, err := audio.Duration(bytes.NewReader(b))
		require.NoError(t, err)
		failed := 0
		for after := 0; after < len(b)+100; after += 37 {
			d, format, err := audio.Duration(&failing{r: bytes.NewReader(b), after: after, err: boom})
			if err == nil {
				require.Equal(t, want, d, "%s after %d bytes", name, after)
				require.Equal(t, wantFormat, format)
				continue
			}
			failed++
			require.ErrorIs(t, err, boom, "%s after %d bytes", name, after)
			if after == 0 {
				require.Equal(t, audio.Unknown, format, "nothing read, nothing known")
			}
			var fe *audio.FormatError
			require.False(t, errors.As(err, &fe), "%s after %d bytes: %v", name, after, err)
		}
		require.NotZero(t, failed, name)
	}
}

// failing is a ReadSeeker whose reads fail once it has given after bytes.
type failing struct {
	r     *bytes.Reader
	after int
	err   error
}

func (f *failing) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, f.err
	}
	n, err := f.r.Read(p[:min(len(p), f.after)])
	f.after -= n
	return n, err
}

func (f *failing) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

// oggPage builds one page holding packet.
func oggPage(flags byte, granule int64, serial uint32, packet []byte) []byte {
	var lacing []byte
	n := len(packet)
	for ; n >= 255; n -= 255 {
		lacing = append(lacing, 255)
	}
	lacing = append(lacing, byte(n))
	h := []byte{'O', 'g', 'g', 'S', 0, flags}
	h = binary.LittleEndian.AppendUint64(h, uint64(granule))
	h = binary.LittleEndian.AppendUint32(h, serial)
	h = binary.LittleEndian.AppendUint32(h, 0) // sequence
	h = binary.LittleEndian.AppendUint32(h, 0) // CRC
	h = append(h, byte(len(lacing)))
	p := cat(h, lacing, packet)
	fixOggCRC(p)
	return p
}

// fixOggCRC sets the checksum of page p, computed bit by bit (RFC 3533
// §6: polynomial 0x04c11db7, no reflection), apart from the package's
// table.
func fixOggCRC(p []byte) {
	p = p[:pageLen(p)]
	clear(p[22:26])
	var crc uint32
	for _, c := range p {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	binary.LittleEndian.PutUint32(p[22:], crc)
}

func pageLen(p []byte) int {
	n := 27 + int(p[26])
	for _, l := range p[27 : 27+int(p[26])] {
		n += int(l)
	}
	return n
}
