package playlist

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Seeds beyond these live in testdata/fuzz/FuzzX.
var mediaSeeds = []string{
	"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n#EXTINF:2.0,\na.ts\n#EXTINF:2.0,\nb.ts\n",
	"#EXTM3U\n#EXT-X-KEY:\n0",
	"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"i\"\n\n#EXTINF:2,\na\n",
	"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n#EXT-X-BYTERANGE:10@5\na\n#EXTINF:2,\n#EXT-X-BYTERANGE:10\na\n#EXT-X-ENDLIST\n",
	"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-DISCONTINUITY-SEQUENCE:9\n#EXT-X-DISCONTINUITY\n#EXT-X-GAP\n#EXTINF:2,\na\n#EXT-X-CUE-OUT:30\n#EXTINF:2,\nb\n#EXT-X-CUE-IN\n",
}

var masterSeeds = []string{
	"#EXTM3U\n#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"g\",NAME=\"720p\"\n#EXT-X-STREAM-INF:BANDWIDTH=100,VIDEO=\"g\",RESOLUTION=1280x720\nhi.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=50\nlo.m3u8\n",
	"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n\nx\n",
	"#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"i\"\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=a,URI=\"a.m3u8\",NAME=en\n",
}

const fuzzBase = "https://h.example/p/list.m3u8"

func FuzzParseMedia(f *testing.F) {
	for _, s := range mediaSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pl, err := ParseMedia(body, fuzzBase)
		if err != nil {
			var pe *Error
			require.ErrorAs(t, err, &pe, "every refusal is a *Error")
			return
		}
		checkMedia(t, pl)
		// Parsing is a pure function of its input.
		again, err := ParseMedia(body, fuzzBase)
		require.NoError(t, err)
		require.Equal(t, pl, again)
	})
}

// checkMedia asserts what every accepted media playlist guarantees.
func checkMedia(t *testing.T, pl *Media) {
	t.Helper()
	require.Positive(t, pl.TargetDuration)
	epoch := pl.DiscontinuitySequence
	for i, s := range pl.Segments {
		require.Equal(t, pl.MediaSequence+uint64(i), s.MSN)
		u, err := url.Parse(s.URI)
		require.NoError(t, err)
		require.Contains(t, []string{"http", "https"}, u.Scheme)
		require.NotEmpty(t, u.Host)
		require.GreaterOrEqual(t, s.Epoch, epoch, "epochs never go back")
		epoch = s.Epoch
		require.GreaterOrEqual(t, float64(s.Duration), 0.0)
		require.Equal(t, pl.HasPDT, !s.PDT.IsZero(), "every segment is dated when one is")
		if s.Range != nil {
			require.GreaterOrEqual(t, s.Range.Offset, int64(0))
			require.GreaterOrEqual(t, s.Range.Length, int64(0))
		}
		if s.Key != nil {
			require.NotEqual(t, "NONE", s.Key.Method)
			require.True(t, s.Key.IV == nil || len(s.Key.IV) == 16)
		}
	}
}

func FuzzParseMaster(f *testing.F) {
	for _, s := range masterSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		mp, err := ParseMaster(body, fuzzBase)
		if err != nil {
			var pe *Error
			require.ErrorAs(t, err, &pe)
			return
		}
		checkMaster(t, mp)
	})
}

func checkMaster(t *testing.T, mp *Master) {
	t.Helper()
	require.NotEmpty(t, mp.Variants)
	sources := 0
	for _, v := range mp.Variants {
		u, err := url.Parse(v.URI)
		require.NoError(t, err)
		require.Contains(t, []string{"http", "https"}, u.Scheme)
		for _, n := range v.Names {
			if n == "source" {
				sources++
			}
		}
		for _, n := range v.Names {
			got, ok := mp.Lookup(n)
			require.True(t, ok)
			require.NotEmpty(t, got)
		}
	}
	require.Equal(t, 1, sources, "exactly one variant is the source")
	for _, r := range mp.Renditions {
		require.True(t, strings.HasPrefix(r.URI, "http"))
	}
}

// FuzzParseHostileMaster builds masters with many renditions and variants
// sharing groups, the shape that makes grafov's decoder cubic, and checks
// the adapter accepts them whole.
func FuzzParseHostileMaster(f *testing.F) {
	f.Add(uint16(10), uint16(10), uint8(1), true)
	f.Add(uint16(600), uint16(600), uint8(1), false)
	f.Add(uint16(0), uint16(3000), uint8(7), true)
	f.Fuzz(func(t *testing.T, renditions, variants uint16, groups uint8, blank bool) {
		r, v := int(renditions)%(maxRenditions+1), int(variants)%(maxVariants+1)
		g := int(groups)%8 + 1
		var b strings.Builder
		b.WriteString("#EXTM3U\n")
		for i := 0; i < r; i++ {
			fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"g%d\",NAME=\"n%d\",URI=\"r%d.m3u8\"\n", i%g, i, i)
		}
		for i := 0; i < v; i++ {
			fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,VIDEO=\"g%d\",AUDIO=\"g%d\"\n", i+1, i%g, i%g)
			if blank {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "v%d.m3u8\n", i)
		}
		body := []byte(b.String())
		mp, err := ParseMaster(body, fuzzBase)
		if v == 0 || len(body) > MaxBytes {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.Len(t, mp.Variants, v)
		require.Len(t, mp.Renditions, r)
		checkMaster(t, mp)
		for _, vv := range mp.Variants {
			require.LessOrEqual(t, len(vv.Names), 5, "names per variant stay bounded")
		}
	})
}

// FuzzResolve: the short cut for plain relative names gives exactly what
// resolving them through net/url gives, error or URL.
func FuzzResolve(f *testing.F) {
	for _, s := range [][2]string{
		{"https://h.example/p/list.m3u8", "seg1.ts"},
		{"http://h:8080/c/ch1/source/index.m3u8?token=abc", "e0/12.ts?token=abc"},
		{"http://u:p@h/a/b/", "../x.ts"},
		{"http://h/a/list.m3u8", "./x.ts"},
		{"http://h/a/list.m3u8", ".."},
		{"http://h/a/list.m3u8", "...ts"},
		{"http://h/a/list.m3u8", ".hidden/x.ts?"},
		{"http://h/a%20b/list.m3u8", "x y.ts"},
		{"http://h/list.m3u8", "seg.ts?a=1&b=2/3,4;5+6"},
		{"http://h/list.m3u8", "a:b.ts"},
		{"https://h/", "http://other/x.ts"},
		{"http://h/a/list.m3u8", "{$v}.ts"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, base, ref string) {
		b, err := url.Parse(base)
		if err != nil {
			return
		}
		want, werr := resolver{base: b}.resolve(ref)
		got, gerr := newResolver(b).resolve(ref)
		if werr != nil || gerr != nil {
			require.Equal(t, werr != nil, gerr != nil, "base %q ref %q: %v / %v", base, ref, werr, gerr)
			return
		}
		require.Equal(t, want, got, "base %q ref %q", base, ref)
	})
}
