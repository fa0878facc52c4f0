package streamer

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseUptime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "0d 00h 00m 03s", want: 3 * time.Second},
		{in: "2d 13h 05m 59s", want: 61*time.Hour + 5*time.Minute + 59*time.Second},
		{in: "400d 00h 00m 00s", want: 400 * 24 * time.Hour},
		{in: "0d 24h 00m 00s", bad: true},
		{in: "0d 00h 60m 00s", bad: true},
		{in: "0d 00h 00m", bad: true},
		{in: "0d  00h 00m 03s", bad: true},
		{in: "-1d 00h 00m 03s", bad: true},
		{in: "d h m s", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseUptime(tt.in)
			if tt.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseRIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		bad  bool
	}{
		{in: "", want: []int{}},
		{in: "1", want: []int{1}},
		{in: "1 3", want: []int{1, 3}},
		{in: "10 11 4 8", want: []int{10, 11, 4, 8}},
		{in: "1 x", bad: true},
		{in: "-1", bad: true},
		{in: "99999999999", bad: true},
		{in: "ERROR: unknown command", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseRIDs(tt.in)
			if tt.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseRemaining(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "6.25", want: 6250 * time.Millisecond},
		{in: "0.", want: 0},
		{in: "2.9410430839", want: 2941043083 * time.Nanosecond},
		{in: "inf", want: Unbounded},
		{in: "(undef)", want: Unbounded},
		{in: "-1.", want: Unbounded},
		{in: "nan", want: Unbounded},
		{in: "1e300", want: Unbounded},
		{in: "", bad: true},
		{in: "soon", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseRemaining(tt.in)
			if tt.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// helpReply is the real reply of "help" from Liquidsoap 2.1.3 for a station
// with a live input, a dealer, a playlist and three outputs.
const helpReply = "Available commands:\r\n| airkeep.instance\r\n| airkeep.sources\r\n| arch.metadata\r\n| arch.remaining\r\n| arch.skip\r\n| dealer.flush_and_skip\r\n| dealer.push <uri>\r\n| dealer.queue\r\n| dealer.remaining\r\n| dealer.skip\r\n| exit\r\n| help [<command>]\r\n| live.buffer_length\r\n| live.status\r\n| live.stop\r\n| music.next\r\n| music.reload\r\n| music.remaining\r\n| music.skip\r\n| music.uri [<uri>]\r\n| out.metadata\r\n| out.remaining\r\n| out.skip\r\n| quit\r\n| request.alive\r\n| request.all\r\n| request.metadata <rid>\r\n| request.on_air\r\n| request.resolving\r\n| request.trace <rid>\r\n| uptime\r\n| var.get\r\n| var.list\r\n| var.set <name> = <value>\r\n| version\r\n\r\nType \"help <command>\" for more information."

func TestSourcesFromHelp(t *testing.T) {
	names, err := parseHelp(helpReply)
	require.NoError(t, err)
	require.Contains(t, names, "dealer.push")
	require.Contains(t, names, "version")
	got := sourcesFromCommands(names)
	kinds := map[string]string{}
	for _, s := range got {
		kinds[s.ID] = s.Kind
	}
	require.Equal(t, map[string]string{
		"airkeep": "", "arch": "output", "dealer": "request.queue", "live": "input.harbor",
		"music": "playlist", "out": "output",
	}, kinds)
	require.Equal(t, []string{"flush_and_skip", "push", "queue", "remaining", "skip"}, got[2].Commands)

	_, err = parseHelp("ERROR: unknown command")
	require.Error(t, err)
	_, err = parseHelp("Available commands:\r\n\r\nType")
	require.Error(t, err)
}

func TestParseVarList(t *testing.T) {
	got, err := parseVarList("greeting : string\nvolume : float")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"greeting": "string", "volume": "float"}, got)
	got, err = parseVarList("")
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = parseVarList("volume float")
	require.Error(t, err)
}

func TestParseSourceStates(t *testing.T) {
	got, err := parseSourceStates("live idle 0.\ndealer ready 2.96426303855\nmusic ready 3.5\nnight ready inf")
	require.NoError(t, err)
	require.Equal(t, []sourceState{
		{id: "live", remaining: 0},
		{id: "dealer", ready: true, remaining: 2964263038 * time.Nanosecond},
		{id: "music", ready: true, remaining: 3500 * time.Millisecond},
		{id: "night", ready: true, remaining: Unbounded},
	}, got)
	for _, bad := range []string{"dealer ready", "dealer maybe 1.", "Dealer ready 1.", "dealer ready x", "dealer ready 1. extra"} {
		_, err := parseSourceStates(bad)
		require.Error(t, err, bad)
	}
}

func TestParseLogLine(t *testing.T) {
	tests := []struct {
		in     string
		want   logLine
		stderr bool
		level  slog.Level
	}{
		{in: "2026/11/23 08:42:42 [server:3] Socket created at /tmp/lq/station.sock.", want: logLine{label: "server", level: 3, msg: "Socket created at /tmp/lq/station.sock."}, level: slog.LevelInfo},
		{in: "2026/11/23 12:15:32 [threads:1] PANIC: Liquidsoap has crashed, exiting.,", want: logLine{label: "threads", level: 1, msg: "PANIC: Liquidsoap has crashed, exiting.,"}, level: slog.LevelError},
		{in: "2026/11/23 12:18:19 [decoder:2] Decoding ended.", want: logLine{label: "decoder", level: 2, msg: "Decoding ended."}, level: slog.LevelWarn},
		{in: "2026/11/23 12:18:19 [request.dynamic:4] Fetch.", want: logLine{label: "request.dynamic", level: 4, msg: "Fetch."}, level: slog.LevelDebug},
		{in: "2026/11/23 12:15:25 >>> LOG START", want: logLine{msg: "2026/11/23 12:15:25 >>> LOG START"}, level: slog.LevelInfo},
		{in: "[mpegts @ 0x5583cfc629c0] frame size not set", want: logLine{msg: "[mpegts @ 0x5583cfc629c0] frame size not set"}, stderr: true, level: slog.LevelWarn},
		{in: "Error 5: this value has type", want: logLine{msg: "Error 5: this value has type"}, stderr: true, level: slog.LevelWarn},
		{in: "2026/11/23 12:18:19 [x:9] bad level", want: logLine{msg: "2026/11/23 12:18:19 [x:9] bad level"}, level: slog.LevelInfo},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := parseLogLine(tt.in)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.level, got.slogLevel(tt.stderr))
		})
	}
}
