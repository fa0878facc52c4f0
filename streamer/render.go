package streamer

import (
	"bytes"
	_ "embed"
	"text/template"
)

//go:embed station.liq.tmpl
var stationTemplate string

// script is parsed once per call: rendering is rare (once per start) and
// keeping no package-level state is worth the microseconds.
func newTemplate() *template.Template {
	return template.Must(template.New("station.liq").Option("missingkey=error").Parse(stationTemplate))
}

// scriptView is the validated station the template renders. Every string
// that reaches the script is already a quoted Liquidsoap literal (made by
// quoteLiq) or an id checked against [a-z][a-z0-9_]*; the template adds no
// text of its own from the Station.
type scriptView struct {
	Name, Comment      string
	AllowRoot          bool
	LogLevel           int
	Socket, SocketMode string
	TelnetHost         string
	TelnetPort         int
	Dealer             string
	Playlists          []playlistView
	Live               *liveView
	Volume             bool
	Icecast            []icecastView
	Archive            *archiveView
	HLS                *hlsView
	Dummy              bool
	DeadAir            *deadAirView
	Jingles            *jinglesView
	Crossfade          string // seconds as a float literal, or ""
	Chain              []string
	// JingleWindow and JingleExpiry are constants the template needs.
	JingleWindow, JingleExpiry int
}

type playlistView struct{ ID, Mode, Path string }

type liveView struct {
	ID, Mount, Env string
	Buffer         string // ", buffer=…, max=…" or ""
	Port           int
	Slots          bool
}

type icecastView struct {
	ID, Host, Mount, Env, Encoder, MIME string
	Name, Description, Genre, URL       string
	Port                                int
}

type archiveView struct{ ID, Encoder, Path string }

type hlsView struct {
	ID, Dir, Playlist, SegmentDuration string
	Segments                           int
	Streams                            []hlsStreamView
}

type hlsStreamView struct{ Name, Encoder string }

// Script validates the station and renders its Liquidsoap script. The
// script uses the 2.1 syntax that 2.2 and later still accept
// (settings.x.set(v), not x := v). Errors are *ConfigError.
func (s *Station) Script() ([]byte, error) {
	v, err := s.layout()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := newTemplate().Execute(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
