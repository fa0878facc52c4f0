package streamer

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Station describes a radio station's Liquidsoap graph, from which Script
// renders a .liq script:
//
//	live (optional) ─┐
//	dealer queue    ─┼─ fallback (not track-sensitive) ─ amplify(volume) ─ outputs
//	music playlists ─┤
//	blank()         ─┘
//
// The dealer is a request.queue the controller feeds (a diffusion pushed
// into it takes the air at once); the playlists play when the dealer is
// empty, rotating one track each; blank() last means the graph never fails.
// Secrets (passwords) never appear in the script: Env returns them for the
// process environment and the script reads them with getenv.
//
// The zero value of each optional field is a documented default; Validate
// (called by Script) checks the rest and returns a *ConfigError naming the
// field.
type Station struct {
	// Name of the station, written in the script's header and sent to
	// Icecast. Required.
	Name string
	// Socket is the path of the unix command socket. At least one of
	// Socket and Telnet is required.
	Socket string
	// SocketMode is the socket file's permission bits. 0 means 0600:
	// anyone who can write to the socket controls the station.
	SocketMode os.FileMode
	// Telnet is host:port for the telnet command server. It has no
	// authentication: bind it to loopback.
	Telnet string
	// AllowRoot lets Liquidsoap run as root
	// (settings.init.allow_root). Liquidsoap refuses to start as root
	// otherwise (exit code 255); containers and CI often run as root.
	// The default, false, keeps Liquidsoap's own safety check.
	AllowRoot bool
	// LogLevel is settings.log.level, 1 (critical) to 5 (debug). 0 means
	// 3, the level at which Liquidsoap logs each track and switch.
	LogLevel int
	// Dealer is the id of the request.queue fed by the controller. ""
	// means "dealer".
	Dealer string
	// Playlists are the music sources used when the dealer is empty.
	Playlists []Playlist
	// Live, when set, is a harbor input that takes the air whenever a
	// source client is connected.
	Live *Live
	// Volume, when set, defines the interactive variable "volume" (a gain
	// factor, 1.0 at start) applied to the whole station, readable and
	// settable with Client.Var and Client.SetVar.
	Volume bool
	// Outputs. At least one is required.
	Icecast []Icecast
	Archive *Archive
	HLS     *HLS
	// Dummy adds output.dummy, which plays the station to nowhere: the
	// output for tests and for stations whose outputs are all optional.
	Dummy bool
	// DeadAir, when set, watches every source and the final output for
	// silence, skips a silent source and puts an emergency playlist on
	// air while one lasts (see DeadAir).
	DeadAir *DeadAir
	// Jingles, when set, plays station IDs between music tracks.
	Jingles *Jingles
	// Crossfade is the length of the crossfade between music tracks
	// (playlists and jingles). 0 means none. A diffusion pushed into the
	// dealer and the live input always start clean.
	Crossfade time.Duration
}

// DeadAir configures silence detection. The live input, the dealer and the
// music branch each pass through blank.strip: a source silent for Duration
// stops being available (Liquidsoap keeps reading it, so a silent stretch
// of a scheduled sound passes in real time) and the fallback moves on; the
// final output passes through blank.detect. While the live input or the
// dealer is skipped for silence, Emergency takes the air rather than the
// music; it also plays when the music is silent. Each silent stretch is
// reported as a pair of events (AirBlankStart, AirBlankEnd) whose
// times are when the silence really began and ended.
type DeadAir struct {
	// Threshold is the level, in dBFS, under which audio counts as
	// silence. 0 means -40; otherwise -90 to -10.
	Threshold float64
	// Duration is how long silence lasts before it is dead air. 0 means
	// 10s; otherwise 1s to 10m, in tenths of a second.
	Duration time.Duration
	// Emergency is an absolute path to an .m3u file or a directory of
	// sounds to play during dead air. "" means none: the music, or
	// blank(), follows a silent source.
	Emergency string
}

// Jingles plays a folder of station IDs in the music branch only, at the
// boundary between two music tracks: never into a diffusion or a live
// show, which sit above the music in the fallback. Each jingle that takes
// the air is reported as an AirJingle.
type Jingles struct {
	// ID is the jingle playlist's source id. "" means "jingles".
	ID string
	// Path is an absolute path to an .m3u file or a directory. Required.
	Path string
	// Every plays one jingle after every Every music tracks. 0 means
	// never.
	Every int
	// At are offsets into each hour (whole seconds under 1h, such as 0 for
	// the top of the hour) after which the next boundary between music
	// tracks gets a jingle, in the Liquidsoap process's local time. A
	// jingle still due 5 minutes later (the music was off the air) is
	// dropped. At least one of Every and At is required.
	At []time.Duration
}

// Playlist is a music source: playlist() over an .m3u file or a directory,
// reloaded when it changes (reload_mode="watch"). The controller owns an
// m3u playlist's file: Controller.SyncPlaylist rewrites it atomically and
// reloads it.
type Playlist struct {
	// ID is the source id and command prefix ("music" gives music.reload).
	// Required, [a-z][a-z0-9_]*.
	ID string
	// Path is an absolute path to an .m3u file or a directory. Relative
	// entries in an m3u resolve against the m3u's directory.
	Path string
	// Sequential plays in file order (mode="normal"). The default is
	// shuffled (mode="randomize": each round in a new random order).
	Sequential bool
}

// Live is a harbor input for a live show: source clients (BUTT, Mixxx,
// ffmpeg) connect to port/Mount with the password.
type Live struct {
	// ID is the source id. "" means "live".
	ID string
	// Port the harbor listens on (all interfaces). 0 means 8005.
	Port int
	// Mount, without the leading slash (such as "live"). Required.
	Mount string
	// Password source clients must give. Required; passed through the
	// environment, never written in the script.
	Password string
	// Buffer is how much audio the harbor holds before the live show takes
	// the air, and so how late it is on air. 0 means Liquidsoap's 12s
	// (room for crossfades); a short one goes on air sooner but breaks up
	// on a poor link.
	Buffer time.Duration
	// Slots makes the harbor accept a source client only while a slot is
	// open, with that slot's user and password: Controller.OpenLive opens
	// one, Controller.CloseLive closes it and disconnects the client.
	// Password is then not used. Every attempt is reported
	// (AirLiveAccept, AirLiveRefuse).
	Slots bool
}

// Codec names an encoder the script can use.
type Codec string

// Codecs the Debian build of Liquidsoap 2.1 supports. AAC goes through
// ffmpeg (fdkaac is not built in).
const (
	MP3    Codec = "mp3"
	Vorbis Codec = "vorbis"
	Opus   Codec = "opus"
	AAC    Codec = "aac"
	FLAC   Codec = "flac"
)

// Format is an encoding: a codec and, except for FLAC, a bitrate.
type Format struct {
	// Codec. "" means MP3.
	Codec Codec
	// Bitrate in kbit/s. 0 means 128.
	Bitrate int
}

// Icecast streams the station to an Icecast server.
type Icecast struct {
	// ID is the output id. "" means "icecast" for the first, then
	// "icecast_2", ….
	ID string
	// Host and Port of the server. "" and 0 mean localhost:8000.
	Host string
	Port int
	// Mount point, starting with '/'. Required.
	Mount string
	// Password of the source user. Required; passed through the
	// environment, never written in the script.
	Password string
	// Format of the stream. FLAC is not offered over Icecast.
	Format Format
	// Description, Genre and URL describe the stream to listeners.
	Description, Genre, URL string
}

// Archive records everything that goes on air into hourly files
// Dir/YYYY-MM-DD/HH-MM-SS.<ext> (a logger, as broadcast regulators ask
// for), opening a new file at the top of each hour. Times are the
// Liquidsoap process's local time.
type Archive struct {
	// ID is the output id. "" means "archive".
	ID string
	// Dir is the absolute root directory. Required.
	Dir string
	// Format of the files. The zero value is 128 kbit/s MP3.
	Format Format
}

// HLS writes the station as HTTP Live Streaming files (output.file.hls):
// one media playlist and segment files per stream, plus a master playlist.
// A web server serves Dir; airkeep's hls package can record it.
type HLS struct {
	// ID is the output id. "" means "hls".
	ID string
	// Dir is the absolute directory for playlists and segments. Required.
	// Create it beforehand (Process does): Liquidsoap 2.1.3 creates a
	// missing one with mode 0644, which only root can enter.
	Dir string
	// Playlist is the master playlist's file name. "" means "live.m3u8".
	Playlist string
	// SegmentDuration is the target segment length, a whole number of
	// seconds. 0 means 6s.
	SegmentDuration time.Duration
	// Segments is the number of segments in each media playlist. 0 means
	// 10.
	Segments int
	// Streams are the variants. Empty means one 128 kbit/s AAC stream
	// named "aac". Codec must be AAC (MPEG-TS segments) or MP3 (packed
	// audio).
	Streams []HLSStream
}

// HLSStream is one HLS variant: segments are named <Name>_<tag>_<n>.<ext>,
// where the tag is new for each Liquidsoap process (so a restart, which
// counts from 1 again, never reuses a segment's URI for other audio), and
// its media playlist is <Name>.m3u8.
type HLSStream struct {
	Name   string // [a-z][a-z0-9_]*; required
	Format Format
}

// MaxSocketPath is the longest Socket path Validate accepts: sun_path holds
// 108 bytes on Linux and 104 on the BSDs, so a longer path binds nowhere
// portable.
const MaxSocketPath = 104

// Validate checks the station and returns a *ConfigError naming the first
// bad field. A Socket path too long for a unix socket is one.
func (s *Station) Validate() error {
	_, err := s.layout()
	return err
}

// DealerID returns the dealer queue's id, applying the default.
func (s *Station) DealerID() string {
	if s.Dealer == "" {
		return "dealer"
	}
	return s.Dealer
}

// LiveID returns the live input's id, or "" when there is no live input.
func (s *Station) LiveID() string {
	if s.Live == nil {
		return ""
	}
	if s.Live.ID == "" {
		return "live"
	}
	return s.Live.ID
}

// ClientConfig returns a ClientConfig that reaches the station's command
// server (the socket when there is one) and recognises restarts through
// the instance command the script registers.
func (s *Station) ClientConfig() ClientConfig {
	cfg := ClientConfig{InstanceCommand: "airkeep.instance"}
	if s.Socket != "" {
		cfg.Socket = s.Socket
	} else {
		cfg.Telnet = s.Telnet
	}
	return cfg
}

// Env returns the environment variables the script reads its secrets from,
// as "NAME=value" pairs. Process adds them to Liquidsoap's environment;
// running the script by hand needs them too.
func (s *Station) Env() []string {
	var env []string
	if s.Live != nil && !s.Live.Slots {
		env = append(env, secretEnv(s.LiveID())+"="+s.Live.Password)
	}
	for i, ic := range s.Icecast {
		env = append(env, secretEnv(icecastID(ic, i))+"="+ic.Password)
	}
	return env
}

// Dirs returns the directories the outputs write into, which must exist
// before Liquidsoap starts.
func (s *Station) Dirs() []string {
	var dirs []string
	if s.Archive != nil {
		dirs = append(dirs, s.Archive.Dir)
	}
	if s.HLS != nil {
		dirs = append(dirs, s.HLS.Dir)
	}
	return dirs
}

func secretEnv(id string) string { return "AIRKEEP_SECRET_" + strings.ToUpper(id) }

func icecastID(ic Icecast, i int) string {
	switch {
	case ic.ID != "":
		return ic.ID
	case i == 0:
		return "icecast"
	default:
		return "icecast_" + strconv.Itoa(i+1)
	}
}

// validID reports whether s can be a source id: it becomes a command prefix
// and a script identifier, so it is kept to [a-z][a-z0-9_]*.
func validID(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// reservedIDs are command namespaces of the server itself or of airkeep's
// script; a source with one of these ids would shadow their commands.
var reservedIDs = map[string]bool{
	"request": true, "var": true, "airkeep": true, "help": true, "exit": true,
	"quit": true, "uptime": true, "version": true, "server": true,
}

// layout validates the station and resolves defaults into a view the
// template renders.
func (s *Station) layout() (*scriptView, error) {
	v := &scriptView{AllowRoot: s.AllowRoot, LogLevel: s.LogLevel, Volume: s.Volume, Dummy: s.Dummy,
		JingleWindow: jingleWindow, JingleExpiry: jingleExpiry}
	ids := map[string]string{} // id → field, for duplicates
	useID := func(field, id string) error {
		if !validID(id) {
			return &ConfigError{Field: field, Value: id, Reason: "want [a-z][a-z0-9_]*"}
		}
		if reservedIDs[id] || strings.HasPrefix(id, "airkeep_") {
			return &ConfigError{Field: field, Value: id, Reason: "reserved by Liquidsoap or airkeep"}
		}
		if other, dup := ids[id]; dup {
			return &ConfigError{Field: field, Value: id, Reason: "also used by " + other}
		}
		ids[id] = field
		return nil
	}
	str := func(field, value string) (string, error) {
		q, err := quoteLiq(value)
		if err != nil {
			return "", &ConfigError{Field: field, Value: value, Err: err}
		}
		return q, nil
	}
	path := func(field, p string) (string, error) {
		if p == "" {
			return "", &ConfigError{Field: field, Reason: "required"}
		}
		if !filepath.IsAbs(p) {
			return "", &ConfigError{Field: field, Value: p, Reason: "want an absolute path"}
		}
		return str(field, filepath.Clean(p))
	}

	var err error
	if s.Name == "" {
		return nil, &ConfigError{Field: "Name", Reason: "required"}
	}
	if v.Name, err = str("Name", s.Name); err != nil {
		return nil, err
	}
	// The header comment shows the name on one line.
	v.Comment = strings.NewReplacer("\n", " ", "\r", " ").Replace(s.Name)
	if v.LogLevel == 0 {
		v.LogLevel = 3
	}
	if v.LogLevel < 1 || v.LogLevel > 5 {
		return nil, &ConfigError{Field: "LogLevel", Value: strconv.Itoa(s.LogLevel), Reason: "want 1 to 5"}
	}

	if s.Socket == "" && s.Telnet == "" {
		return nil, &ConfigError{Field: "Socket", Reason: "one of Socket and Telnet is required"}
	}
	if s.Socket != "" {
		if v.Socket, err = path("Socket", s.Socket); err != nil {
			return nil, err
		}
		if strings.Contains(s.Socket, "<") {
			// Liquidsoap substitutes <pid>, <script> and <sysrundir> here.
			return nil, &ConfigError{Field: "Socket", Value: s.Socket, Reason: "contains '<'"}
		}
		if n := len(filepath.Clean(s.Socket)); n > MaxSocketPath {
			// Liquidsoap would start, fail to bind and exit: say it here.
			return nil, &ConfigError{Field: "Socket", Value: s.Socket,
				Reason: fmt.Sprintf("%d bytes long, over the %d a unix socket path may have", n, MaxSocketPath)}
		}
		mode := s.SocketMode
		if mode == 0 {
			mode = 0o600
		}
		if mode&^0o777 != 0 {
			return nil, &ConfigError{Field: "SocketMode", Value: mode.String(), Reason: "only permission bits"}
		}
		v.SocketMode = fmt.Sprintf("0o%o", mode)
	}
	if s.Telnet != "" {
		host, port, err := net.SplitHostPort(s.Telnet)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil || p < 1 || p > 65535 || host == "" {
			return nil, &ConfigError{Field: "Telnet", Value: s.Telnet, Reason: "want host:port"}
		}
		if v.TelnetHost, err = str("Telnet", host); err != nil {
			return nil, err
		}
		v.TelnetPort = p
	}

	v.Dealer = s.DealerID()
	if err := useID("Dealer", v.Dealer); err != nil {
		return nil, err
	}
	for i, p := range s.Playlists {
		field := fmt.Sprintf("Playlists[%d]", i)
		if err := useID(field+".ID", p.ID); err != nil {
			return nil, err
		}
		pv := playlistView{ID: p.ID, Mode: "randomize"}
		if p.Sequential {
			pv.Mode = "normal"
		}
		if pv.Path, err = path(field+".Path", p.Path); err != nil {
			return nil, err
		}
		v.Playlists = append(v.Playlists, pv)
	}
	if s.Live != nil {
		l := s.Live
		lv := &liveView{ID: s.LiveID(), Port: l.Port, Env: secretEnv(s.LiveID())}
		if err := useID("Live.ID", lv.ID); err != nil {
			return nil, err
		}
		if lv.Port == 0 {
			lv.Port = 8005
		}
		if lv.Port < 1 || lv.Port > 65535 {
			return nil, &ConfigError{Field: "Live.Port", Value: strconv.Itoa(l.Port), Reason: "want 1 to 65535"}
		}
		if l.Buffer < 0 || l.Buffer > time.Minute || l.Buffer%time.Millisecond != 0 {
			return nil, &ConfigError{Field: "Live.Buffer", Value: l.Buffer.String(), Reason: "want 0 to 1m, in milliseconds"}
		}
		if l.Buffer > 0 {
			// max must exceed buffer; Liquidsoap's default is 20s.
			lv.Buffer = fmt.Sprintf(", buffer=%s, max=%s", liqFloat(l.Buffer), liqFloat(max(20*time.Second, 2*l.Buffer)))
		}
		mount := strings.TrimPrefix(l.Mount, "/")
		if mount == "" || strings.ContainsAny(mount, " /?#") {
			return nil, &ConfigError{Field: "Live.Mount", Value: l.Mount, Reason: "want a name such as \"live\""}
		}
		if lv.Mount, err = str("Live.Mount", mount); err != nil {
			return nil, err
		}
		lv.Slots = l.Slots
		if !l.Slots {
			if err := checkSecret("Live.Password", l.Password); err != nil {
				return nil, err
			}
		}
		v.Live = lv
	}

	if err := s.layoutSafety(v, useID, path); err != nil {
		return nil, err
	}

	for i, ic := range s.Icecast {
		field := fmt.Sprintf("Icecast[%d]", i)
		iv := icecastView{ID: icecastID(ic, i), Port: ic.Port, Env: secretEnv(icecastID(ic, i))}
		if err := useID(field+".ID", iv.ID); err != nil {
			return nil, err
		}
		host := ic.Host
		if host == "" {
			host = "localhost"
		}
		if iv.Host, err = str(field+".Host", host); err != nil {
			return nil, err
		}
		if iv.Port == 0 {
			iv.Port = 8000
		}
		if iv.Port < 1 || iv.Port > 65535 {
			return nil, &ConfigError{Field: field + ".Port", Value: strconv.Itoa(ic.Port), Reason: "want 1 to 65535"}
		}
		if !strings.HasPrefix(ic.Mount, "/") || len(ic.Mount) < 2 || strings.ContainsAny(ic.Mount, " ?#") {
			return nil, &ConfigError{Field: field + ".Mount", Value: ic.Mount, Reason: "want a path such as \"/radio.mp3\""}
		}
		if iv.Mount, err = str(field+".Mount", ic.Mount); err != nil {
			return nil, err
		}
		if err := checkSecret(field+".Password", ic.Password); err != nil {
			return nil, err
		}
		if ic.Format.Codec == FLAC {
			return nil, &ConfigError{Field: field + ".Format.Codec", Value: string(FLAC), Reason: "not offered over Icecast"}
		}
		if iv.Encoder, iv.MIME, err = encoder(field+".Format", ic.Format, false); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			name, value string
			dst         *string
		}{{"Name", s.Name, &iv.Name}, {"Description", ic.Description, &iv.Description}, {"Genre", ic.Genre, &iv.Genre}, {"URL", ic.URL, &iv.URL}} {
			if f.value == "" {
				continue
			}
			if *f.dst, err = str(field+"."+f.name, f.value); err != nil {
				return nil, err
			}
		}
		v.Icecast = append(v.Icecast, iv)
	}
	if a := s.Archive; a != nil {
		av := &archiveView{ID: a.ID}
		if av.ID == "" {
			av.ID = "archive"
		}
		if err := useID("Archive.ID", av.ID); err != nil {
			return nil, err
		}
		if _, err := path("Archive.Dir", a.Dir); err != nil {
			return nil, err
		}
		if strings.Contains(a.Dir, "%") {
			// output.file expands strftime fields in the whole path.
			return nil, &ConfigError{Field: "Archive.Dir", Value: a.Dir, Reason: "contains '%'"}
		}
		enc, ext, err := encoderExt("Archive.Format", a.Format)
		if err != nil {
			return nil, err
		}
		av.Encoder = enc
		// strftime fields are expanded by output.file at each reopen.
		if av.Path, err = str("Archive.Dir", filepath.Join(filepath.Clean(a.Dir), "%Y-%m-%d", "%H-%M-%S."+ext)); err != nil {
			return nil, err
		}
		v.Archive = av
	}
	if h := s.HLS; h != nil {
		hv := &hlsView{ID: h.ID, Segments: h.Segments}
		if hv.ID == "" {
			hv.ID = "hls"
		}
		if err := useID("HLS.ID", hv.ID); err != nil {
			return nil, err
		}
		if hv.Dir, err = path("HLS.Dir", h.Dir); err != nil {
			return nil, err
		}
		name := h.Playlist
		if name == "" {
			name = "live.m3u8"
		}
		if strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
			return nil, &ConfigError{Field: "HLS.Playlist", Value: h.Playlist, Reason: "want a file name"}
		}
		if hv.Playlist, err = str("HLS.Playlist", name); err != nil {
			return nil, err
		}
		seg := h.SegmentDuration
		if seg == 0 {
			seg = 6 * time.Second
		}
		if seg < time.Second || seg%time.Second != 0 {
			return nil, &ConfigError{Field: "HLS.SegmentDuration", Value: h.SegmentDuration.String(), Reason: "want a whole number of seconds"}
		}
		hv.SegmentDuration = liqFloat(seg)
		if hv.Segments == 0 {
			hv.Segments = 10
		}
		if hv.Segments < 1 {
			return nil, &ConfigError{Field: "HLS.Segments", Value: strconv.Itoa(h.Segments), Reason: "want at least 1"}
		}
		streams := h.Streams
		if len(streams) == 0 {
			streams = []HLSStream{{Name: "aac", Format: Format{Codec: AAC}}}
		}
		names := map[string]bool{}
		for i, st := range streams {
			field := fmt.Sprintf("HLS.Streams[%d]", i)
			if !validID(st.Name) || names[st.Name] {
				return nil, &ConfigError{Field: field + ".Name", Value: st.Name, Reason: "want a unique [a-z][a-z0-9_]*"}
			}
			names[st.Name] = true
			if st.Format.Codec != AAC && st.Format.Codec != MP3 {
				return nil, &ConfigError{Field: field + ".Format.Codec", Value: string(st.Format.Codec), Reason: "HLS takes aac or mp3"}
			}
			enc, _, err := encoder(field+".Format", st.Format, true)
			if err != nil {
				return nil, err
			}
			q, _ := quoteLiq(st.Name)
			hv.Streams = append(hv.Streams, hlsStreamView{Name: q, Encoder: enc})
		}
		v.HLS = hv
	}
	if v.Dummy {
		if err := useID("Dummy", "out"); err != nil {
			return nil, err
		}
	}
	if len(v.Icecast) == 0 && v.Archive == nil && v.HLS == nil && !v.Dummy {
		return nil, &ConfigError{Field: "Dummy", Reason: "no output: set Icecast, Archive, HLS or Dummy"}
	}
	return v, nil
}

// liqFloat writes d in seconds as a Liquidsoap float literal ("1.", "0.25").
func liqFloat(d time.Duration) string {
	s := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += "."
	}
	return s
}

// checkSecret validates a password that travels through the environment.
func checkSecret(field, s string) error {
	switch {
	case s == "":
		return &ConfigError{Field: field, Reason: "required"}
	case strings.ContainsRune(s, 0):
		return &ConfigError{Field: field, Reason: "contains NUL, which no environment variable can hold"}
	}
	return nil
}

// encoder returns the Liquidsoap encoder expression for f, and for Icecast
// the MIME type to declare where Liquidsoap cannot infer it. hls selects
// MPEG-TS rather than ADTS for AAC.
func encoder(field string, f Format, hls bool) (enc, mime string, err error) {
	br := f.Bitrate
	if br == 0 {
		br = 128
	}
	if br < 8 || br > 512 {
		return "", "", &ConfigError{Field: field + ".Bitrate", Value: strconv.Itoa(f.Bitrate), Reason: "want 8 to 512 kbit/s"}
	}
	switch f.Codec {
	case MP3, "":
		return fmt.Sprintf("%%mp3(bitrate=%d)", br), "", nil
	case Vorbis:
		return fmt.Sprintf("%%vorbis.cbr(bitrate=%d)", br), "", nil
	case Opus:
		return fmt.Sprintf("%%opus(bitrate=%d)", br), "", nil
	case AAC:
		format := "adts"
		if hls {
			format = "mpegts"
		}
		return fmt.Sprintf(`%%ffmpeg(format=%q, %%audio(codec="aac", b="%dk"))`, format, br), "audio/aac", nil
	case FLAC:
		return "%flac", "", nil
	}
	return "", "", &ConfigError{Field: field + ".Codec", Value: string(f.Codec), Reason: "want mp3, vorbis, opus, aac or flac"}
}

func encoderExt(field string, f Format) (enc, ext string, err error) {
	enc, _, err = encoder(field, f, false)
	if err != nil {
		return "", "", err
	}
	ext = map[Codec]string{"": "mp3", MP3: "mp3", Vorbis: "ogg", Opus: "opus", AAC: "aac", FLAC: "flac"}[f.Codec]
	return enc, ext, nil
}
