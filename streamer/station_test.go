package streamer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validStation() Station {
	return Station{Name: "Test FM", Socket: "/run/radio/ls.sock", Dummy: true}
}

func TestStationValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Station)
		field string
	}{
		{name: "no name", edit: func(s *Station) { s.Name = "" }, field: "Name"},
		{name: "interpolation in name", edit: func(s *Station) { s.Name = "Radio #{process.run(\"id\")}" }, field: "Name"},
		{name: "control character in name", edit: func(s *Station) { s.Name = "Radio\x00" }, field: "Name"},
		{name: "invalid UTF-8 in name", edit: func(s *Station) { s.Name = "Radio \xff" }, field: "Name"},
		{name: "no server", edit: func(s *Station) { s.Socket = "" }, field: "Socket"},
		{name: "relative socket", edit: func(s *Station) { s.Socket = "ls.sock" }, field: "Socket"},
		{name: "socket with substitution", edit: func(s *Station) { s.Socket = "/run/<pid>.sock" }, field: "Socket"},
		{name: "socket path too long for a unix socket", edit: func(s *Station) { s.Socket = "/" + strings.Repeat("d", 99) + "/x.sock" }, field: "Socket"},
		{name: "socket mode", edit: func(s *Station) { s.SocketMode = os.ModeSetuid | 0o600 }, field: "SocketMode"},
		{name: "telnet without port", edit: func(s *Station) { s.Telnet = "127.0.0.1" }, field: "Telnet"},
		{name: "telnet port range", edit: func(s *Station) { s.Telnet = "127.0.0.1:70000" }, field: "Telnet"},
		{name: "log level", edit: func(s *Station) { s.LogLevel = 6 }, field: "LogLevel"},
		{name: "dealer id", edit: func(s *Station) { s.Dealer = "Dealer" }, field: "Dealer"},
		{name: "reserved id", edit: func(s *Station) { s.Dealer = "request" }, field: "Dealer"},
		{name: "playlist id injection", edit: func(s *Station) { s.Playlists = []Playlist{{ID: `x", "y`, Path: "/m.m3u"}} }, field: "Playlists[0].ID"},
		{name: "duplicate id", edit: func(s *Station) {
			s.Playlists = []Playlist{{ID: "music", Path: "/a.m3u"}, {ID: "music", Path: "/b.m3u"}}
		}, field: "Playlists[1].ID"},
		{name: "playlist id clashes with dealer", edit: func(s *Station) { s.Playlists = []Playlist{{ID: "dealer", Path: "/a.m3u"}} }, field: "Playlists[0].ID"},
		{name: "relative playlist", edit: func(s *Station) { s.Playlists = []Playlist{{ID: "m", Path: "music.m3u"}} }, field: "Playlists[0].Path"},
		{name: "interpolation in path", edit: func(s *Station) { s.Playlists = []Playlist{{ID: "m", Path: "/music/#{x}.m3u"}} }, field: "Playlists[0].Path"},
		{name: "live without password", edit: func(s *Station) { s.Live = &Live{Mount: "live"} }, field: "Live.Password"},
		{name: "live mount", edit: func(s *Station) { s.Live = &Live{Mount: "a b", Password: "x"} }, field: "Live.Mount"},
		{name: "live buffer", edit: func(s *Station) { s.Live = &Live{Mount: "live", Password: "x", Buffer: time.Hour} }, field: "Live.Buffer"},
		{name: "live port", edit: func(s *Station) { s.Live = &Live{Mount: "live", Password: "x", Port: -1} }, field: "Live.Port"},
		{name: "icecast mount", edit: func(s *Station) { s.Icecast = []Icecast{{Mount: "radio", Password: "x"}} }, field: "Icecast[0].Mount"},
		{name: "icecast password", edit: func(s *Station) { s.Icecast = []Icecast{{Mount: "/radio"}} }, field: "Icecast[0].Password"},
		{name: "icecast NUL password", edit: func(s *Station) { s.Icecast = []Icecast{{Mount: "/radio", Password: "a\x00"}} }, field: "Icecast[0].Password"},
		{name: "icecast codec", edit: func(s *Station) { s.Icecast = []Icecast{{Mount: "/r", Password: "x", Format: Format{Codec: "wma"}}} }, field: "Icecast[0].Format.Codec"},
		{name: "icecast flac", edit: func(s *Station) { s.Icecast = []Icecast{{Mount: "/r", Password: "x", Format: Format{Codec: FLAC}}} }, field: "Icecast[0].Format.Codec"},
		{name: "icecast bitrate", edit: func(s *Station) { s.Icecast = []Icecast{{Mount: "/r", Password: "x", Format: Format{Bitrate: 4}}} }, field: "Icecast[0].Format.Bitrate"},
		{name: "icecast genre", edit: func(s *Station) { s.Icecast = []Icecast{{Mount: "/r", Password: "x", Genre: "#{x}"}} }, field: "Icecast[0].Genre"},
		{name: "archive dir", edit: func(s *Station) { s.Archive = &Archive{} }, field: "Archive.Dir"},
		{name: "archive percent", edit: func(s *Station) { s.Archive = &Archive{Dir: "/srv/100%"} }, field: "Archive.Dir"},
		{name: "hls segment", edit: func(s *Station) { s.HLS = &HLS{Dir: "/srv/hls", SegmentDuration: 1500 * time.Millisecond} }, field: "HLS.SegmentDuration"},
		{name: "hls playlist name", edit: func(s *Station) { s.HLS = &HLS{Dir: "/srv/hls", Playlist: "../x.m3u8"} }, field: "HLS.Playlist"},
		{name: "hls codec", edit: func(s *Station) {
			s.HLS = &HLS{Dir: "/srv/hls", Streams: []HLSStream{{Name: "a", Format: Format{Codec: Opus}}}}
		}, field: "HLS.Streams[0].Format.Codec"},
		{name: "hls stream name", edit: func(s *Station) { s.HLS = &HLS{Dir: "/srv/hls", Streams: []HLSStream{{Name: "A"}}} }, field: "HLS.Streams[0].Name"},
		{name: "no output", edit: func(s *Station) { s.Dummy = false }, field: "Dummy"},
		{name: "reserved prefix", edit: func(s *Station) { s.Dealer = "airkeep_x" }, field: "Dealer"},
		{name: "dead air threshold high", edit: func(s *Station) { s.DeadAir = &DeadAir{Threshold: -5} }, field: "DeadAir.Threshold"},
		{name: "dead air threshold low", edit: func(s *Station) { s.DeadAir = &DeadAir{Threshold: -120} }, field: "DeadAir.Threshold"},
		{name: "dead air short", edit: func(s *Station) { s.DeadAir = &DeadAir{Duration: 500 * time.Millisecond} }, field: "DeadAir.Duration"},
		{name: "dead air long", edit: func(s *Station) { s.DeadAir = &DeadAir{Duration: time.Hour} }, field: "DeadAir.Duration"},
		{name: "emergency relative", edit: func(s *Station) { s.DeadAir = &DeadAir{Emergency: "emergency"} }, field: "DeadAir.Emergency"},
		{name: "emergency id taken", edit: func(s *Station) {
			s.Playlists = []Playlist{{ID: "emergency", Path: "/e"}}
			s.DeadAir = &DeadAir{Emergency: "/srv/e"}
		}, field: "DeadAir.Emergency"},
		{name: "jingles without music", edit: func(s *Station) { s.Jingles = &Jingles{Path: "/j", Every: 3} }, field: "Jingles"},
		{name: "jingles without rule", edit: func(s *Station) {
			s.Playlists = []Playlist{{ID: "m", Path: "/m"}}
			s.Jingles = &Jingles{Path: "/j"}
		}, field: "Jingles.Every"},
		{name: "jingles path", edit: func(s *Station) {
			s.Playlists = []Playlist{{ID: "m", Path: "/m"}}
			s.Jingles = &Jingles{Every: 2}
		}, field: "Jingles.Path"},
		{name: "jingle at", edit: func(s *Station) {
			s.Playlists = []Playlist{{ID: "m", Path: "/m"}}
			s.Jingles = &Jingles{Path: "/j", At: []time.Duration{time.Hour}}
		}, field: "Jingles.At[0]"},
		{name: "crossfade", edit: func(s *Station) { s.Crossfade = time.Minute }, field: "Crossfade"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validStation()
			tt.edit(&s)
			_, err := s.Script()
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.field, ce.Field, "%v", err)
		})
	}
	s := validStation()
	require.NoError(t, s.Validate())
	// The longest socket path accepted binds on every platform.
	s.Socket = "/" + strings.Repeat("d", 96) + "/x.sock"
	require.Len(t, s.Socket, 104)
	require.NoError(t, s.Validate())

	// A refused value keeps its cause.
	s = validStation()
	s.Name = "Radio #{x}"
	err := s.Validate()
	require.ErrorIs(t, err, errInterpolation)
	require.Equal(t, `streamer: bad Name "Radio #{x}": contains "#{", which Liquidsoap would evaluate as code`, err.Error())
}

// stationShapes are the station layouts the package renders; each is
// checked by the real binary.
func stationShapes(dir string) map[string]Station {
	return map[string]Station{
		"minimal":     {Name: "Minimal", Socket: dir + "/a.sock", Dummy: true},
		"telnet only": {Name: "Telnet", Telnet: "127.0.0.1:18234", Dummy: true, AllowRoot: true},
		"one playlist": {Name: "One", Socket: dir + "/b.sock", Dummy: true,
			Playlists: []Playlist{{ID: "music", Path: dir + "/music.m3u"}}},
		"full": {
			Name:   `Radio "Full" #1` + "\n" + `back\slash`,
			Socket: dir + "/c.sock", SocketMode: 0o660, Telnet: "127.0.0.1:18235", AllowRoot: true, LogLevel: 4, Volume: true,
			Dealer:    "diffusions",
			Playlists: []Playlist{{ID: "day", Path: dir + "/day.m3u"}, {ID: "night", Path: dir + "/night dir", Sequential: true}},
			Live:      &Live{Port: 18236, Mount: "/live", Password: "p", Buffer: 1500 * time.Millisecond},
			Icecast: []Icecast{
				{Mount: "/radio.mp3", Password: "x", Description: "d \"q\"", Genre: "g", URL: "https://radio.example"},
				{ID: "aac", Host: "icecast.example", Port: 8443, Mount: "/radio.aac", Password: "y", Format: Format{Codec: AAC, Bitrate: 96}},
				{Mount: "/radio.ogg", Password: "y", Format: Format{Codec: Vorbis}},
				{Mount: "/radio.opus", Password: "y", Format: Format{Codec: Opus, Bitrate: 64}},
			},
			Archive: &Archive{Dir: dir + "/archive", Format: Format{Codec: FLAC}},
			HLS: &HLS{Dir: dir + "/hls", Playlist: "radio.m3u8", SegmentDuration: 2 * time.Second, Segments: 5,
				Streams: []HLSStream{{Name: "hi", Format: Format{Codec: AAC, Bitrate: 128}}, {Name: "lo", Format: Format{Codec: MP3, Bitrate: 64}}}},
			Dummy: true,
		},
		"on air safety": {
			Name: "Safe", Socket: dir + "/d.sock", Dummy: true, Crossfade: 2 * time.Second,
			Playlists: []Playlist{{ID: "day", Path: dir + "/day.m3u"}, {ID: "night", Path: dir + "/night"}},
			Live:      &Live{Port: 18237, Mount: "live", Slots: true, Buffer: time.Second},
			DeadAir:   &DeadAir{Threshold: -50, Duration: 2500 * time.Millisecond, Emergency: dir + "/emergency"},
			Jingles:   &Jingles{Path: dir + "/jingles", Every: 3, At: []time.Duration{0, 30 * time.Minute}},
		},
		"dead air only": {
			Name: "Plain", Socket: dir + "/e.sock", Dummy: true, Volume: true,
			Live:    &Live{Port: 18238, Mount: "live", Password: "p"},
			DeadAir: &DeadAir{},
		},
		"timed jingles": {
			Name: "Timed", Socket: dir + "/f.sock", Dummy: true,
			Playlists: []Playlist{{ID: "music", Path: dir + "/music.m3u"}},
			Jingles:   &Jingles{ID: "ids", Path: dir + "/ids.m3u", At: []time.Duration{15 * time.Minute}},
			DeadAir:   &DeadAir{Emergency: dir + "/e.m3u"},
		},
	}
}

// TestStationScriptsCheck has the real binary check every station shape
// (liquidsoap --check parses, type-checks and evaluates the script without
// streaming).
func TestStationScriptsCheck(t *testing.T) {
	bin := needLiquidsoap(t)
	dir := t.TempDir()
	for name, st := range stationShapes(dir) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			script, err := st.Script()
			require.NoError(t, err)
			require.NoError(t, Check(t.Context(), bin, script), "script:\n%s", script)
		})
	}
}

func TestCheckReportsLiquidsoapError(t *testing.T) {
	bin := needLiquidsoap(t)
	t.Parallel()
	// 2.1 has no := on settings: the binary's own message must come back.
	err := Check(t.Context(), bin, []byte("settings.log.stdout := true\n"))
	var se *ScriptError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 1, se.Code)
	require.Contains(t, se.Output, "line 1")
	require.Contains(t, se.Error(), "Error")
}

func TestStationEnvAndDirs(t *testing.T) {
	st := stationShapes("/srv")["full"]
	require.Equal(t, []string{"AIRKEEP_SECRET_LIVE=p", "AIRKEEP_SECRET_ICECAST=x", "AIRKEEP_SECRET_AAC=y", "AIRKEEP_SECRET_ICECAST_3=y", "AIRKEEP_SECRET_ICECAST_4=y"}, st.Env())
	require.Equal(t, []string{"/srv/archive", "/srv/hls"}, st.Dirs())
	script, err := st.Script()
	require.NoError(t, err)
	// Secrets stay out of the script.
	require.NotContains(t, string(script), `"p"`)
	require.Contains(t, string(script), `getenv("AIRKEEP_SECRET_AAC")`)
	require.Contains(t, string(script), "settings.init.allow_root.set(true)")
	min := stationShapes("/srv")["minimal"]
	script, err = min.Script()
	require.NoError(t, err)
	require.Contains(t, string(script), "settings.init.allow_root.set(false)")
	require.Equal(t, ClientConfig{Socket: "/srv/a.sock", InstanceCommand: "airkeep.instance"}, min.ClientConfig())
}

// TestRootRefusedWithoutAllowRoot documents why AllowRoot exists: as
// root, Liquidsoap refuses to stream unless the script allows it.
func TestRootRefusedWithoutAllowRoot(t *testing.T) {
	bin := needLiquidsoap(t)
	if os.Geteuid() != 0 {
		t.Skip("only meaningful as root")
	}
	t.Parallel()
	st := Station{Name: "Root", Socket: filepath.Join(shortDir(t), "r.sock"), Dummy: true}
	script, err := st.Script()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "root.liq")
	require.NoError(t, os.WriteFile(path, script, 0o644))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, path).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.True(t, strings.Contains(string(out), "allow_root"), "%s", out)
}
