package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Playing is what a station airs at an instant, as NowPlaying reads it
// from the as-run log and the schedule. Nil fields are unknown or none.
type Playing struct {
	At time.Time
	// Source, Sound and Since: the last sound observed on air, unless its
	// known duration has run out.
	Source string
	URI    string
	Sound  *Sound
	Since  time.Time
	// Track is the last timed track of that sound that went on air.
	Track      *Track
	TrackSince time.Time
	// Diffusion is the diffusion of the sound on air, or else the due
	// diffusion the monitor started (or a live one) with Program and
	// Episode.
	Diffusion *Diffusion
	Program   *Program
	Episode   *Episode
	// Next is the next OnAir diffusion to start, with its program.
	Next        *Diffusion
	NextProgram *Program
}

// NowPlayingStore is what NowPlaying reads: the as-run's rows, and what
// is due now and next (eight methods: AsRunStore's six and two).
type NowPlayingStore interface {
	AsRunStore
	// DueDiffusions returns the OnAir diffusions of a station, Pending or
	// Started, with Start <= now <= End (inclusive, as aircox), by (Start,
	// ID).
	DueDiffusions(ctx context.Context, stationID int64, now time.Time) ([]DueDiffusion, error)
	// NextDiffusion returns the first OnAir diffusion starting after t.
	NextDiffusion(ctx context.Context, stationID int64, after time.Time) (Diffusion, error)
}

// NowPlaying answers "what is on air, and what comes next" for a station
// at now, from the store alone (no player call): the current sound and
// track, its diffusion and program, and the next diffusion.
func NowPlaying(ctx context.Context, st NowPlayingStore, stationID int64, now time.Time) (Playing, error) {
	p := Playing{At: now}
	wrap := func(err error) error { return fmt.Errorf("now playing: %w", err) }
	last, err := st.Logs(ctx, LogFilter{StationID: stationID, Types: []LogType{LogOnAir}, TopLevel: true, To: now.Add(time.Nanosecond), Desc: true, Limit: 1})
	if err != nil {
		return p, wrap(err)
	}
	if len(last) == 1 {
		l := last[0]
		stale := false
		var sound *Sound
		if l.SoundID != 0 {
			s, err := st.Sound(ctx, l.SoundID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return p, wrap(err)
			}
			if err == nil {
				sound = &s
				stale = s.Duration > 0 && !l.Date.Add(s.Duration).After(now)
			}
		}
		if !stale {
			p.Source, p.URI, p.Since, p.Sound = l.Source, l.Comment, l.Date, sound
			tracks, err := st.Logs(ctx, LogFilter{ParentID: l.ID, To: now.Add(time.Nanosecond), Desc: true, Limit: 1})
			if err != nil {
				return p, wrap(err)
			}
			if len(tracks) == 1 {
				t, err := st.Track(ctx, tracks[0].TrackID)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return p, wrap(err)
				}
				if err == nil {
					p.Track, p.TrackSince = &t, tracks[0].Date
				}
			}
			if l.DiffusionID != 0 {
				d, err := st.Diffusion(ctx, l.DiffusionID)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return p, wrap(err)
				}
				if err == nil {
					p.Diffusion = &d
				}
			}
		}
	}
	if p.Diffusion == nil {
		due, err := st.DueDiffusions(ctx, stationID, now)
		if err != nil {
			return p, wrap(err)
		}
		for _, d := range due {
			if d.Status == Started || !d.HasArchive {
				p.Diffusion = &d.Diffusion
				break
			}
		}
	}
	if p.Diffusion != nil {
		prog, err := st.Program(ctx, p.Diffusion.ProgramID)
		if err != nil {
			return p, wrap(err)
		}
		ep, err := st.Episode(ctx, p.Diffusion.EpisodeID)
		if err != nil {
			return p, wrap(err)
		}
		p.Program, p.Episode = &prog, &ep
	}
	next, err := st.NextDiffusion(ctx, stationID, now)
	switch {
	case err == nil:
		prog, err := st.Program(ctx, next.ProgramID)
		if err != nil {
			return p, wrap(err)
		}
		p.Next, p.NextProgram = &next, &prog
	case !errors.Is(err, ErrNotFound):
		return p, wrap(err)
	}
	return p, nil
}
