package schedule_test

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
)

// rig is a station under test: a store, a SimPlayer and a monitor on one
// FakeClock, with files that exist or not.
type rig struct {
	t       testing.TB
	ctx     context.Context
	clock   *airkeep.FakeClock
	store   schedule.Store
	player  *schedule.SimPlayer
	station schedule.Station
	cfg     schedule.Config
	mon     *schedule.Monitor

	mu        sync.Mutex
	durations map[string]time.Duration
	missing   map[string]bool
	names     map[int64]string // diffusion id -> name, for readable logs
	episodes  int
}

func newRig(t testing.TB, t0 time.Time, store schedule.Store) *rig {
	t.Helper()
	r := &rig{t: t, ctx: t.Context(), clock: airkeep.NewFakeClock(t0), store: store,
		durations: map[string]time.Duration{}, missing: map[string]bool{}, names: map[int64]string{}}
	var err error
	r.player, err = schedule.NewSimPlayer(schedule.SimConfig{Clock: r.clock, Duration: r.duration})
	require.NoError(t, err)
	r.station, err = store.PutStation(r.ctx, schedule.Station{Slug: "rc", Name: "Radio Campus", Zone: "Europe/Paris"})
	require.NoError(t, err)
	r.cfg = schedule.Config{Store: store, Player: r.player, StationID: r.station.ID, Clock: r.clock,
		Delay: 5 * time.Second, Stat: r.stat}
	return r
}

func (r *rig) duration(uri string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.durations[uri]
}

func (r *rig) stat(_ context.Context, uri string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.missing[uri] {
		return fmt.Errorf("stat %s: %w", uri, fs.ErrNotExist)
	}
	return nil
}

func (r *rig) setMissing(uri string, missing bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.missing[uri] = missing
}

func (r *rig) program(slug string, stream bool) schedule.Program {
	p, err := r.store.PutProgram(r.ctx, schedule.Program{StationID: r.station.ID, Slug: slug, Title: slug, Active: true, Stream: stream})
	require.NoError(r.t, err)
	return p
}

// sound stores a sound of d seconds at uri.
func (r *rig) sound(p schedule.Program, episode int64, uri string, pos int, d time.Duration) schedule.Sound {
	r.mu.Lock()
	r.durations[uri] = d
	r.mu.Unlock()
	s, err := r.store.PutSound(r.ctx, schedule.Sound{ProgramID: p.ID, EpisodeID: episode, Name: uri, Type: schedule.SoundArchive,
		Path: uri, Position: pos, Duration: d})
	require.NoError(r.t, err)
	return s
}

// diffusion makes, by hand, a diffusion named name of a new episode whose
// sounds are the given (uri, duration) pairs in order.
func (r *rig) diffusion(name string, start time.Time, d time.Duration, sounds ...any) schedule.Diffusion {
	p := r.program(name, false)
	r.episodes++
	e, err := r.store.PutEpisode(r.ctx, schedule.Episode{ProgramID: p.ID, Slug: fmt.Sprint("e", r.episodes), Title: name})
	require.NoError(r.t, err)
	for i := 0; i < len(sounds); i += 2 {
		r.sound(p, e.ID, sounds[i].(string), i, sounds[i+1].(time.Duration))
	}
	ds, _, err := r.store.PutDiffusions(r.ctx, []schedule.Diffusion{{StationID: r.station.ID, ProgramID: p.ID, EpisodeID: e.ID,
		Start: start, End: start.Add(d)}})
	require.NoError(r.t, err)
	r.names[ds[0].ID] = name
	return ds[0]
}

func (r *rig) newMonitor() *schedule.Monitor {
	m, err := schedule.New(r.cfg)
	require.NoError(r.t, err)
	r.mon = m
	return m
}

// tickUntil ticks every step from now until end (inclusive).
func (r *rig) tickUntil(end time.Time, step time.Duration) {
	for now := r.clock.Now(); !now.After(end); now = now.Add(step) {
		r.clock.Set(now)
		_ = r.mon.Tick(r.ctx)
	}
}

// asRun formats the log, one line each: time, type, source, what, diffusion.
func (r *rig) asRun(from time.Time) []string {
	logs, err := r.store.Logs(r.ctx, schedule.LogFilter{StationID: r.station.ID, AfterID: 0})
	require.NoError(r.t, err)
	var out []string
	for _, l := range logs {
		if l.Date.Before(from) {
			continue
		}
		what := l.Comment
		if l.Type == schedule.LogStart {
			what = fmt.Sprint(l.URIs)
		}
		if l.TrackID != 0 {
			tr, err := r.store.Track(r.ctx, l.TrackID)
			require.NoError(r.t, err)
			what = "track " + tr.Title
		}
		line := fmt.Sprintf("%s %s %s %s", l.Date.UTC().Format("15:04:05"), l.Type, l.Source, what)
		if l.DiffusionID != 0 {
			line += " (" + r.names[l.DiffusionID] + ")"
		}
		out = append(out, line)
	}
	return out
}

func (r *rig) status(d schedule.Diffusion) schedule.Status {
	got, err := r.store.Diffusion(r.ctx, d.ID)
	require.NoError(r.t, err)
	return got.Status
}
