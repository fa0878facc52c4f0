package streamer

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hostileStrings are station names and paths an escaping function must
// carry into a script unchanged.
var hostileStrings = []string{
	"plain",
	"",
	`Radio "Quote"`,
	`back\slash`,
	`trailing backslash\`,
	"new\nline",
	"cr\rlf\r\n",
	"tab\there",
	`it's`,
	"#1 radio # not a comment",
	"$(id) ${HOME} $HOME",
	"%Y-%m-%d",
	"é 日本語 🎵",
	`\#\{x}`,
	`"; print("owned"); "`,
	`\u0041 \x41 \065 \q`,
	"#",
	"{x}",
	"# {x}",
}

func TestQuoteLiq(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{in: "plain", want: `"plain"`},
		{in: `a"b\c`, want: `"a\"b\\c"`},
		{in: "x\ny\r\tz", want: `"x\ny\r\tz"`},
		{in: "é", want: `"é"`},
		{in: `\u0041`, want: `"\\u0041"`},
	}
	for _, tt := range tests {
		got, err := quoteLiq(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got)
	}
	for _, bad := range []string{"#{x}", "a#{", "\x00", "bell\a", "esc\x1b", "del\x7f", "\xff\xfe"} {
		_, err := quoteLiq(bad)
		require.Error(t, err, "%q", bad)
	}
}

// TestQuoteLiqReadBack has the real Liquidsoap read every hostile string
// back from a script and print it base64-encoded, so that what it parsed
// can be compared byte for byte.
func TestQuoteLiqReadBack(t *testing.T) {
	bin := needLiquidsoap(t)
	t.Parallel()
	var script strings.Builder
	script.WriteString("settings.init.allow_root.set(true)\n")
	for _, s := range hostileStrings {
		q, err := quoteLiq(s)
		require.NoError(t, err, "%q", s)
		script.WriteString("print(\"got:\" ^ string.base64.encode(" + q + "))\n")
	}
	script.WriteString("output.dummy(fallible=false, blank())\n")
	path := filepath.Join(t.TempDir(), "quote.liq")
	require.NoError(t, os.WriteFile(path, []byte(script.String()), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// --check evaluates the top level (so the prints run) without streaming.
	out, err := exec.CommandContext(ctx, bin, "--check", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		if b64, ok := strings.CutPrefix(line, "got:"); ok {
			dec, err := base64.StdEncoding.DecodeString(b64)
			require.NoError(t, err)
			got = append(got, string(dec))
		}
	}
	require.Equal(t, hostileStrings, got, "Liquidsoap's output:\n%s", out)
}

func TestAnnotate(t *testing.T) {
	tests := []struct {
		name   string
		uri    string
		fields map[string]string
		want   string
	}{
		{name: "no fields", uri: "/a b.mp3", want: "/a b.mp3"},
		{name: "sorted keys", uri: "/a.mp3", fields: map[string]string{"title": "T", "artist": "A"}, want: `annotate:artist="A",title="T":/a.mp3`},
		{name: "quotes and backslashes", uri: "/a.mp3", fields: map[string]string{"title": `say "hi" \o/`}, want: `annotate:title="say \"hi\" \\o/":/a.mp3`},
		{name: "control characters as \\u", uri: "/a.mp3", fields: map[string]string{"c": "a\nb\tc\x01\u0085"}, want: `annotate:c="a\u000Ab\u0009c\u0001\u0085":/a.mp3`},
		{name: "commas, colons, unicode", uri: "/é.mp3", fields: map[string]string{"x": "a,b:c é #"}, want: `annotate:x="a,b:c é #":/é.mp3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Annotate(tt.uri, tt.fields)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.NoError(t, CheckArg(got))
		})
	}
	for _, bad := range []struct {
		uri    string
		fields map[string]string
	}{
		{uri: "/a\n.mp3"},
		{uri: "/a.mp3", fields: map[string]string{"a-b": "x"}},
		{uri: "/a.mp3", fields: map[string]string{"1a": "x"}},
		{uri: "/a.mp3", fields: map[string]string{"": "x"}},
		{uri: "/a.mp3", fields: map[string]string{"source": "x"}},
		{uri: "/a.mp3", fields: map[string]string{"title": "#{x}"}},
		{uri: "/a.mp3", fields: map[string]string{"title": "\xff"}},
	} {
		_, err := Annotate(bad.uri, bad.fields)
		var ae *ArgError
		require.ErrorAs(t, err, &ae, "%q %v", bad.uri, bad.fields)
	}
}
