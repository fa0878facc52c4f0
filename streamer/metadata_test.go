package streamer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseMetadata(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	tests := []struct {
		name string
		in   string
		loc  *time.Location
		want Metadata
		bad  bool
	}{
		{
			name: "playing request, transcript from 2.1.3",
			in:   "rid=\"1\"\non_air=\"2026/11/23 08:42:42\"\nstatus=\"playing\"\ninitial_uri=\"/tmp/lq/music/tone2.wav\"\nsource=\"music\"\ntemporary=\"false\"\nfilename=\"/tmp/lq/music/tone2.wav\"\ndecoder=\"FFMPEG\"\nkind=\"{audio=pcm(stereo),video=none,midi=none}\"\non_air_timestamp=\"1795423362.00\"",
			want: Metadata{RID: 1, Status: "playing", Source: "music", URI: "/tmp/lq/music/tone2.wav", Filename: "/tmp/lq/music/tone2.wav", AirTime: time.Unix(1795423362, 0)},
		},
		{
			name: "on_air without timestamp is local time in the given zone",
			in:   "rid=\"7\"\non_air=\"2026/11/23 17:46:00\"\nstatus=\"playing\"",
			loc:  tokyo,
			want: Metadata{RID: 7, Status: "playing", AirTime: time.Date(2026, 11, 23, 8, 46, 0, 0, time.UTC)},
		},
		{
			name: "annotated request with escapes",
			in:   `rid="5"` + "\n" + `status="ready"` + "\n" + `initial_uri="annotate:title=\"Hello \\\"W\\\"\",artist=\"A B\":/tmp/lq/extra/jingle.wav"` + "\n" + `source="dealer"` + "\n" + `title="Hello \"W\""` + "\n" + `artist="A B"`,
			want: Metadata{RID: 5, Status: "ready", Source: "dealer", URI: `annotate:title="Hello \"W\"",artist="A B":/tmp/lq/extra/jingle.wav`},
		},
		{
			name: "an empty line stands for a value 2.1.3 could not print",
			in:   "\nrid=\"46\"\nb=\"\xc3\"\nstatus=\"ready\"",
			want: Metadata{RID: 46, Status: "ready"},
		},
		{name: "no rid", in: `status="ready"`, bad: true},
		{name: "no such request", in: "No such request.", bad: true},
		{name: "unquoted value", in: "rid=1", bad: true},
		{name: "bad timestamp", in: "rid=\"1\"\non_air_timestamp=\"soon\"", bad: true},
		{name: "bad on_air", in: "rid=\"1\"\non_air=\"yesterday\"", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := tt.loc
			if loc == nil {
				loc = time.UTC
			}
			got, err := parseMetadata(tt.in, loc)
			if tt.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got.Fields)
			got.Fields = nil
			require.True(t, tt.want.AirTime.Equal(got.AirTime), "air time %v, want %v", got.AirTime, tt.want.AirTime)
			got.AirTime, tt.want.AirTime = time.Time{}, time.Time{}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseFieldsDecodes(t *testing.T) {
	got, err := parseFields(`title="Hello \"W\""` + "\n" + `c="\u0001\u0019W"` + "\n" + `e="\r\t\b"` + "\n" + `f="é\\ "` + "\n" + `g="\u001B"` + "\n" + `h="a\qb"` + "\n" + `i="\x41\101"` + "\n" + `title="older"`)
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"title": `Hello "W"`, "c": "\x01\x19W", "e": "\r\t\b", "f": `é\ `, "g": "\x1b", "h": `a\qb`, "i": "AA",
	}, got)
}

func TestUnquoteErrors(t *testing.T) {
	for _, in := range []string{``, `"`, `abc`, `"abc`, `"a"b"`, `"abc\"`} {
		_, err := unquote(in)
		require.Error(t, err, in)
	}
}

func TestParseTimestamp(t *testing.T) {
	got, err := parseTimestamp("1795423362.25")
	require.NoError(t, err)
	require.Equal(t, time.Unix(1795423362, 250_000_000), got)
	got, err = parseTimestamp("1795423362")
	require.NoError(t, err)
	require.Equal(t, time.Unix(1795423362, 0), got)
	for _, bad := range []string{"", "-1.00", "1.2.3", "1e9", "1.1234567891"} {
		_, err := parseTimestamp(bad)
		require.Error(t, err, bad)
	}
}
