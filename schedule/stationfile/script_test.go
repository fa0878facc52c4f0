package stationfile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/internal/testtool"
	"github.com/airkeep/airkeep/streamer"
)

// TestOddValuesMakeScriptsLiquidsoapReads takes station files whose
// values hold what a script generator gets wrong (quotes, backslashes,
// '#', spaces, non-ASCII) and checks the generated script with the real
// liquidsoap --check. Values Liquidsoap would misread ("#{", control
// characters) are refused before: see TestStationFileErrors. (strconv.Quote
// writes these values as TOML basic strings.)
func TestOddValuesMakeScriptsLiquidsoapReads(t *testing.T) {
	bin := testtool.Require(t, "liquidsoap")
	tests := []struct {
		name, station, liqDir, hlsDir, description string
	}{
		{name: "quotes", station: `Radio "Campus" l'été`, liqDir: `liq "q"`, hlsDir: "hls 'x'", description: `the "best" \ station`},
		{name: "backslashes", station: `C:\Radio\`, liqDir: `back\slash`, hlsDir: `h\`, description: `\n is not a newline here`},
		{name: "hash and dollar", station: "Radio #1 $HOME ${x} #", liqDir: "#liq", hlsDir: "$hls", description: "# not a comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := stationDir(t, "music")
			src := "name = " + strconv.Quote(tt.station) + "\nzone = \"UTC\"\n" +
				"[[music]]\nname = \"music\"\ndir = \"music\"\n" +
				"[liquidsoap]\ndir = " + strconv.Quote(tt.liqDir) + "\n" +
				"[record]\nhls_dir = " + strconv.Quote(tt.hlsDir) + "\n" +
				"[[outputs.icecast]]\nmount = \"/radio.mp3\"\npassword_env = \"PW\"\ndescription = " + strconv.Quote(tt.description) + "\n"
			c, _, err := Parse("station.toml", dir, []byte(src), ForRun, env(map[string]string{"PW": `p"w#{x}`}))
			require.NoError(t, err)
			script, err := c.Streamer.Script()
			require.NoError(t, err)
			require.NoError(t, os.MkdirAll(c.Streamer.HLS.Dir, 0o755))
			require.NoError(t, streamer.Check(t.Context(), bin, script), "script:\n%s", script)
			// The socket path reaches the script as one escaped literal.
			lit := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(filepath.Join(dir, tt.liqDir, "liquidsoap.sock"))
			require.Contains(t, string(script), `settings.server.socket.path.set("`+lit+`")`)
		})
	}
}
