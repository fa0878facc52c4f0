package stationfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// stationDir makes the folders a station file refers to.
func stationDir(t *testing.T, dirs ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range dirs {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	return dir
}

func TestExampleStationFile(t *testing.T) {
	src, err := os.ReadFile("testdata/station.toml")
	require.NoError(t, err)
	dir := stationDir(t, "music", "shows/morning", "jingles", "emergency")
	for _, f := range []string{"jingles/id.mp3", "emergency/loop.mp3"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644))
	}
	secrets := env(map[string]string{"RADIO_LIVE_PASSWORD": "l1ve", "RADIO_ICECAST_PASSWORD": "h4ck"})
	c, warns, err := Parse("station.toml", dir, src, ForRun, secrets)
	require.NoError(t, err)
	require.Empty(t, warns)

	require.Equal(t, "Radio Example", c.Name)
	require.Equal(t, "example", c.Slug)
	require.Equal(t, "Europe/Paris", c.Location.String())
	require.Equal(t, 4, c.Weeks)
	require.Equal(t, []Music{{Field: "music[0]", Name: "music", Dir: filepath.Join(dir, "music"), Tags: true}}, c.Music)
	require.Len(t, c.Programs, 2)
	morning := c.Programs[0]
	require.Equal(t, `The Morning "Show"`, morning.Title)
	require.Equal(t, filepath.Join(dir, "shows/morning"), morning.Sounds)
	require.Len(t, morning.Schedules, 2)
	wd := morning.Schedules[0].Schedule
	require.Equal(t, schedule.Schedule{Name: "weekdays", Date: schedule.Date{Year: 2026, Month: 11, Day: 23},
		Time: schedule.TimeOfDay{Hour: 8}, Zone: "Europe/Paris", Duration: time.Hour, Frequency: schedule.Every,
		Reruns: []schedule.Rerun{{Days: 0, Time: schedule.TimeOfDay{Hour: 20}}}}, wd)
	sat := morning.Schedules[1].Schedule
	require.Equal(t, 90*time.Minute, sat.Duration)
	require.Equal(t, schedule.FirstAndThird, sat.Frequency)
	live := c.Programs[1]
	require.Empty(t, live.Sounds)
	require.Equal(t, "Europe/Brussels", live.Schedules[0].Schedule.Zone)
	require.Equal(t, "", live.Schedules[0].Schedule.Name)

	st := c.Streamer
	require.Equal(t, filepath.Join(dir, "liquidsoap", "liquidsoap.sock"), st.Socket)
	require.Equal(t, []streamer.Playlist{{ID: "music", Path: filepath.Join(dir, "liquidsoap", "playlists", "music.m3u")}}, st.Playlists)
	require.True(t, st.Live.Slots)
	require.Equal(t, []LiveProgram{{Slug: "live-session", Credentials: schedule.LiveCredentials{User: "session", Password: "l1ve"}}}, c.Live)
	require.Equal(t, 5*time.Minute, c.LiveGrace)
	require.Equal(t, &streamer.DeadAir{Threshold: -40, Duration: 10 * time.Second, Emergency: filepath.Join(dir, "emergency")}, st.DeadAir)
	require.Equal(t, &streamer.Jingles{Path: filepath.Join(dir, "jingles"), Every: 4, At: []time.Duration{0, 30 * time.Minute}}, st.Jingles)
	require.Equal(t, 2*time.Second, st.Crossfade)
	require.Equal(t, "h4ck", st.Icecast[0].Password)
	require.Equal(t, filepath.Join(dir, "logger"), st.Archive.Dir)
	require.Equal(t, filepath.Join(dir, "hls"), st.HLS.Dir)
	require.Equal(t, 2*time.Second, st.HLS.SegmentDuration)
	require.Equal(t, []streamer.HLSStream{{Name: "aac", Format: streamer.Format{Codec: streamer.AAC, Bitrate: 128}}}, st.HLS.Streams)
	require.Equal(t, &Record{HLSDir: filepath.Join(dir, "hls"), Store: filepath.Join(dir, "segments"), Stream: "example", Playlist: "live.m3u8"}, c.Record)
	require.Equal(t, "127.0.0.1:8080", c.Listen)
	require.Equal(t, 20*time.Minute, c.CancelTimeout)

	// The secrets never reach the script.
	script, err := st.Script()
	require.NoError(t, err)
	require.NotContains(t, string(script), "h4ck")
	require.NotContains(t, string(script), "l1ve")

	// For an import, a missing secret is only a warning.
	_, warns, err = Parse("station.toml", dir, src, ForImport, env(nil))
	require.NoError(t, err)
	require.Len(t, warns, 2)
	require.Equal(t, "programs[1].live_password_env", warns[1].Field)
	require.Equal(t, lineOf(string(src), `live_password_env = "RADIO_LIVE_PASSWORD"`, 1), warns[1].Line)
	_, _, err = Parse("station.toml", dir, src, ForRun, env(nil))
	var le *Error
	require.ErrorAs(t, err, &le)
	require.Len(t, le.Problems, 2)
	require.Equal(t, fmt.Sprintf("station.toml:%d: outputs.icecast[0].password_env: $RADIO_ICECAST_PASSWORD is not set",
		lineOf(string(src), `password_env = "RADIO_ICECAST_PASSWORD"`, 1)), le.Problems[0].Error())
}

// minimal is a valid station; tests append to it.
const minimal = `name = "Test"
zone = "UTC"
outputs = { dummy = true }
`

// lineOf returns the line of src holding the nth (from 1) occurrence of s.
func lineOf(src, s string, nth int) int {
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) {
			if nth--; nth == 0 {
				return i + 1
			}
		}
	}
	return 0
}

const musicSrc = "[[music]]\nname = \"music\"\ndir = \"music\"\n"

func TestStationFileErrors(t *testing.T) {
	prog := func(slug, extra string) string {
		return "\n[[programs]]\nslug = \"" + slug + "\"\n" + extra
	}
	sched := "  [[programs.schedules]]\n  date = \"2026-11-23\"\n  time = \"08:00\"\n  duration = \"1h\"\n  frequency = \"every\"\n"
	noOutputs := "name = \"Test\"\nzone = \"UTC\"\n"
	tests := []struct {
		name  string
		src   string
		at    string // the error's line holds this (0: no line)
		nth   int    // which occurrence of at; 0 means 1
		field string
		msg   string
	}{
		{name: "syntax", src: minimal + "slug = \n", at: "slug =", field: "", msg: "expected value"},
		{name: "unknown top-level field", src: minimal + "colour = \"red\"\n", at: "colour", field: "colour", msg: "unknown field"},
		{name: "unknown field in a table", src: minimal + "[liquidsoap]\nallow_rot = true\n", at: "allow_rot", field: "liquidsoap.allow_rot", msg: "unknown field"},
		{name: "unknown field in the second program", src: minimal + prog("a", sched) + prog("b", "  tittle = \"B\"\n"),
			at: "tittle", field: "programs[1].tittle", msg: "unknown field"},
		{name: "unknown field in a schedule", src: minimal + prog("a", sched+"  [[programs.schedules]]\n  name = \"x\"\n  weekday = 3\n"),
			at: "weekday", field: "programs[0].schedules[1].weekday", msg: "unknown field"},
		{name: "unknown table", src: minimal + "[cdn]\nurl = \"x\"\n", at: "[cdn]", field: "cdn", msg: "unknown field"},
		{name: "wrong type in the second program", src: minimal + prog("a", sched) + prog("b", "active = \"yes\"\n"),
			at: "active", field: "programs[1].active", msg: "want true or false, not a string"},
		{name: "wrong type at top level", src: minimal + "weeks = \"4\"\n", at: "weeks", field: "weeks", msg: "want an integer, not a string"},
		{name: "no name", src: "zone = \"UTC\"\noutputs = { dummy = true }\n", field: "name", msg: "required"},
		{name: "no zone", src: "name = \"x\"\noutputs = { dummy = true }\n", field: "zone", msg: "required"},
		{name: "bad zone", src: strings.Replace(minimal, "UTC", "Europe/Pari", 1), at: "Europe/Pari", field: "zone", msg: `unknown time zone "Europe/Pari"`},
		{name: "bad schedule zone", src: minimal + prog("a", sched+"  zone = \"Mars/Olympus\"\n"), at: "Mars", field: "programs[0].schedules[0].zone", msg: "unknown time zone"},
		{name: "bad rerun zone", src: minimal + prog("a", sched+"  reruns = [{days = 1, time = \"20:00\", zone = \"Nowhere\"}]\n"),
			at: "Nowhere", field: "programs[0].schedules[0].reruns[0].zone", msg: "unknown time zone"},
		{name: "bad frequency", src: minimal + prog("a", strings.Replace(sched, "every", "weekly", 1)), at: "weekly", field: "programs[0].schedules[0].frequency", msg: `"weekly": want one of`},
		{name: "bad date", src: minimal + prog("a", strings.Replace(sched, "2026-11-23", "2026-02-30", 1)), at: "2026-02-30", field: "programs[0].schedules[0].date", msg: "want a date"},
		{name: "bad time", src: minimal + prog("a", strings.Replace(sched, "08:00", "8h", 1)), at: "8h", field: "programs[0].schedules[0].time", msg: "want a time"},
		{name: "date as a number", src: minimal + prog("a", strings.Replace(sched, `"2026-11-23"`, "20261123", 1)), at: "20261123", field: "programs[0].schedules[0].date", msg: "not an integer"},
		{name: "zero duration", src: minimal + prog("a", strings.Replace(sched, `"1h"`, `"0s"`, 1)), at: "0s", field: "programs[0].schedules[0].duration", msg: ""},
		{name: "missing sound folder", src: minimal + prog("a", "sounds = \"shows/nope\"\n"+sched), at: "shows/nope", field: "programs[0].sounds", msg: "shows/nope does not exist"},
		{name: "sound folder is a file", src: minimal + prog("a", "sounds = \"station.toml\"\n"+sched), at: "sounds", field: "programs[0].sounds", msg: "is not a folder"},
		{name: "missing music folder", src: minimal + "[[music]]\nname = \"music\"\ndir = \"nope\"\n", at: "nope", field: "music[0].dir", msg: "does not exist"},
		{name: "title with a newline", src: minimal + prog("a", "title = \"Morning\\nShow\"\n"+sched), at: "Morning", field: "programs[0].title", msg: "U+000A (LF)"},
		{name: "title with a carriage return", src: minimal + prog("a", "title = \"Morning\\rdealer.skip\"\n"+sched), at: "Morning", field: "programs[0].title", msg: "U+000D (CR)"},
		{name: "station name with a newline", src: strings.Replace(minimal, `"Test"`, `"Radio\nExample"`, 1), at: "Radio", field: "name", msg: "U+000A (LF)"},
		{name: "station name with code", src: strings.Replace(minimal, `"Test"`, `"Radio #{process.run('id')}"`, 1), at: "Radio", field: "name", msg: "evaluate as code"},
		{name: "duplicate program", src: minimal + prog("a", sched) + prog("a", sched), at: `slug = "a"`, nth: 2, field: "programs[1].slug", msg: "also the name of programs[0]"},
		{name: "program named like the music", src: minimal + "[[music]]\nname = \"music\"\ndir = \"music\"\n" + prog("music", sched), at: `slug = "music"`, field: "programs[0].slug", msg: "also the name of music[0]"},
		{name: "bad slug", src: minimal + prog("Morning Show", sched), at: "Morning Show", field: "programs[0].slug", msg: "want lower-case letters"},
		{name: "unnamed schedules", src: minimal + prog("a", sched+sched), at: "[[programs.schedules]]", field: "programs[0].schedules[0].name", msg: "required when a program has several schedules"},
		{name: "duplicate schedule names", src: minimal + prog("a", sched+"  name = \"x\"\n"+sched+"  name = \"x\"\n"), at: `name = "x"`, nth: 2, field: "programs[0].schedules[1].name", msg: "used by another schedule"},
		{name: "bad music name", src: minimal + "[[music]]\nname = \"Music\"\ndir = \"music\"\n", at: `"Music"`, field: "music[0].name", msg: "Music"},
		{name: "reserved music name", src: minimal + "[[music]]\nname = \"request\"\ndir = \"music\"\n", at: `"request"`, field: "music[0].name", msg: "reserved"},
		{name: "no output", src: noOutputs, field: "outputs", msg: "no output"},
		{name: "bad codec", src: minimal + "[record]\ncodec = \"opus\"\n", at: "opus", field: "record.codec", msg: "HLS takes aac or mp3"},
		{name: "bad segment duration", src: minimal + "[record]\nsegment_duration = \"1.5s\"\n", at: "1.5s", field: "record.segment_duration", msg: "whole number of seconds"},
		{name: "icecast without password", src: noOutputs + "[[outputs.icecast]]\nmount = \"/radio.mp3\"\n", at: "[[outputs.icecast]]", field: "outputs.icecast[0].password_env", msg: "required"},
		{name: "bad listen", src: minimal + "[http]\nlisten = \"8080\"\n", at: "8080", field: "http.listen", msg: "want host:port"},
		{name: "long socket path", src: minimal + "[liquidsoap]\ndir = \"" + strings.Repeat("x", 120) + "\"\n", at: "xxxx", field: "liquidsoap.dir", msg: "liquidsoap.sock would be"},
		{name: "socket path with code", src: minimal + "[liquidsoap]\ndir = \"#{x}\"\n", at: "#{x}", field: "liquidsoap.dir", msg: "evaluate as code"},
		{name: "never as delay", src: minimal + "[monitor]\ndelay = \"never\"\n", at: "never", field: "monitor.delay", msg: "want a duration"},
		{name: "dead air threshold", src: minimal + "[on_air]\ndead_air_threshold = -3.0\n", at: "-3.0", field: "on_air.dead_air_threshold", msg: "want -90 to -10"},
		{name: "dead air threshold too low", src: minimal + "[on_air]\ndead_air_threshold = -100\n", at: "-100", field: "on_air.dead_air_threshold", msg: "want -90 to -10"},
		{name: "dead air duration", src: minimal + "[on_air]\ndead_air_duration = \"1h\"\n", at: "1h", field: "on_air.dead_air_duration", msg: "want 1s to 10m"},
		{name: "crossfade", src: minimal + "[on_air]\ncrossfade = \"1m\"\n", at: "1m", field: "on_air.crossfade", msg: "want 0 to 30s"},
		{name: "missing emergency folder", src: minimal + "[on_air]\nemergency = \"nope\"\n", at: "nope", field: "on_air.emergency", msg: "does not exist"},
		{name: "empty emergency folder", src: minimal + "[on_air]\nemergency = \"music\"\n", at: "emergency", field: "on_air.emergency", msg: "holds no sound"},
		{name: "webhook", src: minimal + "[on_air]\nwebhook = \"ops.example\"\n", at: "webhook", field: "on_air.webhook", msg: "want an http or https URL"},
		{name: "missing jingle folder", src: minimal + musicSrc + "[jingles]\ndir = \"nope\"\nevery = 3\n", at: "nope", field: "jingles.dir", msg: "does not exist"},
		{name: "empty jingle folder", src: minimal + musicSrc + "[jingles]\ndir = \"music\"\nevery = 3\n", at: `dir = "music"`, nth: 2, field: "jingles.dir", msg: "holds no sound"},
		{name: "jingles without rule", src: minimal + musicSrc + "[jingles]\ndir = \"full\"\n", at: "[jingles]", field: "jingles", msg: "set every"},
		{name: "jingle minute", src: minimal + musicSrc + "[jingles]\ndir = \"full\"\nat = [\":60\"]\n", at: ":60", field: "jingles.at[0]", msg: "minute of the hour"},
		{name: "jingles without music", src: minimal + "[jingles]\ndir = \"full\"\nevery = 2\n", at: "[jingles]", field: "jingles", msg: "add a [[music]]"},
		{name: "overlapping live slots", src: minimal + "[live]\nmount = \"live\"\nslots = true\n" +
			prog("a", "live_user = \"a\"\nlive_password_env = \"PW\"\n"+sched) +
			prog("b", "live_user = \"b\"\nlive_password_env = \"PW\"\n"+strings.Replace(sched, "08:00", "08:30", 1)),
			at: "[[programs.schedules]]", nth: 2, field: "programs[1].schedules[0]", msg: "overlaps programs[0].schedules[0]"},
		{name: "live program without slots", src: minimal + "[live]\nmount = \"live\"\npassword_env = \"PW\"\n" +
			prog("a", "live_user = \"a\"\nlive_password_env = \"PW\"\n"+sched), at: "live_user", field: "programs[0].live_user", msg: "slots = true"},
		{name: "slots without live program", src: minimal + "[live]\nmount = \"live\"\nslots = true\n", at: "slots", field: "live.slots", msg: "no program has live_user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := stationDir(t, "music", "full")
			require.NoError(t, os.WriteFile(filepath.Join(dir, "full", "a.mp3"), []byte("x"), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "station.toml"), nil, 0o644))
			_, _, err := Parse("station.toml", dir, []byte(tt.src), ForImport, env(map[string]string{"PW": "x"}))
			var le *Error
			require.ErrorAs(t, err, &le, "source:\n%s", tt.src)
			fe := le.Problems[0]
			require.Equal(t, tt.field, fe.Field, "%v", err)
			line := 0
			if tt.at != "" {
				line = lineOf(tt.src, tt.at, max(tt.nth, 1))
			}
			require.Equal(t, line, fe.Line, "%v", err)
			require.Contains(t, fe.Msg, tt.msg)
			require.True(t, strings.HasPrefix(err.Error(), "station.toml:"), err.Error())
		})
	}
}

func TestStationFileAllErrorsAtOnce(t *testing.T) {
	src := "name = \"x\"\nzone = \"Nowhere\"\nweeks = 99\noutputs = { dummy = true }\n[[programs]]\nslug = \"a\"\nsounds = \"nope\"\n"
	_, _, err := Parse("s.toml", t.TempDir(), []byte(src), ForImport, env(nil))
	var le *Error
	require.ErrorAs(t, err, &le)
	var got []string
	for _, fe := range le.Problems {
		got = append(got, fe.Field)
	}
	require.Equal(t, []string{"zone", "weeks", "programs[0].sounds"}, got)
	require.Equal(t, 3, strings.Count(err.Error(), "\n")+1)
}

func TestStationFileWarnings(t *testing.T) {
	src := minimal + "\n[[programs]]\nslug = \"quiet\"\n"
	c, warns, err := Parse("s.toml", t.TempDir(), []byte(src), ForImport, env(nil))
	require.NoError(t, err)
	require.Len(t, warns, 1)
	require.Equal(t, &Problem{File: "s.toml", Line: 5, Field: "programs[0]", Msg: "no schedule: the program never airs"}, warns[0])
	require.Equal(t, "test", c.Slug)
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Radio Example":        "radio-example",
		"  Radio  #1 (FM) ":    "radio-1-fm",
		`Radio "Campus" Paris`: "radio-campus-paris",
		"Ràdio":                "r-dio",
		"???":                  "",
	} {
		require.Equal(t, want, slugify(in), in)
	}
}

func TestStreamerField(t *testing.T) {
	for in, want := range map[string]string{
		"Name":                          "name",
		"Playlists[2].ID":               "music[2].name",
		"Playlists[0].Path":             "liquidsoap.dir",
		"Icecast[1].Password":           "outputs.icecast[1].password_env",
		"Icecast[0].Format.Codec":       "outputs.icecast[0].codec",
		"Archive.Dir":                   "outputs.archive.dir",
		"HLS.Dir":                       "record.hls_dir",
		"HLS.SegmentDuration":           "record.segment_duration",
		"HLS.Streams[0].Format.Bitrate": "record.bitrate",
		"Live.Mount":                    "live.mount",
		"Socket":                        "liquidsoap.dir",
		"LogLevel":                      "liquidsoap.log_level",
	} {
		require.Equal(t, want, streamerField(in), in)
	}
}

// TestSocketPathTooLong: streamer.Station.Validate refuses the socket
// path; the station file says it in its own terms, naming the folder.
func TestSocketPathTooLong(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 120)
	_, _, err := Parse("s.toml", dir, []byte(minimal+"[liquidsoap]\ndir = \""+long+"\"\n"), ForImport, env(nil))
	var le *Error
	require.ErrorAs(t, err, &le)
	require.Len(t, le.Problems, 1)
	sock := filepath.Join(dir, long, "liquidsoap.sock")
	require.Equal(t, &Problem{File: "s.toml", Line: 5, Field: "liquidsoap.dir",
		Msg: fmt.Sprintf("the command socket %s would be %d bytes long, over the 104 a unix socket path may have: choose a shorter folder", sock, len(sock))},
		le.Problems[0])
}

func TestTooLarge(t *testing.T) {
	_, _, err := Parse("s.toml", t.TempDir(), make([]byte, MaxSize+1), ForImport, env(nil))
	var le *Error
	require.ErrorAs(t, err, &le)
	require.Contains(t, le.Problems[0].Msg, "a station file holds at most")
}
