package playlist

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

const plURL = "https://cdn.example/live/a/index.m3u8?token=t1"

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParseMedia(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, pl *Media)
	}{
		{
			name: "live window with one PDT, extrapolated both ways",
			body: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n" +
				"#EXTINF:2.000,\nseg41.ts\n" +
				"#EXT-X-PROGRAM-DATE-TIME:2026-11-23T10:00:02.000Z\n#EXTINF:2.002,live\nseg42.ts\n" +
				"#EXTINF:1.998,\n/abs/seg43.ts?x=1\n",
			check: func(t *testing.T, pl *Media) {
				require.Equal(t, 2*time.Second, pl.TargetDuration)
				require.EqualValues(t, 41, pl.MediaSequence)
				require.False(t, pl.Ended)
				require.True(t, pl.HasPDT)
				require.Len(t, pl.Segments, 3)
				s := pl.Segments
				require.Equal(t, "https://cdn.example/live/a/seg41.ts", s[0].URI)
				require.Equal(t, "https://cdn.example/abs/seg43.ts?x=1", s[2].URI)
				require.Equal(t, []uint64{41, 42, 43}, []uint64{s[0].MSN, s[1].MSN, s[2].MSN})
				require.Equal(t, mustTime("2026-11-23T10:00:00Z"), s[0].PDT)
				require.Equal(t, mustTime("2026-11-23T10:00:02Z"), s[1].PDT)
				require.Equal(t, mustTime("2026-11-23T10:00:04.002Z"), s[2].PDT)
				require.True(t, s[1].PDTTagged)
				require.False(t, s[2].PDTTagged)
				require.Equal(t, archive.Seconds(2.002), s[1].Duration)
				require.Equal(t, "live", s[1].Title)
				require.Empty(t, pl.Skews)
			},
		},
		{
			name: "blank and whitespace lines are ignored, CRLF endings",
			body: "#EXTM3U\r\n\r\n#EXT-X-TARGETDURATION:6\r\n#EXTINF:6.0,\r\n   \r\n\ta.ts\r\n#EXT-X-DISCONTINUITY\r\n\r\n#EXTINF:6.0,\r\nb.ts\r\n#EXT-X-ENDLIST\r\n",
			check: func(t *testing.T, pl *Media) {
				require.Len(t, pl.Segments, 2)
				require.Equal(t, "https://cdn.example/live/a/a.ts", pl.Segments[0].URI)
				require.False(t, pl.Segments[0].Discontinuity, "tag after a blank line belongs to the next segment")
				require.True(t, pl.Segments[1].Discontinuity)
				require.True(t, pl.Ended)
				require.False(t, pl.HasPDT)
				require.True(t, pl.Segments[0].PDT.IsZero())
			},
		},
		{
			name: "KEY and MAP carried forward, NONE clears, IV parsed",
			body: "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n" +
				"#EXT-X-MAP:URI=\"init.mp4\"\n" +
				"#EXT-X-KEY:METHOD=AES-128,URI=\"k1.key\",IV=0x000102030405060708090a0b0c0d0e0f\n" +
				"#EXTINF:4,\n1.m4s\n#EXTINF:4,\n2.m4s\n" +
				"#EXT-X-KEY:METHOD=NONE\n#EXTINF:4,\n3.m4s\n" +
				"#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/k2\"\n#EXT-X-MAP:URI=\"init2.mp4\",BYTERANGE=\"100@50\"\n#EXTINF:4,\n4.m4s\n",
			check: func(t *testing.T, pl *Media) {
				s := pl.Segments
				require.NotNil(t, s[0].Key)
				require.Equal(t, s[0].Key, s[1].Key, "KEY applies until the next KEY")
				require.Equal(t, "https://cdn.example/live/a/k1.key", s[1].Key.URI)
				require.Equal(t, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, s[1].Key.IV)
				require.Nil(t, s[2].Key)
				require.Equal(t, "https://keys.example/k2", s[3].Key.URI)
				require.Nil(t, s[3].Key.IV)
				for i := 0; i < 3; i++ {
					require.Equal(t, "https://cdn.example/live/a/init.mp4", s[i].Map.URI, "segment %d", i)
				}
				require.Equal(t, &ByteRange{Offset: 50, Length: 100}, s[3].Map.Range)
			},
		},
		{
			name: "BYTERANGE offsets continue the previous range",
			body: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" +
				"#EXTINF:2,\n#EXT-X-BYTERANGE:1000@0\nall.ts\n" +
				"#EXTINF:2,\n#EXT-X-BYTERANGE:1500\nall.ts\n" +
				"#EXTINF:2,\n#EXT-X-BYTERANGE:700\nall.ts\n" +
				"#EXTINF:2,\nother.ts\n",
			check: func(t *testing.T, pl *Media) {
				s := pl.Segments
				require.Equal(t, &ByteRange{Offset: 0, Length: 1000}, s[0].Range)
				require.Equal(t, &ByteRange{Offset: 1000, Length: 1500}, s[1].Range)
				require.Equal(t, &ByteRange{Offset: 2500, Length: 700}, s[2].Range)
				require.Nil(t, s[3].Range)
				require.NotEqual(t, s[0].ID(), s[1].ID(), "ranges of one resource are distinct segments")
			},
		},
		{
			name: "GAP, CUE-OUT/CUE-IN and ad DATERANGE",
			body: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n" +
				"#EXTINF:2,\na.ts\n#EXT-X-GAP\n#EXTINF:2,\nb.ts\n" +
				"#EXT-X-CUE-OUT:4\n#EXTINF:2,\nc.ts\n#EXT-X-CUE-OUT-CONT:ElapsedTime=2,Duration=4\n#EXTINF:2,\nd.ts\n#EXT-X-CUE-IN\n#EXTINF:2,\ne.ts\n" +
				"#EXT-X-DATERANGE:ID=\"stitched-ad-1\",CLASS=\"twitch-stitched-ad\",START-DATE=\"2026-01-01T00:00:10Z\",DURATION=2.0\n#EXTINF:2,\nf.ts\n#EXTINF:2,\ng.ts\n" +
				"#EXTINF:2,Amazon|123\nh.ts\n",
			check: func(t *testing.T, pl *Media) {
				var gap, ad []bool
				for _, s := range pl.Segments {
					gap = append(gap, s.Gap)
					ad = append(ad, s.Ad)
				}
				require.Equal(t, []bool{false, true, false, false, false, false, false, false}, gap)
				require.Equal(t, []bool{false, false, true, true, false, true, false, true}, ad)
			},
		},
		{
			name: "PDT skew is reported, a jump at a discontinuity is not",
			body: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n" +
				"#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n#EXTINF:2,\na.ts\n" +
				"#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:02.005Z\n#EXTINF:2,\nb.ts\n" +
				"#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:04.405Z\n#EXTINF:2,\nc.ts\n" +
				"#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T01:00:00Z\n#EXTINF:2,\nd.ts\n",
			check: func(t *testing.T, pl *Media) {
				require.Equal(t, []Skew{{MSN: 102, Delta: 400 * time.Millisecond}}, pl.Skews)
				require.Equal(t, []uint64{3, 3, 3, 4}, []uint64{pl.Segments[0].Epoch, pl.Segments[1].Epoch, pl.Segments[2].Epoch, pl.Segments[3].Epoch})
				require.Equal(t, mustTime("2026-01-01T01:00:00Z"), pl.Segments[3].PDT)
			},
		},
		{
			name: "empty live playlist and a BOM",
			body: "\xef\xbb\xbf#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n",
			check: func(t *testing.T, pl *Media) {
				require.Empty(t, pl.Segments)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := ParseMedia([]byte(tt.body), plURL)
			require.NoError(t, err)
			tt.check(t, pl)
		})
	}
}

func TestParseMediaRefuses(t *testing.T) {
	const head = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	tests := []struct {
		name, body string
		url        string
		is         error
	}{
		{name: "no EXTM3U", body: "#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n"},
		{name: "KEY then stray URI (grafov panics)", body: "#EXTM3U\n#EXT-X-KEY:\n0"},
		{name: "MAP then stray URI (grafov panics)", body: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"i\"\nx\n"},
		{name: "negative media sequence", body: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:-1\n"},
		{name: "overflowing media sequence", body: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:18446744073709551616\n"},
		{name: "garbage media sequence", body: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:12abc\n"},
		{name: "media sequence after a segment", body: head + "#EXTINF:2,\na.ts\n#EXT-X-MEDIA-SEQUENCE:5\n"},
		{name: "no target duration", body: "#EXTM3U\n#EXTINF:2,\na.ts\n"},
		{name: "zero target duration", body: "#EXTM3U\n#EXT-X-TARGETDURATION:0\n"},
		{name: "NaN duration", body: head + "#EXTINF:NaN,\na.ts\n"},
		{name: "infinite duration", body: head + "#EXTINF:1e999,\na.ts\n"},
		{name: "EXTINF without URI", body: head + "#EXTINF:2,\n"},
		{name: "byterange without offset first", body: head + "#EXTINF:2,\n#EXT-X-BYTERANGE:100\na.ts\n"},
		{name: "byterange continuing another resource", body: head + "#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\na.ts\n#EXTINF:2,\n#EXT-X-BYTERANGE:100\nb.ts\n"},
		{name: "https to http downgrade", body: head + "#EXTINF:2,\nhttp://cdn.example/a.ts\n"},
		{name: "file scheme", body: head + "#EXTINF:2,\nfile:///etc/passwd\n"},
		{name: "ftp key", body: head + "#EXT-X-KEY:METHOD=AES-128,URI=\"ftp://k/k\"\n#EXTINF:2,\na.ts\n"},
		{name: "bad IV", body: head + "#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x01\n#EXTINF:2,\na.ts\n"},
		{name: "PDT without zone", body: head + "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00\n#EXTINF:2,\na.ts\n"},
		{name: "NUL byte", body: head + "#EXTINF:2,\na\x00.ts\n"},
		{name: "not UTF-8", body: head + "#EXTINF:2,\na\xff.ts\n"},
		{name: "delta playlist", body: head + "#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n#EXTINF:2,\na.ts\n"},
		{name: "variables", body: head + "#EXTINF:2,\n{$base}/a.ts\n"},
		{name: "master given as media", body: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n"},
		{name: "too large", body: head + strings.Repeat("#EXTINF:2,\na.ts\n", MaxBytes/16+1), is: ErrTooLarge},
		{name: "relative playlist URL", body: head, url: "/live.m3u8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url
			if u == "" {
				u = plURL
			}
			_, err := ParseMedia([]byte(tt.body), u)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestParseMaster(t *testing.T) {
	body := `#EXTM3U
#EXT-X-INDEPENDENT-SEGMENTS

#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="chunked",NAME="1080p60 (source)",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS="avc1.64002A,mp4a.40.2",VIDEO="chunked",FRAME-RATE=60.000

hi/index.m3u8?token=a
#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="480p30",NAME="480p",AUTOSELECT=YES,DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=852x480,VIDEO="480p30",FRAME-RATE=30.000
https://other.example/lo.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=5000000000,NAME="huge"
huge.m3u8
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",URI="audio/en.m3u8"
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100,URI="iframes.m3u8"
`
	mp, err := ParseMaster([]byte(body), "https://cdn.example/master.m3u8")
	require.NoError(t, err)
	require.Len(t, mp.Variants, 3)
	require.Equal(t, "https://cdn.example/hi/index.m3u8?token=a", mp.Variants[0].URI)
	require.Equal(t, []string{"1080p60 (source)", "chunked", "1080p60", "1080p"}, mp.Variants[0].Names)
	require.Equal(t, []string{"480p", "480p30"}, mp.Variants[1].Names)
	require.EqualValues(t, 5000000000, mp.Variants[2].Bandwidth, "bandwidth above 2^32 is kept")
	require.Equal(t, []string{"huge", "source"}, mp.Variants[2].Names)
	require.Equal(t, []Rendition{{Type: "AUDIO", GroupID: "aud", Name: "English", URI: "https://cdn.example/audio/en.m3u8"}}, mp.Renditions)

	for name, want := range map[string]string{
		"source":  "https://cdn.example/huge.m3u8",
		"480P":    "https://other.example/lo.m3u8",
		"1080p60": "https://cdn.example/hi/index.m3u8?token=a",
		"english": "https://cdn.example/audio/en.m3u8",
	} {
		got, ok := mp.Lookup(name)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}
	_, ok := mp.Lookup("720p")
	require.False(t, ok)

	require.Equal(t, KindMaster, Sniff([]byte(body)))
	require.Equal(t, KindMedia, Sniff([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n")))
}

func TestParseMasterRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"no variants":              "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n",
		"no bandwidth":             "#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n",
		"stream-inf without URI":   "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nb.m3u8\n",
		"stream-inf at end":        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n",
		"media tags":               "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n#EXTINF:2,\nb.ts\n",
		"javascript variant":       "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\njavascript:alert(1)\n",
		"too many renditions":      "#EXTM3U\n" + strings.Repeat("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=a,NAME=x\n", maxRenditions+1) + "#EXT-X-STREAM-INF:BANDWIDTH=1\na\n",
		"bad bandwidth (negative)": "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=-5\na.m3u8\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseMaster([]byte(body), "https://cdn.example/master.m3u8")
			var pe *Error
			require.ErrorAs(t, err, &pe)
		})
	}
}

// hostileMaster returns a master where n renditions share one group with n
// variants: grafov's own attachment would hold n² pointers.
func hostileMaster(n int) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"r%d\"\n", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AUDIO=\"a\",VIDEO=\"a\"\nv%d.m3u8\n", i+1, i)
	}
	return []byte(b.String())
}

func mediaOfN(n int) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:2,\n#EXT-X-BYTERANGE:10@0\nall.ts\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:%02d.000Z\n#EXT-X-DATERANGE:ID=\"stitched-ad-%d\",START-DATE=\"2026-01-01T00:00:00Z\"\n#EXTINF:2,\n#EXT-X-BYTERANGE:10\nall.ts\n", i%60, i)
	}
	return []byte(b.String())
}

// allocated returns the bytes allocated by f.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestParseLinear checks that memory grows linearly with the input on the
// inputs that defeat grafov: many renditions × variants in one group, and
// ad date ranges × segments. Allocation is deterministic where time is not.
func TestParseLinear(t *testing.T) {
	for _, tt := range []struct {
		name  string
		parse func(n int) func()
	}{
		{"hostile master", func(n int) func() {
			body := hostileMaster(n)
			return func() {
				_, err := ParseMaster(body, "https://cdn.example/m.m3u8")
				require.NoError(t, err)
			}
		}},
		{"media with keys, ranges, dates", func(n int) func() {
			body := mediaOfN(n)
			return func() {
				_, err := ParseMedia(body, "https://cdn.example/m.m3u8")
				require.NoError(t, err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			small := allocated(tt.parse(200))
			large := allocated(tt.parse(1600))
			// 8× the input may cost at most 16× the memory: linear with
			// room for slice growth, far from the 64× of a quadratic.
			require.Less(t, large, 16*small, "small %d B, large %d B", small, large)
		})
	}
}
