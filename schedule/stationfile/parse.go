package stationfile

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

// The station file as written. Arrays of tables are decoded element by
// element (toml.Primitive) so that an error names the element it is in.
type rawStation struct {
	Name       string           `toml:"name"`
	Slug       string           `toml:"slug"`
	Zone       string           `toml:"zone"`
	Weeks      int              `toml:"weeks"`
	Music      []toml.Primitive `toml:"music"`
	Programs   []toml.Primitive `toml:"programs"`
	Liquidsoap rawLiquidsoap    `toml:"liquidsoap"`
	Live       *rawLive         `toml:"live"`
	Outputs    rawOutputs       `toml:"outputs"`
	Record     *rawRecord       `toml:"record"`
	HTTP       rawHTTP          `toml:"http"`
	Monitor    rawMonitor       `toml:"monitor"`
	OnAir      *rawOnAir        `toml:"on_air"`
	Jingles    *rawJingles      `toml:"jingles"`
}

type rawMusic struct {
	Name       string `toml:"name"`
	Dir        string `toml:"dir"`
	Sequential bool   `toml:"sequential"`
	Tags       *bool  `toml:"tags"`
}

type rawProgram struct {
	Slug      string           `toml:"slug"`
	Title     string           `toml:"title"`
	Sounds    string           `toml:"sounds"`
	Active    *bool            `toml:"active"`
	Schedules []toml.Primitive `toml:"schedules"`
	// A live program: its source client's credentials.
	LiveUser        string `toml:"live_user"`
	LivePasswordEnv string `toml:"live_password_env"`
}

// Dates and times may be TOML's own local dates and times or strings.
type rawSchedule struct {
	Name      string     `toml:"name"`
	Date      any        `toml:"date"`
	Time      any        `toml:"time"`
	Duration  string     `toml:"duration"`
	Frequency string     `toml:"frequency"`
	Zone      string     `toml:"zone"`
	Reruns    []rawRerun `toml:"reruns"`
}

type rawRerun struct {
	Days int    `toml:"days"`
	Time any    `toml:"time"`
	Zone string `toml:"zone"`
}

type rawLiquidsoap struct {
	Binary    string `toml:"binary"`
	Dir       string `toml:"dir"`
	AllowRoot bool   `toml:"allow_root"`
	LogLevel  int    `toml:"log_level"`
}

type rawLive struct {
	Port        int    `toml:"port"`
	Mount       string `toml:"mount"`
	PasswordEnv string `toml:"password_env"`
	Buffer      string `toml:"buffer"`
	// Slots: the harbor takes the live programs' credentials during their
	// diffusions only; Grace: how long before a slot nobody came to is
	// MISSED.
	Slots bool   `toml:"slots"`
	Grace string `toml:"grace"`
}

type rawOutputs struct {
	Icecast []toml.Primitive `toml:"icecast"`
	Archive *rawArchive      `toml:"archive"`
	Dummy   bool             `toml:"dummy"`
}

type rawIcecast struct {
	Host        string `toml:"host"`
	Port        int    `toml:"port"`
	Mount       string `toml:"mount"`
	PasswordEnv string `toml:"password_env"`
	Codec       string `toml:"codec"`
	Bitrate     int    `toml:"bitrate"`
	Description string `toml:"description"`
	Genre       string `toml:"genre"`
	URL         string `toml:"url"`
}

type rawArchive struct {
	Dir     string `toml:"dir"`
	Codec   string `toml:"codec"`
	Bitrate int    `toml:"bitrate"`
}

type rawRecord struct {
	HLSDir          string `toml:"hls_dir"`
	Store           string `toml:"store"`
	Stream          string `toml:"stream"`
	SegmentDuration string `toml:"segment_duration"`
	Segments        int    `toml:"segments"`
	Codec           string `toml:"codec"`
	Bitrate         int    `toml:"bitrate"`
}

type rawHTTP struct {
	Listen string `toml:"listen"`
}

type rawMonitor struct {
	Delay         string `toml:"delay"`
	CancelTimeout string `toml:"cancel_timeout"`
	SyncInterval  string `toml:"sync_interval"`
}

// Parse checks the text of a station file. name is the file name its
// problems carry, dir the folder its relative paths resolve against
// (and whose sound folders it checks); env reads the environment for the
// secrets (nil means os.LookupEnv). It returns every error at once as an
// *Error, and the warnings beside a valid Station.
func Parse(name, dir string, src []byte, mode Mode, env func(string) (string, bool)) (*Station, []*Problem, error) {
	if env == nil {
		env = os.LookupEnv
	}
	p := &problems{file: name}
	if len(src) > MaxSize {
		p.errorf("", "%d bytes: a station file holds at most %d", len(src), MaxSize)
		return nil, nil, p.err()
	}
	var raw rawStation
	md, err := toml.Decode(string(src), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			p.errs = append(p.errs, &Problem{File: name, Line: pe.Position.Line, Msg: pe.Message})
			return nil, nil, p.err()
		}
		key, msg := tomlMessage(err)
		p.keys = locateKeys(string(src), md)
		p.errorf(key, "%s", msg)
		return nil, nil, p.err()
	}
	p.keys = locateKeys(string(src), md)
	c := &Station{File: name, Dir: dir, keys: p.keys}
	decode := func(prim toml.Primitive, field, key string, v any) bool {
		if err := md.PrimitiveDecode(prim, v); err != nil {
			k, msg := tomlMessage(err)
			f := field
			if rest, ok := strings.CutPrefix(k, key+"."); ok {
				f = field + "." + rest
			}
			p.errorf(f, "%s", msg)
			return false
		}
		return true
	}

	var musics []rawMusic
	for i, prim := range raw.Music {
		var m rawMusic
		if decode(prim, fmt.Sprintf("music[%d]", i), "music", &m) {
			musics = append(musics, m)
		} else {
			musics = append(musics, rawMusic{})
		}
	}
	type progRaw struct {
		rawProgram
		schedules []rawSchedule
		ok        []bool
	}
	var progs []progRaw
	for i, prim := range raw.Programs {
		var pr progRaw
		field := fmt.Sprintf("programs[%d]", i)
		decode(prim, field, "programs", &pr.rawProgram)
		for j, sp := range pr.Schedules {
			var s rawSchedule
			ok := decode(sp, fmt.Sprintf("%s.schedules[%d]", field, j), "programs.schedules", &s)
			pr.schedules = append(pr.schedules, s)
			pr.ok = append(pr.ok, ok)
		}
		progs = append(progs, pr)
	}
	var icecasts []rawIcecast
	for i, prim := range raw.Outputs.Icecast {
		var ic rawIcecast
		decode(prim, fmt.Sprintf("outputs.icecast[%d]", i), "outputs.icecast", &ic)
		icecasts = append(icecasts, ic)
	}
	// Unknown keys: a typo must not silently become a default.
	undecoded := map[string]bool{}
	for _, k := range md.Undecoded() {
		undecoded[k.String()] = true
	}
	for _, lk := range p.keys.order {
		if !undecoded[lk.key] {
			continue
		}
		if i := strings.LastIndexByte(lk.key, '.'); i >= 0 && undecoded[lk.key[:i]] {
			continue // inside an unknown table: its table is reported
		}
		p.errs = append(p.errs, &Problem{File: name, Line: lk.line, Field: lk.path, Msg: "unknown field"})
	}
	if len(p.errs) > 0 {
		return nil, nil, p.err()
	}

	// The station.
	if raw.Name == "" {
		p.errorf("name", "required")
	} else {
		checkOneLine(p, "name", raw.Name)
	}
	c.Name = raw.Name
	c.Slug = raw.Slug
	if c.Slug == "" {
		c.Slug = slugify(raw.Name)
		if c.Slug == "" && raw.Name != "" {
			p.errorf("slug", "required: the name has no letter or digit to make one from")
		}
	} else if !slugRe.MatchString(c.Slug) {
		p.errorf("slug", "%q: want lower-case letters, digits, '-' and '_', starting with a letter or digit", c.Slug)
	}
	c.Zone = raw.Zone
	if raw.Zone == "" {
		p.errorf("zone", "required: the IANA time zone of the station, such as \"Europe/Paris\"")
	} else if c.Location, err = schedule.LoadZone(raw.Zone); err != nil {
		p.errorf("zone", "unknown time zone %q: want an IANA name such as \"Europe/Paris\"", raw.Zone)
	}
	c.Weeks = raw.Weeks
	switch {
	case raw.Weeks == 0 && !md.IsDefined("weeks"):
		c.Weeks = defaultWeeks
	case raw.Weeks < 1 || raw.Weeks > 52:
		p.errorf("weeks", "%d: want 1 to 52", raw.Weeks)
	}

	slugs := map[string]string{} // program slug → field, music and programs share the store's table
	for i, m := range musics {
		field := fmt.Sprintf("music[%d]", i)
		mc := Music{Field: field, Name: m.Name, Sequential: m.Sequential, Tags: m.Tags == nil || *m.Tags}
		if m.Name == "" {
			p.errorf(field+".name", "required")
		} else if other, dup := slugs[m.Name]; dup {
			p.errorf(field+".name", "%q is also the name of %s", m.Name, other)
		} else {
			slugs[m.Name] = field
		}
		mc.Dir = checkDir(p, dir, field+".dir", m.Dir, true, mode)
		c.Music = append(c.Music, mc)
	}

	for i, pr := range progs {
		field := fmt.Sprintf("programs[%d]", i)
		pc := Program{Field: field, Slug: pr.Slug, Title: pr.Title, Active: pr.Active == nil || *pr.Active}
		switch {
		case pr.Slug == "":
			p.errorf(field+".slug", "required: the program's stable name, such as \"morning-show\"")
		case !slugRe.MatchString(pr.Slug):
			p.errorf(field+".slug", "%q: want lower-case letters, digits, '-' and '_', starting with a letter or digit", pr.Slug)
		default:
			if other, dup := slugs[pr.Slug]; dup {
				p.errorf(field+".slug", "%q is also the name of %s", pr.Slug, other)
			}
			slugs[pr.Slug] = field
		}
		if pc.Title == "" {
			pc.Title = pr.Slug
		}
		checkOneLine(p, field+".title", pc.Title)
		if pr.Sounds != "" {
			pc.Sounds = checkDir(p, dir, field+".sounds", pr.Sounds, false, mode)
		}
		names := map[string]bool{}
		for j, rs := range pr.schedules {
			sf := fmt.Sprintf("%s.schedules[%d]", field, j)
			if !pr.ok[j] {
				continue
			}
			if rs.Name == "" && len(pr.schedules) > 1 {
				p.errorf(sf+".name", "required when a program has several schedules: it tells them apart from one import to the next")
			} else if names[rs.Name] {
				p.errorf(sf+".name", "%q is used by another schedule of this program", rs.Name)
			}
			names[rs.Name] = true
			checkOneLine(p, sf+".name", rs.Name)
			if s, ok := buildSchedule(p, sf, rs, raw.Zone); ok {
				pc.Schedules = append(pc.Schedules, Schedule{Field: sf, Schedule: s})
			}
		}
		if len(pr.schedules) == 0 && pc.Active {
			p.warnf(field, "no schedule: the program never airs")
		}
		c.Programs = append(c.Programs, pc)
	}

	// Liquidsoap.
	c.Binary = raw.Liquidsoap.Binary
	if c.Binary == "" {
		c.Binary = "liquidsoap"
	}
	c.LiquidsoapDir = resolve(dir, raw.Liquidsoap.Dir, "liquidsoap")
	st := &streamer.Station{
		Name:      raw.Name,
		Socket:    filepath.Join(c.LiquidsoapDir, "liquidsoap.sock"),
		AllowRoot: raw.Liquidsoap.AllowRoot,
		LogLevel:  raw.Liquidsoap.LogLevel,
		Dummy:     raw.Outputs.Dummy,
	}
	for _, m := range c.Music {
		st.Playlists = append(st.Playlists, streamer.Playlist{ID: m.Name, Path: filepath.Join(c.LiquidsoapDir, "playlists", m.Name+".m3u"), Sequential: m.Sequential})
	}
	secret := func(field, name string) string {
		if name == "" {
			p.errorf(field, "required: the name of the environment variable holding the password (the file holds no secret)")
			return ""
		}
		v, ok := env(name)
		if !ok || v == "" {
			if mode == ForRun {
				p.errorf(field, "$%s is not set", name)
				return ""
			}
			p.warnf(field, "$%s is not set: radio run will need it", name)
			return "unset" // stands in for the check of the other fields
		}
		return v
	}
	if l := raw.Live; l != nil {
		live := &streamer.Live{Port: l.Port, Mount: l.Mount, Slots: l.Slots}
		if !l.Slots || l.PasswordEnv != "" {
			live.Password = secret("live.password_env", l.PasswordEnv)
		}
		if l.Buffer != "" {
			live.Buffer = parseDuration(p, "live.buffer", l.Buffer)
		}
		st.Live = live
	}
	for i, ic := range icecasts {
		field := fmt.Sprintf("outputs.icecast[%d]", i)
		st.Icecast = append(st.Icecast, streamer.Icecast{Host: ic.Host, Port: ic.Port, Mount: ic.Mount,
			Password: secret(field+".password_env", ic.PasswordEnv), Format: format(p, field, ic.Codec, ic.Bitrate),
			Description: ic.Description, Genre: ic.Genre, URL: ic.URL})
	}
	if a := raw.Outputs.Archive; a != nil {
		st.Archive = &streamer.Archive{Dir: resolve(dir, a.Dir, ""), Format: format(p, "outputs.archive", a.Codec, a.Bitrate)}
		if a.Dir == "" {
			p.errorf("outputs.archive.dir", "required")
		}
	}
	if r := raw.Record; r != nil {
		rc := &Record{HLSDir: resolve(dir, r.HLSDir, "hls"), Stream: r.Stream, Playlist: hlsPlaylist}
		rc.Store = r.Store
		switch {
		case rc.Store == "":
			rc.Store = filepath.Join(dir, "segments")
		case !strings.Contains(rc.Store, "://"):
			rc.Store = resolve(dir, rc.Store, "")
		}
		if rc.Stream == "" {
			rc.Stream = c.Slug
		}
		if err := archive.ValidateComponent("stream", rc.Stream); err != nil {
			p.errorf("record.stream", "%q: not usable as an archive folder name", rc.Stream)
		}
		seg := defaultSegment
		if r.SegmentDuration != "" {
			seg = parseDuration(p, "record.segment_duration", r.SegmentDuration)
		}
		segs := r.Segments
		if segs == 0 {
			segs = defaultSegments
		}
		codec := r.Codec
		if codec == "" {
			codec = string(streamer.AAC)
		}
		f := format(p, "record", codec, r.Bitrate)
		st.HLS = &streamer.HLS{Dir: rc.HLSDir, Playlist: hlsPlaylist, SegmentDuration: seg, Segments: segs,
			Streams: []streamer.HLSStream{{Name: string(f.Codec), Format: f}}}
		c.Record = rc
	}
	rawProgs := make([]rawProgram, len(progs))
	for i := range progs {
		rawProgs[i] = progs[i].rawProgram
	}
	parseOnAir(p, dir, &raw, rawProgs, st, c, mode, secret)
	c.Listen = raw.HTTP.Listen
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		p.errorf("http.listen", "%q: want host:port, such as \"127.0.0.1:8080\"", c.Listen)
	}
	c.Delay = time.Second
	if raw.Monitor.Delay != "" {
		if c.Delay = parseDuration(p, "monitor.delay", raw.Monitor.Delay); c.Delay <= 0 {
			p.errorf("monitor.delay", "%q: want a positive duration", raw.Monitor.Delay)
		}
	}
	c.CancelTimeout = optDuration(p, "monitor.cancel_timeout", raw.Monitor.CancelTimeout, 20*time.Minute)
	c.SyncInterval = optDuration(p, "monitor.sync_interval", raw.Monitor.SyncInterval, 5*time.Minute)

	// The graph: streamer checks what reaches the script (escaping, ids,
	// codecs); its errors are mapped back to the file's keys.
	if len(p.errs) == 0 {
		if err := st.Validate(); err != nil {
			var ce *streamer.ConfigError
			switch {
			case errors.As(err, &ce) && ce.Field == "Socket" && len(st.Socket) > streamer.MaxSocketPath:
				// The folder is what the file sets: say so in its terms.
				p.errorf("liquidsoap.dir", "the command socket %s would be %d bytes long, over the %d a unix socket path may have: choose a shorter folder",
					st.Socket, len(st.Socket), streamer.MaxSocketPath)
			case errors.As(err, &ce):
				msg := ce.Reason
				if ce.Err != nil {
					msg = strings.TrimPrefix(msg+": "+ce.Err.Error(), ": ")
				}
				if ce.Value != "" {
					msg = fmt.Sprintf("%q: %s", ce.Value, msg)
				}
				p.errorf(streamerField(ce.Field), "%s", msg)
			default:
				p.errorf("", "%v", err)
			}
		}
	}
	c.Streamer = st
	if err := p.err(); err != nil {
		return nil, nil, err
	}
	return c, p.warns, nil
}

// buildSchedule turns a schedule as written into a schedule.Schedule and
// checks it with schedule's own rules.
func buildSchedule(p *problems, field string, rs rawSchedule, stationZone string) (schedule.Schedule, bool) {
	n := len(p.errs)
	s := schedule.Schedule{Name: rs.Name, Zone: rs.Zone}
	if s.Zone == "" {
		s.Zone = stationZone
	}
	if rs.Date == nil {
		p.errorf(field+".date", "required: the date of the first diffusion, YYYY-MM-DD")
	} else if d, err := dateValue(rs.Date); err != nil {
		p.errorf(field+".date", "%v", err)
	} else {
		s.Date = d
	}
	if rs.Time == nil {
		p.errorf(field+".time", "required: the local start time, HH:MM or HH:MM:SS")
	} else if t, err := timeValue(rs.Time); err != nil {
		p.errorf(field+".time", "%v", err)
	} else {
		s.Time = t
	}
	if rs.Duration == "" {
		p.errorf(field+".duration", "required, such as \"1h\", \"90m\" or \"01:30\"")
	} else {
		s.Duration = parseDuration(p, field+".duration", rs.Duration)
	}
	if rs.Frequency == "" {
		p.errorf(field+".frequency", "required: one of %s", frequencyNames())
	} else if f, err := schedule.ParseFrequency(rs.Frequency); err != nil {
		p.errorf(field+".frequency", "%q: want one of %s", rs.Frequency, frequencyNames())
	} else {
		s.Frequency = f
	}
	for i, r := range rs.Reruns {
		rf := fmt.Sprintf("%s.reruns[%d]", field, i)
		rr := schedule.Rerun{Days: r.Days, Zone: r.Zone}
		if r.Time == nil {
			p.errorf(rf+".time", "required")
		} else if t, err := timeValue(r.Time); err != nil {
			p.errorf(rf+".time", "%v", err)
		} else {
			rr.Time = t
		}
		s.Reruns = append(s.Reruns, rr)
	}
	if len(p.errs) > n {
		return s, false
	}
	if err := s.Validate(); err != nil {
		var fe *schedule.FieldError
		if errors.As(err, &fe) {
			f := field + "." + snakePath(fe.Field)
			msg := fe.Reason
			var pe *schedule.ParseError
			if fe.Field == "Zone" || strings.HasSuffix(fe.Field, ".Zone") || errors.As(fe.Err, &pe) && pe.Kind == "zone" {
				msg = "unknown time zone: want an IANA name such as \"Europe/Paris\""
			} else if fe.Err != nil {
				msg += ": " + fe.Err.Error()
			}
			p.errorf(f, "%s", msg)
		} else {
			p.errorf(field, "%v", err)
		}
		return s, false
	}
	return s, true
}

var (
	slugRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	tomlKeyRe   = regexp.MustCompile(`\(last key "([^"]*)"\): `)
	tomlTypesRe = regexp.MustCompile(`incompatible types: TOML value has type ([^;]+); destination has type (.+)$`)
)

// tomlMessage extracts the key and the message of a decoding error of
// BurntSushi/toml, whose own line number may be wrong (see keyLines).
func tomlMessage(err error) (key, msg string) {
	msg = err.Error()
	if m := tomlKeyRe.FindStringSubmatchIndex(msg); m != nil {
		key = msg[m[2]:m[3]]
		msg = msg[m[1]:]
	}
	msg = strings.TrimPrefix(msg, "toml: ")
	if m := tomlTypesRe.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("want %s, not %s", typeWord(m[2]), typeWord(m[1]))
	}
	return key, msg
}

func typeWord(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool" || goType == "boolean":
		return "true or false"
	case strings.HasPrefix(goType, "[]") || goType == "slice" || goType == "array":
		return "a list"
	case strings.HasPrefix(goType, "map") || goType == "struct" || strings.HasPrefix(goType, "main."):
		return "a table"
	case strings.Contains(goType, "time.Time"):
		return "a date or time"
	}
	return goType
}

// streamerField maps a streamer.ConfigError field (a Go selector from
// Station) to the station file key that set it.
func streamerField(f string) string {
	repl := []struct{ from, to string }{
		{"Playlists[", "music["}, {"Icecast[", "outputs.icecast["}, {"Archive.", "outputs.archive."},
		{"HLS.Streams[0].Format.", "record."}, {"HLS.Streams[0].", "record."}, {"HLS.Dir", "record.hls_dir"},
		{"HLS.", "record."}, {"Live.", "live."}, {"Format.", ""}, {"Password", "password_env"},
		{"Socket", "liquidsoap.dir"}, {"LogLevel", "liquidsoap.log_level"}, {"Dummy", "outputs"},
		{"DeadAir.Threshold", "on_air.dead_air_threshold"}, {"DeadAir.Duration", "on_air.dead_air_duration"},
		{"DeadAir.Emergency", "on_air.emergency"}, {"Crossfade", "on_air.crossfade"},
		{"Jingles.Path", "jingles.dir"}, {"Jingles.Every", "jingles.every"}, {"Jingles.At", "jingles.at"}, {"Jingles", "jingles"},
	}
	for _, r := range repl {
		f = strings.ReplaceAll(f, r.from, r.to)
	}
	if strings.HasPrefix(f, "music[") && strings.HasSuffix(f, ".Path") {
		return "liquidsoap.dir" // the m3u is written there
	}
	f = strings.Replace(f, "].ID", "].name", 1)
	return snakePath(f)
}

// snakePath writes each part of a Go selector in snake case:
// "Reruns[1].Days" → "reruns[1].days".
func snakePath(f string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range f {
		if unicode.IsUpper(r) {
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
			continue
		}
		b.WriteRune(r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	return b.String()
}

// checkOneLine refuses control characters in names and titles: they are
// shown on one line (as-run exports, the page, Liquidsoap's metadata).
func checkOneLine(p *problems, field, s string) {
	for i, r := range s {
		if unicode.IsControl(r) {
			p.errorf(field, "contains %s at byte %d: a name is one line of text", streamer.CharName(r), i)
			return
		}
	}
}

// checkDir resolves a folder of the file and checks that it exists: an
// error for an import, which reads it; a warning for a run, which plays
// what the store holds and must not stay off air for one missing folder
// (the monitor marks the sounds whose files are gone).
func checkDir(p *problems, base, field, v string, required bool, mode Mode) string {
	if v == "" {
		if required {
			p.errorf(field, "required")
		}
		return ""
	}
	report := p.errorf
	if mode == ForRun {
		report = p.warnf
	}
	d := resolve(base, v, "")
	fi, err := os.Stat(d)
	switch {
	case errors.Is(err, os.ErrNotExist):
		report(field, "folder %s does not exist", d)
	case err != nil:
		report(field, "%v", err)
	case !fi.IsDir():
		report(field, "%s is not a folder", d)
	}
	return d
}

// resolve makes v absolute against base; "" means def (itself resolved),
// or "" when def is "".
func resolve(base, v, def string) string {
	if v == "" {
		v = def
	}
	if v == "" {
		return ""
	}
	if strings.HasPrefix(v, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			v = filepath.Join(home, v[2:])
		}
	}
	if !filepath.IsAbs(v) {
		v = filepath.Join(base, v)
	}
	return filepath.Clean(v)
}

func parseDuration(p *problems, field, v string) time.Duration {
	d, err := schedule.ParseDuration(v)
	if err != nil {
		p.errorf(field, "%q: want a duration such as \"90s\", \"1h30m\" or \"01:30\"", v)
	}
	return d
}

// optDuration reads an optional duration; "never" means negative, which
// the monitor reads as "never".
func optDuration(p *problems, field, v string, def time.Duration) time.Duration {
	switch v {
	case "":
		return def
	case "never":
		return -1
	}
	d := parseDuration(p, field, v)
	if d <= 0 && len(p.errs) == 0 {
		p.errorf(field, "%q: want a positive duration, or \"never\"", v)
	}
	return d
}

func format(p *problems, field, codec string, bitrate int) streamer.Format {
	f := streamer.Format{Codec: streamer.Codec(codec), Bitrate: bitrate}
	switch f.Codec {
	case "", streamer.MP3, streamer.Vorbis, streamer.Opus, streamer.AAC, streamer.FLAC:
	default:
		p.errorf(field+".codec", "%q: want mp3, vorbis, opus, aac or flac", codec)
	}
	if bitrate < 0 {
		p.errorf(field+".bitrate", "%d: want kbit/s, such as 128", bitrate)
	}
	return f
}

// dateValue reads a date written as a TOML local date or a string.
func dateValue(v any) (schedule.Date, error) {
	switch v := v.(type) {
	case string:
		d, err := schedule.ParseDate(v)
		if err != nil {
			return d, fmt.Errorf("%q: want a date such as 2026-11-23", v)
		}
		return d, nil
	case time.Time:
		if v.Hour() != 0 || v.Minute() != 0 || v.Second() != 0 || v.Nanosecond() != 0 {
			return schedule.Date{}, fmt.Errorf("want a date, not a date and time")
		}
		return schedule.Date{Year: v.Year(), Month: v.Month(), Day: v.Day()}, nil
	}
	return schedule.Date{}, fmt.Errorf("want a date such as 2026-11-23, not %s", tomlTypeOf(v))
}

// timeValue reads a time of day written as a TOML local time or a string.
func timeValue(v any) (schedule.TimeOfDay, error) {
	switch v := v.(type) {
	case string:
		t, err := schedule.ParseTimeOfDay(v)
		if err != nil {
			return t, fmt.Errorf("%q: want a time such as 08:00 or 08:00:30", v)
		}
		return t, nil
	case time.Time:
		if v.Year() != 0 || v.Nanosecond() != 0 {
			return schedule.TimeOfDay{}, fmt.Errorf("want a time of day such as 08:00, to the second")
		}
		return schedule.TimeOfDay{Hour: v.Hour(), Minute: v.Minute(), Second: v.Second()}, nil
	}
	return schedule.TimeOfDay{}, fmt.Errorf("want a time such as 08:00, not %s", tomlTypeOf(v))
}

func tomlTypeOf(v any) string {
	switch v.(type) {
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case bool:
		return "true or false"
	case []any, []map[string]any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// slugify makes a slug from a name: lower-case ASCII letters and digits,
// other runs of characters become one '-'.
func slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	s := b.String()
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	return s
}

func frequencyNames() string {
	var names []string
	for _, f := range schedule.Frequencies() {
		names = append(names, f.String())
	}
	return strings.Join(names, ", ")
}
