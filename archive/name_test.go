package archive_test

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

const (
	desertbusPath = "desertbus/source/2019-11-13T02/45:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts"
	emptyHash     = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
)

func TestParsePathRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		start    time.Time
		duration archive.Seconds
		typ      archive.Type
	}{
		{"research example", desertbusPath, time.Date(2019, 11, 13, 2, 45, 51, 608000000, time.UTC), 2.0, archive.Full},
		{"empty file hash", "s/v/2026-01-01T00/00:00.000000-6.0-full-" + emptyHash + ".ts", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 6.0, archive.Full},
		{"ntsc duration", "s/480p/2026-03-29T23/59:58.000001-2.002-suspect-" + emptyHash + ".ts", time.Date(2026, 3, 29, 23, 59, 58, 1000, time.UTC), 2.002, archive.Suspect},
		{"long float", "s/720p60/2020-02-29T12/00:01.500000-1.9999999-partial-" + emptyHash + ".ts", time.Date(2020, 2, 29, 12, 0, 1, 500000000, time.UTC), 1.9999999, archive.Partial},
		{"bare zero when EXTINF is missing", "s/v/2026-01-01T00/10:00.000000-0-full-" + emptyHash + ".ts", time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC), 0, archive.Full},
		{"float zero", "s/v/2026-01-01T00/10:00.000000-0.0-full-" + emptyHash + ".ts", time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC), 0, archive.Full},
		{"unicode stream", "radio-été/audio_only/2026-07-14T09/30:00.000000-10.0-full-" + emptyHash + ".ts", time.Date(2026, 7, 14, 9, 30, 0, 0, time.UTC), 10.0, archive.Full},
		{"temp with uuid", "s/v/2026-01-01T00/00:02.000000-2.0-temp-1b4e28ba-2fa1-11d2-883f-0016d3cca427.ts", time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC), 2.0, archive.Temp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg, err := archive.ParsePath(tt.path)
			require.NoError(t, err)
			require.Equal(t, tt.path, seg.Path())
			require.True(t, tt.start.Equal(seg.Start), "start %s", seg.Start)
			require.Equal(t, time.UTC, seg.Start.Location())
			require.Equal(t, tt.duration, seg.Duration)
			require.Equal(t, tt.typ, seg.Type)
			require.NoError(t, seg.Validate())
			parts := strings.Split(tt.path, "/")
			require.Equal(t, parts[2], seg.Hour())
			require.Equal(t, parts[3], seg.Name())
		})
	}
}

func TestParsePathFields(t *testing.T) {
	seg, err := archive.ParsePath(desertbusPath)
	require.NoError(t, err)
	require.Equal(t, "desertbus", seg.Stream)
	require.Equal(t, "source", seg.Variant)
	require.Equal(t, "7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM", seg.Hash.String())
	require.Equal(t, time.Date(2019, 11, 13, 2, 45, 53, 608000000, time.UTC), seg.End())
}

func TestHashString(t *testing.T) {
	require.Equal(t, emptyHash, archive.Hash(sha256.Sum256(nil)).String())
	h, err := archive.ParseHash(emptyHash)
	require.NoError(t, err)
	require.Equal(t, archive.Hash(sha256.Sum256(nil)), h)
}

// Expected strings and microseconds come from CPython 3.11: repr(x) and
// timedelta(seconds=x) / timedelta(microseconds=1).
func TestSecondsLikePython(t *testing.T) {
	tests := []struct {
		in   float64
		repr string
		us   int64
	}{
		{2.0, "2.0", 2000000},
		{2.002, "2.002", 2002000},
		{6.0, "6.0", 6000000},
		{1.9999999, "1.9999999", 2000000},
		{0.1, "0.1", 100000},
		{0.0001, "0.0001", 100},
		{0.00025, "0.00025", 250},
		{123456789.123, "123456789.123", 123456789123000},
		{2.0000000000000004, "2.0000000000000004", 2000000},
		{1.0 / 3, "0.3333333333333333", 333333},
		{4.004, "4.004", 4004000},
		{0.033, "0.033", 33000},
		{10.01, "10.01", 10010000},
		{5.005, "5.005", 5005000},
		{1e9, "1000000000.0", 1000000000000000},
		{1.0000005, "1.0000005", 1000001},
		{2.0000025, "2.0000025", 2000002},
		{3.0000035, "3.0000035", 3000004},
		{0.1234565, "0.1234565", 123456},
	}
	for _, tt := range tests {
		t.Run(tt.repr, func(t *testing.T) {
			s := archive.Seconds(tt.in)
			require.Equal(t, tt.repr, s.String())
			require.Equal(t, time.Duration(tt.us)*time.Microsecond, s.Duration())
		})
	}
}

func TestParsePathRefuses(t *testing.T) {
	good := "45:51.608000-2.0-full-" + emptyHash + ".ts"
	tests := []struct {
		name  string
		path  string
		field string
	}{
		{"dot-dot stream", "../source/2019-11-13T02/" + good, "stream"},
		{"dot-dot variant", "s/../2019-11-13T02/" + good, "variant"},
		{"hidden stream", ".s/v/2019-11-13T02/" + good, "stream"},
		{"absolute path", "/s/v/2019-11-13T02/" + good, "stream"},
		{"five components", "x/s/v/2019-11-13T02/" + good, "hour"},
		{"three components", "v/2019-11-13T02/" + good, "path"},
		{"bare file name", good, "path"},
		{"control character in stream", "s\n/v/2019-11-13T02/" + good, "stream"},
		{"delete character", "s\x7f/v/2019-11-13T02/" + good, "stream"},
		{"backslash", `s\x/v/2019-11-13T02/` + good, "stream"},
		{"not utf-8", "s\xff/v/2019-11-13T02/" + good, "stream"},
		{"long stream", strings.Repeat("s", 129) + "/v/2019-11-13T02/" + good, "stream"},
		{"empty variant", "s//2019-11-13T02/" + good, "variant"},
		{"junk after hour", "s/v/2019-11-13T02-extra/" + good, "hour"},
		{"hour separators", "s/v/2019x11x13T02/" + good, "hour"},
		{"hour 24", "s/v/2019-11-13T24/" + good, "hour"},
		{"february 30", "s/v/2019-02-30T02/" + good, "hour"},
		{"year zero", "s/v/0000-01-01T00/" + good, "hour"},
		{"zero time", "s/v/0001-01-01T00/00:00.000000-2.0-full-" + emptyHash + ".ts", "time"},
		{"signed hour", "s/v/+019-11-13T02/" + good, "hour"},
		{"time separators", "s/v/2019-11-13T02/45x51y608000-2.0-full-" + emptyHash + ".ts", "time"},
		{"short fraction", "s/v/2019-11-13T02/45:51.6-2.0-full-" + emptyHash + ".ts", "time"},
		{"no fraction", "s/v/2019-11-13T02/45:51-2.0-full-" + emptyHash + ".ts", "time"},
		{"minute 60", "s/v/2019-11-13T02/60:00.000000-2.0-full-" + emptyHash + ".ts", "time"},
		{"full-width digits", "s/v/2019-11-13T02/４5:51.608000-2.0-full-" + emptyHash + ".ts", "time"},
		{"space in time", "s/v/2019-11-13T02/ 5:51.608000-2.0-full-" + emptyHash + ".ts", "time"},
		{"inf duration", "s/v/2019-11-13T02/45:51.608000-inf-full-" + emptyHash + ".ts", "duration"},
		{"nan duration", "s/v/2019-11-13T02/45:51.608000-nan-full-" + emptyHash + ".ts", "duration"},
		{"exponent", "s/v/2019-11-13T02/45:51.608000-1e-05-full-" + emptyHash + ".ts", "duration"},
		{"exponent without sign", "s/v/2019-11-13T02/45:51.608000-2e0-full-" + emptyHash + ".ts", "duration"},
		{"plus sign", "s/v/2019-11-13T02/45:51.608000-+2.0-full-" + emptyHash + ".ts", "duration"},
		{"integer duration", "s/v/2019-11-13T02/45:51.608000-2-full-" + emptyHash + ".ts", "duration"},
		{"padded duration", "s/v/2019-11-13T02/45:51.608000-2.00-full-" + emptyHash + ".ts", "duration"},
		{"leading dot", "s/v/2019-11-13T02/45:51.608000-.5-full-" + emptyHash + ".ts", "duration"},
		{"huge duration", "s/v/2019-11-13T02/45:51.608000-" + strings.Repeat("9", 30) + ".0-full-" + emptyHash + ".ts", "duration"},
		{"unknown type", "s/v/2019-11-13T02/45:51.608000-2.0-whole-" + emptyHash + ".ts", "type"},
		{"missing hash", "s/v/2019-11-13T02/45:51.608000-2.0-full.ts", "name"},
		{"short hash", "s/v/2019-11-13T02/45:51.608000-2.0-full-" + emptyHash[1:] + ".ts", "hash"},
		{"long hash", "s/v/2019-11-13T02/45:51.608000-2.0-full-" + emptyHash + "A.ts", "hash"},
		{"padded hash", "s/v/2019-11-13T02/45:51.608000-2.0-full-" + emptyHash + "=.ts", "hash"},
		{"standard alphabet", "s/v/2019-11-13T02/45:51.608000-2.0-full-" + strings.ReplaceAll(emptyHash, "-", "+") + ".ts", "hash"},
		{"non-canonical trailing bits", "s/v/2019-11-13T02/45:51.608000-2.0-full-" + emptyHash[:42] + "V.ts", "hash"},
		{"empty hash", "s/v/2019-11-13T02/45:51.608000-2.0-full-.ts", "hash"},
		{"wrong extension", "s/v/2019-11-13T02/45:51.608000-2.0-full-" + emptyHash + ".mp4", "name"},
		{"tombstone is not a segment", "s/v/2019-11-13T02/45:51.608000-2.0-full-" + emptyHash + ".tombstone", "name"},
		{"temp id with slash", "s/v/2019-11-13T02/45:51.608000-2.0-temp-ab/cd.ts", "name"},
		{"temp id with dots", "s/v/2019-11-13T02/45:51.608000-2.0-temp-ab..cd.ts", "temp id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.ParsePath(tt.path)
			var ne *archive.NameError
			require.ErrorAs(t, err, &ne)
			require.Equal(t, tt.field, ne.Field, "error: %v", err)
			require.NotEmpty(t, ne.Reason)
		})
	}
}

func TestSegmentValidate(t *testing.T) {
	base := archive.Segment{Stream: "s", Variant: "v", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Duration: 2, Type: archive.Full}
	tests := []struct {
		name  string
		edit  func(*archive.Segment)
		field string
	}{
		{"valid", func(*archive.Segment) {}, ""},
		{"negative duration", func(s *archive.Segment) { s.Duration = -1 }, "duration"},
		{"nan duration", func(s *archive.Segment) { s.Duration = archive.Seconds(math.NaN()) }, "duration"},
		{"inf duration", func(s *archive.Segment) { s.Duration = archive.Seconds(math.Inf(1)) }, "duration"},
		{"tiny duration python writes with exponent", func(s *archive.Segment) { s.Duration = 1e-5 }, "duration"},
		{"no type", func(s *archive.Segment) { s.Type = 0 }, "type"},
		{"temp without id", func(s *archive.Segment) { s.Type = archive.Temp }, "temp id"},
		{"year 10000", func(s *archive.Segment) { s.Start = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time"},
		{"bad variant", func(s *archive.Segment) { s.Variant = "a/b" }, "variant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg := base
			tt.edit(&seg)
			err := seg.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			var ne *archive.NameError
			require.ErrorAs(t, err, &ne)
			require.Equal(t, tt.field, ne.Field)
		})
	}
}

func TestPathUsesUTC(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	seg := archive.Segment{Stream: "s", Variant: "v", Start: time.Date(2026, 3, 29, 3, 0, 0, 123456000, paris), Duration: 2, Type: archive.Full}
	require.Equal(t, "s/v/2026-03-29T01/00:00.123456-2.0-full-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ts", seg.Path())
}

func TestTombstoneName(t *testing.T) {
	seg, err := archive.ParsePath(desertbusPath)
	require.NoError(t, err)
	name := seg.TombstoneName()
	require.Equal(t, strings.TrimSuffix(seg.Name(), ".ts")+".tombstone", name)
	back, err := archive.ParseTombstoneName("desertbus", "source", "2019-11-13T02", name)
	require.NoError(t, err)
	require.Equal(t, seg, back)
}

func TestTypeString(t *testing.T) {
	for _, typ := range []archive.Type{archive.Full, archive.Suspect, archive.Partial, archive.Temp} {
		back, err := archive.ParseType(typ.String())
		require.NoError(t, err)
		require.Equal(t, typ, back)
	}
	require.Equal(t, "Type(9)", archive.Type(9).String())
}

func FuzzParsePath(f *testing.F) {
	f.Add(desertbusPath)
	f.Add("s/v/2026-01-01T00/10:00.000000-0-full-" + emptyHash + ".ts")
	f.Add("s/v/2026-01-01T00/00:02.000000-2.0-temp-1b4e28ba-2fa1-11d2-883f-0016d3cca427.ts")
	f.Add("../x/2019-11-13T02/45:51.608000-1e-05-full-!!!!AAAA.ts")
	f.Fuzz(func(t *testing.T, p string) {
		seg, err := archive.ParsePath(p)
		if err != nil {
			var ne *archive.NameError
			if !errorAs(err, &ne) {
				t.Fatalf("error %v is not a *NameError", err)
			}
			return
		}
		if got := seg.Path(); got != p {
			t.Fatalf("round trip: %q became %q", p, got)
		}
		if err := seg.Validate(); err != nil {
			t.Fatalf("parsed segment does not validate: %v", err)
		}
		for _, part := range strings.Split(p, "/") {
			if part == "" || part == "." || part == ".." || strings.HasPrefix(part, ".") {
				t.Fatalf("accepted unsafe component %q in %q", part, p)
			}
		}
		if seg.Duration.Duration() < 0 {
			t.Fatalf("negative duration from %q", p)
		}
	})
}

func ExampleParsePath() {
	seg, err := archive.ParsePath("desertbus/source/2019-11-13T02/45:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(seg.Stream, seg.Variant, seg.Type)
	fmt.Println(seg.Start.Format(time.RFC3339Nano), "to", seg.End().Format(time.RFC3339Nano))

	_, err = archive.ParsePath("../../etc/2019-11-13T02/45:51.608000-2.0-full-7IS92rssMzoSBQDIevHStbTNy-URRV3Vw-jzZ6pwOZM.ts")
	fmt.Println(err)
	// Output:
	// desertbus source full
	// 2019-11-13T02:45:51.608Z to 2019-11-13T02:45:53.608Z
	// archive: bad stream "..": starts with a period
}
