package streamer

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Defaults and bounds of DeadAir.
const (
	DefaultDeadAirThreshold = -40.0
	DefaultDeadAirDuration  = 10 * time.Second
	// outputExtra is how much longer than a source the final output must
	// be silent before it is reported: a silent source is skipped after
	// Duration, and the output only goes on being silent when nothing
	// covered it. Without it every skipped source would be reported twice.
	outputExtra = 2 * time.Second
	// jingleWindow is how long after one of Jingles.At the predicate stays
	// true, so that thread.when, which polls, cannot miss it.
	jingleWindow = 30
	// jingleExpiry is how long a due jingle waits for a music boundary.
	jingleExpiry = 300
)

// deadAirView is DeadAir resolved for the template.
type deadAirView struct {
	Threshold, MaxBlank, OutputMaxBlank string
	// Emergency is the quoted path, or "".
	Emergency string
}

type jinglesView struct {
	ID, Path string
	Every    int
	At       []int // seconds into the hour
}

// layoutSafety validates DeadAir, Jingles and Crossfade into v and builds
// the fallback chain. useID and path are layout's helpers.
func (s *Station) layoutSafety(v *scriptView, useID func(field, id string) error, path func(field, p string) (string, error)) error {
	var err error
	if d := s.DeadAir; d != nil {
		dv := &deadAirView{}
		th := d.Threshold
		if th == 0 {
			th = DefaultDeadAirThreshold
		}
		if math.IsNaN(th) || th < -90 || th > -10 {
			return &ConfigError{Field: "DeadAir.Threshold", Value: strconv.FormatFloat(d.Threshold, 'g', -1, 64), Reason: "want -90 to -10 dBFS"}
		}
		dv.Threshold = strconv.FormatFloat(th, 'f', 1, 64)
		dur := d.Duration
		if dur == 0 {
			dur = DefaultDeadAirDuration
		}
		if dur < time.Second || dur > 10*time.Minute || dur%(100*time.Millisecond) != 0 {
			return &ConfigError{Field: "DeadAir.Duration", Value: d.Duration.String(), Reason: "want 1s to 10m, in tenths of a second"}
		}
		dv.MaxBlank, dv.OutputMaxBlank = liqFloat(dur), liqFloat(dur+outputExtra)
		if d.Emergency != "" {
			if err := useID("DeadAir.Emergency", "emergency"); err != nil {
				return err
			}
			if dv.Emergency, err = path("DeadAir.Emergency", d.Emergency); err != nil {
				return err
			}
		}
		v.DeadAir = dv
	}
	if j := s.Jingles; j != nil {
		jv := &jinglesView{ID: j.ID, Every: j.Every}
		if jv.ID == "" {
			jv.ID = "jingles"
		}
		if err := useID("Jingles.ID", jv.ID); err != nil {
			return err
		}
		if jv.Path, err = path("Jingles.Path", j.Path); err != nil {
			return err
		}
		if len(s.Playlists) == 0 {
			return &ConfigError{Field: "Jingles", Reason: "jingles play between music tracks: add a playlist"}
		}
		if j.Every < 0 || j.Every > 1000 {
			return &ConfigError{Field: "Jingles.Every", Value: strconv.Itoa(j.Every), Reason: "want 0 to 1000 tracks"}
		}
		seen := map[int]bool{}
		for i, at := range j.At {
			if at < 0 || at >= time.Hour || at%time.Second != 0 {
				return &ConfigError{Field: fmt.Sprintf("Jingles.At[%d]", i), Value: at.String(), Reason: "want whole seconds in [0, 1h)"}
			}
			sec := int(at / time.Second)
			if !seen[sec] {
				seen[sec] = true
				jv.At = append(jv.At, sec)
			}
		}
		if jv.Every == 0 && len(jv.At) == 0 {
			return &ConfigError{Field: "Jingles.Every", Reason: "set Every, At or both"}
		}
		v.Jingles = jv
	}
	if s.Crossfade < 0 || s.Crossfade > 30*time.Second || s.Crossfade%(100*time.Millisecond) != 0 {
		return &ConfigError{Field: "Crossfade", Value: s.Crossfade.String(), Reason: "want 0 to 30s, in tenths of a second"}
	}
	if s.Crossfade > 0 && len(s.Playlists) > 0 {
		v.Crossfade = liqFloat(s.Crossfade)
	}

	// The fallback, highest priority first. With dead-air detection each
	// source passes through blank.strip (x_<id>), and the emergency
	// playlist covers a silent live show or diffusion before the music.
	src := func(id string) string {
		if v.DeadAir != nil {
			return "x_" + id
		}
		return "s_" + id
	}
	if v.Live != nil {
		v.Chain = append(v.Chain, src(v.Live.ID))
	}
	v.Chain = append(v.Chain, src(v.Dealer))
	if v.DeadAir != nil && v.DeadAir.Emergency != "" {
		v.Chain = append(v.Chain, "airkeep_cover")
	}
	switch {
	case len(v.Playlists) == 0:
	case v.DeadAir != nil:
		v.Chain = append(v.Chain, "x_airkeep_music")
	case len(v.Playlists) == 1 && v.Jingles == nil && v.Crossfade == "":
		v.Chain = append(v.Chain, "s_"+v.Playlists[0].ID)
	default:
		v.Chain = append(v.Chain, "airkeep_music")
	}
	if v.DeadAir != nil && v.DeadAir.Emergency != "" {
		v.Chain = append(v.Chain, "s_emergency")
	}
	v.Chain = append(v.Chain, `blank(id="silence")`)
	return nil
}
