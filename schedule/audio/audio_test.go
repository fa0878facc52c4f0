package audio_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/audio"
)

// mp3Frame is the tolerance for MP3, one frame at 44.1 kHz; others are
// held to 1 ms.
const mp3Frame = 1152 * time.Second / 44100

// fixtures were made by testdata/make-fixtures.sh, which printed both
// reference durations: decoded, the length of what ffmpeg decodes, and
// probe, what `ffprobe -show_entries format=duration` reports. They differ
// where ffprobe's figure is not the playing time: it counts the LAME
// encoder delay and padding of an MP3 that ffmpeg's decoder (so
// Liquidsoap) drops, as mutagen does, and Opus's pre-skip; it estimates a
// Xing-less VBR MP3 from its first frame's bitrate; and it gives only the
// last link of a chained Ogg file. Duration is held to the decoded length,
// and to ffprobe's figure where ffprobe is right.
var fixtures = []struct {
	file           string
	format         audio.Format
	decoded, probe float64 // seconds
	probeWrong     string  // why ffprobe's format duration is not the playing time
}{
	{"mp3-cbr-mono.mp3", audio.MP3, 2.0, 2.037551, "encoder delay and padding"},
	{"mp3-vbr-stereo.mp3", audio.MP3, 2.0, 2.037551, "encoder delay and padding"},
	{"mp3-id3-cover.mp3", audio.MP3, 1.5, 1.541224, "encoder delay and padding"},
	{"mp3-mpeg2.mp3", audio.MP3, 2.0, 2.063673, "encoder delay and padding"},
	{"mp3-mpeg25.mp3", audio.MP3, 2.0, 2.160000, "encoder delay and padding"},
	{"mp3-noxing.mp3", audio.MP3, 2.037551, 2.037500, ""},
	{"mp3-vbr-noxing.mp3", audio.MP3, 2.037551, 1.969290, "estimated from the first frame's bitrate"},
	{"mp2-layer2.mp2", audio.MP3, 1.008, 1.008, ""},
	{"vorbis-stereo.ogg", audio.OggVorbis, 2.0, 2.0, ""},
	{"opus-mono.opus", audio.OggOpus, 2.0, 2.0065, "pre-skip"},
	{"chained.opus", audio.OggOpus, 3.0, 1.0065, "last link only"},
	{"flac-16-mono.flac", audio.FLAC, 1.0, 1.0, ""},
	{"flac-24-stereo.flac", audio.FLAC, 0.25, 0.25, ""},
	{"wav-16-mono.wav", audio.WAV, 0.5, 0.5, ""},
	{"wav-24-stereo-ext.wav", audio.WAV, 0.25, 0.25, ""},
	{"wav-rf64.wav", audio.WAV, 0.25, 0.25, ""},
	{"wav-float.wav", audio.WAV, 0.25, 0.25, ""},
	{"wav-adpcm.wav", audio.WAV, 1.018, 1.018, ""},
}

func TestFixtures(t *testing.T) {
	for _, tt := range fixtures {
		t.Run(tt.file, func(t *testing.T) {
			d, format, err := audio.DurationFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			require.Equal(t, tt.format, format)
			tol := time.Millisecond
			if format == audio.MP3 {
				tol = mp3Frame
			}
			require.InDelta(t, tt.decoded, d.Seconds(), tol.Seconds(), "decoded length")
			if tt.probeWrong == "" {
				require.InDelta(t, tt.probe, d.Seconds(), tol.Seconds(), "ffprobe")
			}
		})
	}
}

// TestVariants: fixtures changed the ways real files differ from what
// ffmpeg writes.
func TestVariants(t *testing.T) {
	cbr := fixture(t, "mp3-cbr-mono.mp3")
	noxing := fixture(t, "mp3-noxing.mp3")
	noxingAudio := stripID3(noxing)
	wav := fixture(t, "wav-16-mono.wav")
	wavData := bytes.Index(wav, []byte("data")) + 8
	vorbis := fixture(t, "vorbis-stereo.ogg")

	// A Xing frame claiming four billion frames in an 8 KB file.
	hugeXing := bytes.Clone(cbr)
	i := bytes.Index(hugeXing, []byte("Info"))
	binary.BigEndian.PutUint32(hugeXing[i+8:], 0xFFFFFFFF)

	// VBRI (Fraunhofer): a frame like the first, with the header at byte
	// 36 counting the 78 frames that follow. ffprobe: 2.037551 s.
	vbri := make([]byte, 104)
	copy(vbri, noxingAudio[:4])
	copy(vbri[36:], "VBRI\x00\x01\x00\x00\x00\x4b")
	binary.BigEndian.PutUint32(vbri[46:], uint32(len(noxingAudio)))
	binary.BigEndian.PutUint32(vbri[50:], 78)

	damaged := bytes.Clone(noxingAudio)
	damaged[104+2] |= 0xF0 // bitrate index 15

	// An APE tag (header, one item, footer) before the ID3v1 tag.
	ape := apeTag("Artist", "airkeep")
	id3v1 := append([]byte("TAG"), make([]byte, 125)...)

	// A recorder cut before it wrote the sizes.
	wavZero := bytes.Clone(wav)
	binary.LittleEndian.PutUint32(wavZero[wavData-4:], 0)

	tests := []struct {
		name   string
		b      []byte
		format audio.Format
		want   time.Duration
		tol    time.Duration
	}{
		{"ID3v2.4 tag with a footer", cat(id3Tag(300, true), stripID3(cbr)), audio.MP3, 2 * time.Second, mp3Frame},
		{"two ID3v2 tags", cat(id3Tag(20, false), cbr), audio.MP3, 2 * time.Second, mp3Frame},
		{"zeros after the tag", cat(id3Tag(20, false), make([]byte, 1000), noxingAudio), audio.MP3, seconds(2.037551), mp3Frame},
		{"no tag", noxingAudio, audio.MP3, seconds(2.037551), mp3Frame},
		{"junk between frames", cat(noxingAudio[:4000], bytes.Repeat([]byte{0xFF, 0x00, 0x42}, 100), noxingAudio[4000:]), audio.MP3, seconds(2.037551), mp3Frame},
		{"APE and ID3v1 tags", cat(noxing, ape, id3v1), audio.MP3, seconds(2.037551), mp3Frame},
		{"appended ID3v2 tag", cat(noxing, id3Tag(50, true)), audio.MP3, seconds(2.037551), mp3Frame},
		{"VBRI header", cat(vbri, noxingAudio), audio.MP3, seconds(2.037551), mp3Frame},
		// The first frame has no second after it: the count starts at the third.
		{"damaged second frame", damaged, audio.MP3, 76 * mp3Frame, time.Microsecond},
		{"Xing count past the end", hugeXing, audio.MP3, seconds(2.037551), mp3Frame},
		// 32 kbit/s is 4000 bytes a second; whole frames only are counted.
		{"cut in half, Xing says more", cbr[:len(cbr)/2], audio.MP3, seconds(float64(len(cbr)/2-45-182) / 4000), mp3Frame},
		{"FLAC behind an ID3v2 tag", cat(id3Tag(100, false), fixture(t, "flac-16-mono.flac")), audio.FLAC, time.Second, 0},
		{"WAV data size 0", wavZero, audio.WAV, 500 * time.Millisecond, 0},
		{"WAV cut short", wav[:wavData+1000], audio.WAV, seconds(1000.0 / 2 / 8000), 0},
		{"WAV odd chunk before fmt", cat([]byte("RIFF\x00\x00\x00\x00WAVELIST\x03\x00\x00\x00abc\x00"+
			"fmt \x10\x00\x00\x00\x01\x00\x01\x00\x22\x56\x00\x00\x44\xac\x00\x00\x02\x00\x10\x00"+
			"data\x88\x58\x01\x00"), make([]byte, 88200)), audio.WAV, 2 * time.Second, 0},
		// The last page cut: the one before it ends at granule 22016.
		{"Ogg cut in its last page", vorbis[:len(vorbis)-10], audio.OggVorbis, seconds(22016.0 / 22050), time.Millisecond},
		{"Ogg with junk after it", cat(vorbis, []byte("OggS junk")), audio.OggVorbis, 2 * time.Second, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, format, err := audio.Duration(bytes.NewReader(tt.b))
			require.NoError(t, err)
			require.Equal(t, tt.format, format)
			require.InDelta(t, tt.want.Seconds(), d.Seconds(), tt.tol.Seconds())
			// Without io.ReaderAt the reads go through Seek: same answer.
			d2, format2, err := audio.Duration(seekOnly{bytes.NewReader(tt.b)})
			require.NoError(t, err)
			require.Equal(t, d, d2)
			require.Equal(t, format, format2)
		})
	}
}

func TestDurationFileMissing(t *testing.T) {
	_, _, err := audio.DurationFile(filepath.Join(t.TempDir(), "none.mp3"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestDurationFileWrapsPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.mp3")
	require.NoError(t, os.WriteFile(p, []byte("not a sound"), 0o644))
	_, format, err := audio.DurationFile(p)
	require.ErrorIs(t, err, audio.ErrUnknownFormat)
	require.Equal(t, audio.Unknown, format)
	require.True(t, strings.Contains(err.Error(), p), err.Error())
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// id3Tag is an ID3v2.4 tag of n zero bytes (padding), with a footer if
// asked.
func id3Tag(n int, footer bool) []byte {
	flags := byte(0)
	if footer {
		flags = 0x10
	}
	size := []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
	b := cat([]byte{'I', 'D', '3', 4, 0, flags}, size, make([]byte, n))
	if footer {
		b = cat(b, []byte{'3', 'D', 'I', 4, 0, flags}, size)
	}
	return b
}

// stripID3 drops the ID3v2 tag that ffmpeg put at the start of b.
func stripID3(b []byte) []byte {
	n := int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
	return b[10+n:]
}

// apeTag is an APEv2 tag of one text item, with header and footer.
func apeTag(key, value string) []byte {
	item := cat(binary.LittleEndian.AppendUint32(nil, uint32(len(value))), make([]byte, 4), []byte(key), []byte{0}, []byte(value))
	hf := func(flags uint32) []byte {
		b := []byte("APETAGEX")
		b = binary.LittleEndian.AppendUint32(b, 2000)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(item)+32))
		b = binary.LittleEndian.AppendUint32(b, 1)
		b = binary.LittleEndian.AppendUint32(b, flags)
		return cat(b, make([]byte, 8))
	}
	return cat(hf(1<<31|1<<29), item, hf(1<<31))
}

// seekOnly hides the io.ReaderAt of the reader it wraps.
type seekOnly struct{ r *bytes.Reader }

func (s seekOnly) Read(p []byte) (int, error)                { return s.r.Read(p) }
func (s seekOnly) Seek(off int64, whence int) (int64, error) { return s.r.Seek(off, whence) }
