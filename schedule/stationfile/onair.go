package stationfile

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

// The station file's on-air safety settings (see testdata/station.toml).
type rawOnAir struct {
	DeadAirThreshold *float64 `toml:"dead_air_threshold"`
	DeadAirDuration  string   `toml:"dead_air_duration"`
	Emergency        string   `toml:"emergency"`
	Webhook          string   `toml:"webhook"`
	Crossfade        string   `toml:"crossfade"`
}

type rawJingles struct {
	Dir   string   `toml:"dir"`
	Every int      `toml:"every"`
	At    []string `toml:"at"`
}

// parseOnAir checks [on_air], [jingles], the live slots and the live
// programs, and sets them on st and c. progs are the programs as written.
func parseOnAir(p *problems, dir string, raw *rawStation, progs []rawProgram, st *streamer.Station, c *Station, mode Mode,
	secret func(field, name string) string) {
	if o := raw.OnAir; o != nil {
		da := &streamer.DeadAir{}
		if o.DeadAirThreshold != nil {
			th := *o.DeadAirThreshold
			if math.IsNaN(th) || th < -90 || th > -10 {
				p.errorf("on_air.dead_air_threshold", "%v: want -90 to -10 (dBFS)", th)
			}
			da.Threshold = th
		}
		if o.DeadAirDuration != "" {
			d := parseDuration(p, "on_air.dead_air_duration", o.DeadAirDuration)
			if d < time.Second || d > 10*time.Minute {
				p.errorf("on_air.dead_air_duration", "%q: want 1s to 10m", o.DeadAirDuration)
			}
			da.Duration = d
		}
		if o.Emergency != "" {
			da.Emergency = checkSoundDir(p, dir, "on_air.emergency", o.Emergency)
		}
		st.DeadAir = da
		if o.Webhook != "" {
			u, err := url.Parse(o.Webhook)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.errorf("on_air.webhook", "%q: want an http or https URL", o.Webhook)
			}
			c.Webhook = o.Webhook
		}
		if o.Crossfade != "" {
			d := parseDuration(p, "on_air.crossfade", o.Crossfade)
			if d < 0 || d > 30*time.Second {
				p.errorf("on_air.crossfade", "%q: want 0 to 30s", o.Crossfade)
			}
			st.Crossfade = d
		}
	}
	if j := raw.Jingles; j != nil {
		jc := &streamer.Jingles{Every: j.Every}
		if j.Dir == "" {
			p.errorf("jingles.dir", "required: the folder of station IDs and jingles")
		} else {
			jc.Path = checkSoundDir(p, dir, "jingles.dir", j.Dir)
		}
		if j.Every < 0 || j.Every > 1000 {
			p.errorf("jingles.every", "%d: want 0 to 1000 music tracks", j.Every)
		}
		for i, at := range j.At {
			m, err := parseMinute(at)
			if err != nil {
				p.errorf(fmt.Sprintf("jingles.at[%d]", i), "%q: %v", at, err)
				continue
			}
			jc.At = append(jc.At, time.Duration(m)*time.Minute)
		}
		if j.Every == 0 && len(j.At) == 0 {
			p.errorf("jingles", "set every (a jingle after so many music tracks), at (minutes of the hour) or both")
		}
		if len(c.Music) == 0 {
			p.errorf("jingles", "jingles play between music tracks: add a [[music]] folder")
		}
		st.Jingles = jc
	}

	// Live slots: programs with live_user take the harbor during their
	// diffusions only.
	var live []LiveProgram
	var slots []schedule.Schedule
	var slotFields []string
	for i, pr := range progs {
		field := fmt.Sprintf("programs[%d]", i)
		if pr.LiveUser == "" && pr.LivePasswordEnv == "" {
			continue
		}
		if pr.LiveUser == "" || strings.ContainsAny(pr.LiveUser, " :\t") || strings.ContainsFunc(pr.LiveUser, func(r rune) bool { return r < 0x20 }) {
			p.errorf(field+".live_user", "%q: want a user name without spaces or ':'", pr.LiveUser)
		}
		pw := secret(field+".live_password_env", pr.LivePasswordEnv)
		live = append(live, LiveProgram{Slug: pr.Slug, Credentials: schedule.LiveCredentials{User: pr.LiveUser, Password: pw}})
		for j := range pr.Schedules {
			for _, pc := range c.Programs {
				if pc.Slug != pr.Slug {
					continue
				}
				for _, sc := range pc.Schedules {
					if sc.Field == fmt.Sprintf("%s.schedules[%d]", field, j) {
						slots = append(slots, sc.Schedule)
						slotFields = append(slotFields, sc.Field)
					}
				}
			}
		}
	}
	l := raw.Live
	switch {
	case len(live) > 0 && (l == nil || !l.Slots):
		p.errorf(live0Field(progs), "a live program needs [live] with slots = true")
	case l != nil && l.Slots && len(live) == 0:
		p.errorf("live.slots", "no program has live_user: no one could ever connect")
	}
	if l != nil && l.Grace != "" {
		c.LiveGrace = parseDuration(p, "live.grace", l.Grace)
		if c.LiveGrace <= 0 {
			p.errorf("live.grace", "%q: want a positive duration", l.Grace)
		}
	}
	c.Live = live
	if len(slots) > 1 {
		first := slots[0].Date
		for _, s := range slots[1:] {
			if s.Date.Before(first) {
				first = s.Date
			}
		}
		// A year of diffusions shows every pattern the frequencies make.
		o, ok, err := schedule.FirstSlotOverlap(slots, first, first.AddDays(366))
		if err == nil && ok {
			p.errorf(slotFields[o.B], "this live slot overlaps %s on %s: one harbor takes one show at a time",
				slotFields[o.A], o.At.Format("2006-01-02 15:04 MST"))
		}
	}
}

func live0Field(progs []rawProgram) string {
	for i, pr := range progs {
		if pr.LiveUser != "" || pr.LivePasswordEnv != "" {
			return fmt.Sprintf("programs[%d].live_user", i)
		}
	}
	return "live"
}

// checkSoundDir checks a folder that must exist and hold at least one
// file, and returns its absolute path.
func checkSoundDir(p *problems, base, field, v string) string {
	d := resolve(base, v, "")
	entries, err := os.ReadDir(d)
	switch {
	case os.IsNotExist(err):
		p.errorf(field, "folder %s does not exist", d)
	case err != nil:
		p.errorf(field, "%v", err)
	default:
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				return d
			}
		}
		p.errorf(field, "folder %s holds no sound", d)
	}
	return d
}

// parseMinute reads a minute of the hour: ":00", "00" or "30".
func parseMinute(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, ":"))
	if err != nil || n < 0 || n > 59 {
		return 0, fmt.Errorf("want a minute of the hour such as \":00\" or \":30\"")
	}
	return n, nil
}
