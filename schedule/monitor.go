package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airkeep/airkeep"
)

// MonitorStore is what the Monitor calls: the Journal it writes, the
// diffusions due now or just ended, and the sounds it pushes and checks.
// It is over seven methods because the monitor is the one consumer that
// both decides and records; it asks for nothing else.
type MonitorStore interface {
	Journal
	// DueDiffusions returns the OnAir diffusions of a station, Pending or
	// Started, with Start <= now <= End (inclusive, as aircox), by (Start,
	// ID).
	DueDiffusions(ctx context.Context, stationID int64, now time.Time) ([]DueDiffusion, error)
	// EndedPending returns up to limit OnAir, Pending diffusions of a
	// station with End < before, by (End, ID): the ones to settle.
	EndedPending(ctx context.Context, stationID int64, before time.Time, limit int) ([]DueDiffusion, error)
	// Diffusions returns the diffusions of a station that overlap [from,
	// to), any type and status, by (Start, ID).
	Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]Diffusion, error)
	// DiffusionOfEpisodeAt returns the first (by Start, ID) OnAir diffusion
	// of an episode whose window contains t.
	DiffusionOfEpisodeAt(ctx context.Context, episodeID int64, t time.Time) (Diffusion, error)
	SoundByPath(ctx context.Context, path string) (Sound, error)
	// Sounds returns every sound of the station's programs, by path.
	Sounds(ctx context.Context, stationID int64) ([]Sound, error)
	// Playlist returns the archive sounds of an episode in play order:
	// by Position, then Path.
	Playlist(ctx context.Context, episodeID int64) ([]Sound, error)
	// StreamPlaylists returns, for each active Stream program of the
	// station, its archive sounds in play order.
	StreamPlaylists(ctx context.Context, stationID int64) ([]StreamPlaylist, error)
	// TimedTracks returns the timed tracks of a sound by Timestamp, then
	// Position.
	TimedTracks(ctx context.Context, soundID int64) ([]Track, error)
	// SetSoundRemoved marks a sound removed (its file is gone) or brings
	// it back to the type it had.
	SetSoundRemoved(ctx context.Context, id int64, removed bool) (changed bool, err error)
}

// Config configures a Monitor. Zero values are documented defaults.
type Config struct {
	Store     MonitorStore // required
	Player    Player       // required
	StationID int64        // required: the station whose diffusions are run
	// Delay is the time between two ticks. 0 means 1s (aircox's -d).
	Delay time.Duration
	// Margin is aircox's D: the dealer counts as free when its current
	// request has less than Margin left, and on-air observations within
	// Margin of each other are one. 0 means Delay + 5s.
	Margin time.Duration
	// CancelTimeout: a diffusion still not startable this long after its
	// start is cancelled. 0 means 20 min (aircox's -t); negative never
	// cancels.
	CancelTimeout time.Duration
	// SyncInterval is how often music playlists are checked and reloaded.
	// 0 means 5 min; negative never.
	SyncInterval time.Duration
	// PlayerTimeout bounds each call to the Player. 0 means 5s.
	PlayerTimeout time.Duration
	// DealerSource is the source name written on START logs. "" means
	// "dealer".
	DealerSource string
	// Stat checks that a sound's file exists before it is pushed, and
	// during each sync; a missing file marks the sound removed (aircox's
	// check_on_file). nil means os.Stat for paths and file:// URIs, and
	// trust for other URIs (http://...). It must return an error wrapping
	// fs.ErrNotExist for a missing file.
	Stat   func(ctx context.Context, uri string) error
	Clock  airkeep.Clock // nil means airkeep.SystemClock()
	Logger *slog.Logger  // nil means discard
}

// maxSettlePerTick bounds the ended diffusions settled per tick, so that
// the first tick after a long outage stays short.
const maxSettlePerTick = 100

// Monitor is the diffusion monitor: on every tick it reads the player,
// logs what is on air, starts the due diffusion when the dealer is free,
// cancels it when it cannot start in time, records the ones that ended
// unplayed, re-pushes what a player restart lost and reloads the music
// playlists. Everything it decides is derived from the Store, so a monitor
// killed at any instant and started again resumes without starting
// anything twice.
//
// It keeps aircox's rules (aircox_streamer's Monitor, 2020) with these
// fixes: start and cancel are exclusive in a tick; a diffusion whose end
// passes unstarted is logged MISSED; a START is recorded as an intent
// before the push and confirmed after, so a crash between the two re-pushes
// only what is missing; a player restart during a diffusion re-pushes the
// sounds not yet heard; the dealer is free only when its queue is empty;
// timed tracks are logged for every sound, diffusions included.
type Monitor struct {
	cfg    Config
	clock  airkeep.Clock
	log    *slog.Logger
	margin time.Duration

	mu      sync.Mutex // serializes ticks; guards everything below
	lastNow time.Time
	gen     uint64
	ready   bool
	aliveAt time.Time // last tick at which the player answered with gen
	// goneAt is when the player that restarted was last seen alive: a
	// sound it was playing then had been cut. Zero until this monitor saw
	// a restart.
	goneAt   time.Time
	lastSync time.Time
	onAir    map[string]onAirState // by source
	resumed  map[int64]uint64      // diffusion -> generation known to hold its sounds

	stats Stats // updated atomically, read without mu
}

type onAirState struct {
	uri     string
	airTime time.Time
	log     Log
	tracks  []Track
	logged  int // tracks[:logged] are logged
}

// Stats counts what a Monitor did, for metrics.
type Stats struct {
	Ticks, Starts, Cancels, Missed, Repushes, OnAirLogs, TrackLogs, PlayerErrors, StoreErrors int64
}

// New checks cfg and returns a Monitor. It returns a *FieldError naming
// the first bad field.
func New(cfg Config) (*Monitor, error) {
	bad := func(field, reason string) error { return &FieldError{Type: "Config", Field: field, Reason: reason} }
	switch {
	case cfg.Store == nil:
		return nil, bad("Store", "required")
	case cfg.Player == nil:
		return nil, bad("Player", "required")
	case cfg.StationID == 0:
		return nil, bad("StationID", "required")
	case cfg.Delay < 0:
		return nil, bad("Delay", "negative")
	case cfg.Margin < 0:
		return nil, bad("Margin", "negative")
	case cfg.PlayerTimeout < 0:
		return nil, bad("PlayerTimeout", "negative")
	}
	if cfg.Delay == 0 {
		cfg.Delay = time.Second
	}
	if cfg.Margin == 0 {
		cfg.Margin = cfg.Delay + 5*time.Second
	}
	if cfg.CancelTimeout == 0 {
		cfg.CancelTimeout = 20 * time.Minute
	}
	if cfg.SyncInterval == 0 {
		cfg.SyncInterval = 5 * time.Minute
	}
	if cfg.PlayerTimeout == 0 {
		cfg.PlayerTimeout = 5 * time.Second
	}
	if cfg.DealerSource == "" {
		cfg.DealerSource = "dealer"
	}
	if cfg.Stat == nil {
		cfg.Stat = statFile
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Monitor{cfg: cfg, clock: airkeep.OrSystem(cfg.Clock), log: logger.With("station", cfg.StationID),
		margin: cfg.Margin, onAir: map[string]onAirState{}, resumed: map[int64]uint64{}}, nil
}

// statFile is the default Config.Stat.
func statFile(_ context.Context, uri string) error {
	path := uri
	if strings.Contains(uri, "://") {
		u, err := url.Parse(uri)
		if err != nil || u.Scheme != "file" {
			return nil // not a local file: the player will tell
		}
		path = u.Path
	}
	_, err := os.Stat(path)
	return err
}

// Stats returns a snapshot of the counters. It does not wait for a tick
// in progress, so a metrics handler never hangs on a slow player.
func (m *Monitor) Stats() Stats {
	c := &m.stats
	return Stats{Ticks: atomic.LoadInt64(&c.Ticks), Starts: atomic.LoadInt64(&c.Starts), Cancels: atomic.LoadInt64(&c.Cancels),
		Missed: atomic.LoadInt64(&c.Missed), Repushes: atomic.LoadInt64(&c.Repushes), OnAirLogs: atomic.LoadInt64(&c.OnAirLogs),
		TrackLogs: atomic.LoadInt64(&c.TrackLogs), PlayerErrors: atomic.LoadInt64(&c.PlayerErrors), StoreErrors: atomic.LoadInt64(&c.StoreErrors)}
}

// Run ticks until ctx ends: once at once, then every Delay on the Clock.
// Errors of a tick are logged and the next tick tries again; Run returns
// nil when ctx ends. It starts no goroutine.
func (m *Monitor) Run(ctx context.Context) error {
	timer := m.clock.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C():
		}
		if err := m.Tick(ctx); err != nil && ctx.Err() == nil {
			if errors.Is(err, ErrNotReady) {
				m.log.Debug("tick skipped", "err", err)
			} else {
				m.log.Warn("tick failed", "err", err)
			}
		}
		timer.Reset(m.cfg.Delay)
	}
}

// Tick runs one step at the Clock's time. Run calls it every Delay; a
// simulation calls it directly. It returns what went wrong (ErrNotReady
// when the player is down) after doing all it could.
func (m *Monitor) Tick(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	atomic.AddInt64(&m.stats.Ticks, 1)
	// The wall clock stepped back (NTP, leap second): hold destructive
	// decisions (cancel, missed) for this tick.
	jumped := !m.lastNow.IsZero() && now.Before(m.lastNow.Add(-time.Second))
	m.lastNow = now
	if jumped {
		m.log.Warn("clock stepped back; no cancel or missed this tick", "now", now)
	}
	var errs []error
	if !jumped {
		errs = append(errs, m.settleEnded(ctx, now))
	}

	gen, err := m.call(ctx, func(ctx context.Context) (uint64, error) { return m.cfg.Player.Generation(ctx) })
	if err != nil {
		if m.ready {
			m.log.Warn("player not ready", "err", err)
		}
		m.ready = false
		atomic.AddInt64(&m.stats.PlayerErrors, 1)
		return errors.Join(append(errs, fmt.Errorf("player: %w: %w", ErrNotReady, err))...)
	}
	if !m.ready {
		m.log.Info("player ready", "generation", gen)
	}
	if m.gen != 0 && gen != m.gen {
		m.log.Warn("player restarted", "from", m.gen, "to", gen)
		m.onAir = map[string]onAirState{}
		m.goneAt = m.aliveAt
	}
	m.gen, m.ready, m.aliveAt = gen, true, now

	playing := m.traceOnAir(ctx, now, &errs)
	errs = append(errs, m.handleDiffusions(ctx, now, gen, playing, jumped))
	if m.cfg.SyncInterval > 0 && (m.lastSync.IsZero() || now.Sub(m.lastSync) >= m.cfg.SyncInterval || now.Before(m.lastSync)) {
		m.lastSync = now
		errs = append(errs, m.sync(ctx))
	}
	return errors.Join(errs...)
}

// call runs a player call under PlayerTimeout.
func (m *Monitor) call(ctx context.Context, f func(context.Context) (uint64, error)) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.PlayerTimeout)
	defer cancel()
	return f(ctx)
}

func (m *Monitor) playerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, m.cfg.PlayerTimeout)
}

func (m *Monitor) storeErr(err error) error {
	if err != nil {
		atomic.AddInt64(&m.stats.StoreErrors, 1)
	}
	return err
}

// settleEnded records the diffusions whose end passed while Pending:
// MISSED when there was something to play (archive sounds, or sounds whose
// files vanished), Live otherwise.
func (m *Monitor) settleEnded(ctx context.Context, now time.Time) error {
	ended, err := m.cfg.Store.EndedPending(ctx, m.cfg.StationID, now, maxSettlePerTick)
	if err != nil {
		return m.storeErr(fmt.Errorf("ended diffusions: %w", err))
	}
	for _, d := range ended {
		to, reason := Live, ""
		if d.HasArchive || d.HasRemoved {
			to, reason = Missed, "ended without being started or cancelled"
			if !d.HasArchive {
				reason = "ended without being started: its sound files are missing"
			}
		}
		l, ok, err := m.cfg.Store.Settle(ctx, d.ID, to, Log{Date: now, Source: m.cfg.DealerSource, Comment: reason})
		if err != nil {
			return m.storeErr(fmt.Errorf("settle diffusion %d: %w", d.ID, err))
		}
		if ok && to == Missed {
			atomic.AddInt64(&m.stats.Missed, 1)
			m.log.Warn("diffusion missed", "diffusion", d.ID, "start", d.Start, "end", d.End, "log", l.ID, "reason", reason)
		}
	}
	return nil
}

// onAirDedup is the window within which two observations of one URI on one
// source are the same airing. The player reports air times exactly (a
// timestamp, or local time to the second), so a second is enough for a
// restarted monitor to find its own log again; aircox's wider Margin would
// merge a part the player really played twice, as after a player restart
// that re-pushed the cut sound.
const onAirDedup = time.Second

// lateLookback bounds how far back diffusionOfSound looks for the started
// diffusion a late sound belongs to.
const lateLookback = 24 * time.Hour

// diffusionOfSound returns the diffusion a sound of an episode that aired at
// airTime belongs to: the diffusion of the episode whose window holds
// airTime; or, when none does (a diffusion started late, or re-pushed
// after a player restart, plays past its end), the started diffusion of
// the episode that began last before airTime. 0 when there is none.
func (m *Monitor) diffusionOfSound(ctx context.Context, episodeID int64, airTime time.Time) (int64, error) {
	d, err := m.cfg.Store.DiffusionOfEpisodeAt(ctx, episodeID, airTime)
	if err == nil {
		return d.ID, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	recent, err := m.cfg.Store.Diffusions(ctx, m.cfg.StationID, airTime.Add(-lateLookback), airTime)
	if err != nil {
		return 0, err
	}
	var id int64
	for _, d := range recent { // by Start: the last match began last
		if d.EpisodeID == episodeID && d.Status == Started && !d.Start.After(airTime) {
			id = d.ID
		}
	}
	return id, nil
}

// traceOnAir logs the sound on air once, then its timed tracks as they
// pass. It returns the URI on air ("" if none or unknown).
func (m *Monitor) traceOnAir(ctx context.Context, now time.Time, errs *[]error) string {
	pctx, cancel := m.playerCtx(ctx)
	source, uri, airTime, err := m.cfg.Player.OnAir(pctx)
	cancel()
	if err != nil {
		atomic.AddInt64(&m.stats.PlayerErrors, 1)
		*errs = append(*errs, fmt.Errorf("player on air: %w", err))
		return ""
	}
	if uri == "" {
		return ""
	}
	if airTime.IsZero() || airTime.After(now.Add(m.margin)) {
		// An air time in the future is garbage (or a local time read in
		// the wrong zone): log the sound as starting now rather than lie.
		m.log.Warn("player air time not plausible; using now", "source", source, "uri", uri, "air_time", airTime)
		airTime = now
	}
	st, seen := m.onAir[source]
	if !seen || st.uri != uri || !st.airTime.Equal(airTime) {
		st = onAirState{uri: uri, airTime: airTime}
		l := Log{StationID: m.cfg.StationID, Date: airTime, Source: source, Comment: uri}
		sound, err := m.cfg.Store.SoundByPath(ctx, uri)
		switch {
		case err == nil:
			l.SoundID = sound.ID
			if sound.EpisodeID != 0 {
				id, err := m.diffusionOfSound(ctx, sound.EpisodeID, airTime)
				if err != nil {
					*errs = append(*errs, m.storeErr(err))
					return uri
				}
				l.DiffusionID = id
			}
		case !errors.Is(err, ErrNotFound):
			*errs = append(*errs, m.storeErr(err))
			return uri
		}
		got, created, err := m.cfg.Store.AppendOnAir(ctx, l, onAirDedup)
		if err != nil {
			*errs = append(*errs, m.storeErr(fmt.Errorf("on-air log: %w", err)))
			return uri
		}
		if created {
			atomic.AddInt64(&m.stats.OnAirLogs, 1)
			m.log.Info("on air", "source", source, "uri", uri, "air_time", airTime, "diffusion", l.DiffusionID, "log", got.ID)
		}
		st.log = got
		if got.SoundID != 0 {
			if st.tracks, err = m.cfg.Store.TimedTracks(ctx, got.SoundID); err != nil {
				*errs = append(*errs, m.storeErr(err))
				return uri
			}
		}
		m.onAir[source] = st
	}
	// Tracks are back-dated to their position in the sound; the key makes
	// a restarted monitor skip the ones already logged.
	for st.logged < len(st.tracks) {
		tr := st.tracks[st.logged]
		at := st.log.Date.Add(tr.Timestamp)
		if at.After(now) {
			break
		}
		_, created, err := m.cfg.Store.AppendLog(ctx, Log{StationID: m.cfg.StationID, Type: LogOnAir, Date: at, Source: source,
			SoundID: st.log.SoundID, TrackID: tr.ID, ParentID: st.log.ID, DiffusionID: st.log.DiffusionID,
			Key: fmt.Sprintf("track:%d:%d", st.log.ID, tr.ID)})
		if err != nil {
			*errs = append(*errs, m.storeErr(fmt.Errorf("track log: %w", err)))
			break
		}
		if created {
			atomic.AddInt64(&m.stats.TrackLogs, 1)
		}
		st.logged++
	}
	m.onAir[source] = st
	return uri
}

// handleDiffusions is aircox's handle_diffusions with the fixes listed on
// Monitor: only the earliest due diffusion is examined; a later overlapping
// one waits for its end.
func (m *Monitor) handleDiffusions(ctx context.Context, now time.Time, gen uint64, playing string, jumped bool) error {
	due, err := m.cfg.Store.DueDiffusions(ctx, m.cfg.StationID, now)
	if err != nil {
		return m.storeErr(fmt.Errorf("due diffusions: %w", err))
	}
	for id := range m.resumed {
		if !slices.ContainsFunc(due, func(d DueDiffusion) bool { return d.ID == id }) {
			delete(m.resumed, id)
		}
	}
	i := slices.IndexFunc(due, func(d DueDiffusion) bool { return d.Status == Started || d.HasArchive })
	if i < 0 {
		return nil
	}
	d := due[i]
	if d.Status == Started {
		return m.resume(ctx, now, d.Diffusion, gen, playing)
	}
	playlist, err := m.playable(ctx, now, d.Diffusion)
	if err != nil || len(playlist) == 0 {
		return err // nothing left to play: it ends MISSED unless a file comes back
	}
	free, err := m.dealerFree(ctx)
	if err != nil {
		return err
	}
	if free {
		return m.start(ctx, now, d.Diffusion, playlist, gen)
	}
	if late := now.Sub(d.Start); m.cfg.CancelTimeout > 0 && late > m.cfg.CancelTimeout && !jumped {
		reason := fmt.Sprintf("not startable %v after its start: the dealer is busy", late.Round(time.Second))
		l, ok, err := m.cfg.Store.Settle(ctx, d.ID, StatusCancelled, Log{Date: now, Source: m.cfg.DealerSource, Comment: reason})
		if err != nil {
			return m.storeErr(fmt.Errorf("cancel diffusion %d: %w", d.ID, err))
		}
		if ok {
			atomic.AddInt64(&m.stats.Cancels, 1)
			m.log.Warn("diffusion cancelled", "diffusion", d.ID, "start", d.Start, "log", l.ID, "reason", reason)
		}
	}
	return nil
}

// playable returns the diffusion's playlist after checking its files;
// missing ones are marked removed and logged.
func (m *Monitor) playable(ctx context.Context, now time.Time, d Diffusion) ([]Sound, error) {
	playlist, err := m.cfg.Store.Playlist(ctx, d.EpisodeID)
	if err != nil {
		return nil, m.storeErr(fmt.Errorf("playlist of diffusion %d: %w", d.ID, err))
	}
	kept := playlist[:0]
	for _, s := range playlist {
		missing, err := m.checkFile(ctx, now, s, d.ID)
		if err != nil {
			return nil, err
		}
		if !missing {
			kept = append(kept, s)
		}
	}
	return kept, nil
}

// checkFile reports whether s's file is missing, marking it removed (and
// logging it) if so.
func (m *Monitor) checkFile(ctx context.Context, now time.Time, s Sound, diffusionID int64) (bool, error) {
	err := m.cfg.Stat(ctx, s.Path)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		// Unknown (a slow disk, no permission): do not call it missing.
		m.log.Warn("cannot check sound file", "sound", s.ID, "path", s.Path, "err", err)
		return false, nil
	}
	changed, err := m.cfg.Store.SetSoundRemoved(ctx, s.ID, true)
	if err != nil {
		return false, m.storeErr(fmt.Errorf("mark sound %d removed: %w", s.ID, err))
	}
	if changed {
		m.log.Warn("sound file missing; sound removed", "sound", s.ID, "path", s.Path)
		if _, _, err := m.cfg.Store.AppendLog(ctx, Log{StationID: m.cfg.StationID, Type: LogOther, Date: now,
			Source: m.cfg.DealerSource, Comment: "sound file missing: " + s.Path, SoundID: s.ID, DiffusionID: diffusionID}); err != nil {
			return true, m.storeErr(err)
		}
	}
	return true, nil
}

// dealerFree is aircox's test, stricter on the queue: nothing waits in it,
// and nothing plays or what plays ends within Margin.
func (m *Monitor) dealerFree(ctx context.Context) (bool, error) {
	pctx, cancel := m.playerCtx(ctx)
	defer cancel()
	queue, err := m.cfg.Player.DealerQueue(pctx)
	if err != nil {
		atomic.AddInt64(&m.stats.PlayerErrors, 1)
		return false, fmt.Errorf("player dealer queue: %w", err)
	}
	if len(queue) > 0 {
		return false, nil
	}
	remaining, playing, err := m.cfg.Player.DealerRemaining(pctx)
	if err != nil {
		atomic.AddInt64(&m.stats.PlayerErrors, 1)
		return false, fmt.Errorf("player dealer remaining: %w", err)
	}
	return !playing || remaining < m.margin, nil
}

// start records the intent, pushes, and confirms. A crash after the
// intent leaves an unconfirmed START that resume completes.
func (m *Monitor) start(ctx context.Context, now time.Time, d Diffusion, playlist []Sound, gen uint64) error {
	uris := make([]string, len(playlist))
	for i, s := range playlist {
		uris[i] = s.Path
	}
	l, ok, err := m.cfg.Store.BeginStart(ctx, d.ID, Log{Date: now, Source: m.cfg.DealerSource, URIs: uris, Generation: gen,
		Comment: fmt.Sprintf("diffusion %d, %d sounds", d.ID, len(uris))})
	if err != nil {
		return m.storeErr(fmt.Errorf("start diffusion %d: %w", d.ID, err))
	}
	if !ok {
		return nil // another monitor started it
	}
	pctx, cancel := m.playerCtx(ctx)
	defer cancel()
	if err := m.cfg.Player.Push(pctx, uris...); err != nil {
		atomic.AddInt64(&m.stats.PlayerErrors, 1)
		return fmt.Errorf("push diffusion %d: %w", d.ID, err)
	}
	if err := m.cfg.Store.ConfirmStart(ctx, l.ID, gen, uris); err != nil {
		return m.storeErr(fmt.Errorf("confirm start of diffusion %d: %w", d.ID, err))
	}
	m.resumed[d.ID] = gen
	atomic.AddInt64(&m.stats.Starts, 1)
	m.log.Info("diffusion started", "diffusion", d.ID, "start", d.Start, "late", now.Sub(d.Start), "sounds", len(uris), "log", l.ID)
	return nil
}

// resume makes sure a started, still due diffusion has its sounds in the
// player: after a crash between intent and push, or a player restart.
func (m *Monitor) resume(ctx context.Context, now time.Time, d Diffusion, gen uint64, playing string) error {
	if m.resumed[d.ID] == gen {
		return nil
	}
	l, err := m.cfg.Store.StartLog(ctx, d.ID)
	if err != nil {
		return m.storeErr(fmt.Errorf("start log of diffusion %d: %w", d.ID, err))
	}
	if l.Confirmed && l.Generation == gen {
		m.resumed[d.ID] = gen
		return nil
	}
	pctx, cancel := m.playerCtx(ctx)
	defer cancel()
	queue, err := m.cfg.Player.DealerQueue(pctx)
	if err != nil {
		atomic.AddInt64(&m.stats.PlayerErrors, 1)
		return fmt.Errorf("player dealer queue: %w", err)
	}
	heard, err := m.cfg.Store.Logs(ctx, LogFilter{StationID: m.cfg.StationID, DiffusionID: d.ID, Types: []LogType{LogOnAir}, TopLevel: true})
	if err != nil {
		return m.storeErr(err)
	}
	missing, err := m.missing(ctx, now, l, queue, playing, heard)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		if err := m.cfg.Player.Push(pctx, missing...); err != nil {
			atomic.AddInt64(&m.stats.PlayerErrors, 1)
			return fmt.Errorf("re-push diffusion %d: %w", d.ID, err)
		}
		atomic.AddInt64(&m.stats.Repushes, 1)
		why := "player restarted"
		if l.Generation == gen {
			why = "start not confirmed"
		}
		m.log.Warn("diffusion re-pushed", "diffusion", d.ID, "sounds", len(missing), "why", why)
		if _, _, err := m.cfg.Store.AppendLog(ctx, Log{StationID: m.cfg.StationID, Type: LogOther, Date: now, Source: m.cfg.DealerSource,
			DiffusionID: d.ID, Comment: fmt.Sprintf("re-pushed %d sounds: %s", len(missing), why)}); err != nil {
			return m.storeErr(err)
		}
	}
	if err := m.cfg.Store.ConfirmStart(ctx, l.ID, gen, l.URIs); err != nil {
		return m.storeErr(err)
	}
	m.resumed[d.ID] = gen
	return nil
}

// missing returns the URIs of a START that the player does not hold.
//
// Same player (the monitor died between intent and confirm): the URIs
// neither heard, queued nor playing. Player restarted: from the last sound
// heard, if it had not finished when the player went away, else from the
// next one; the rest of the playlist after it. When the player went away is
// the last tick this monitor saw it answer; a monitor that started after
// the player went away cannot know, and counts to now instead, so a slow
// restart can let a cut sound count as finished.
func (m *Monitor) missing(ctx context.Context, now time.Time, l Log, queue []string, playing string, heard []Log) ([]string, error) {
	present := map[string]bool{playing: playing != ""}
	for _, q := range queue {
		present[q] = true
	}
	heardAt := map[string]time.Time{}
	for _, h := range heard {
		heardAt[h.Comment] = h.Date
	}
	if l.Generation == m.gen {
		var out []string
		for _, u := range l.URIs {
			if _, ok := heardAt[u]; !ok && !present[u] {
				out = append(out, u)
			}
		}
		return out, nil
	}
	cut := now
	if !m.goneAt.IsZero() && m.goneAt.Before(now) {
		cut = m.goneAt
	}
	from := 0
	for i, u := range l.URIs {
		at, ok := heardAt[u]
		if !ok {
			continue
		}
		from = i + 1
		s, err := m.cfg.Store.SoundByPath(ctx, u)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, m.storeErr(err)
		}
		if s.Duration == 0 || at.Add(s.Duration).After(cut) {
			from = i // it was cut: play it again
		}
	}
	var out []string
	for _, u := range l.URIs[from:] {
		if !present[u] {
			out = append(out, u)
		}
	}
	return out, nil
}

// sync checks the station's sound files (a missing file removes its sound,
// a file back restores it) and reloads every music playlist.
func (m *Monitor) sync(ctx context.Context) error {
	now := m.clock.Now()
	sounds, err := m.cfg.Store.Sounds(ctx, m.cfg.StationID)
	if err != nil {
		return m.storeErr(fmt.Errorf("sync: %w", err))
	}
	for _, s := range sounds {
		if s.Type == SoundRemoved {
			if err := m.cfg.Stat(ctx, s.Path); err == nil {
				if _, err := m.cfg.Store.SetSoundRemoved(ctx, s.ID, false); err != nil {
					return m.storeErr(err)
				}
				m.log.Info("sound file back", "sound", s.ID, "path", s.Path)
			}
			continue
		}
		if _, err := m.checkFile(ctx, now, s, 0); err != nil {
			return err
		}
	}
	lists, err := m.cfg.Store.StreamPlaylists(ctx, m.cfg.StationID)
	if err != nil {
		return m.storeErr(fmt.Errorf("sync: %w", err))
	}
	var errs []error
	for _, pl := range lists {
		uris := make([]string, len(pl.Sounds))
		for i, s := range pl.Sounds {
			uris[i] = s.Path
		}
		pctx, cancel := m.playerCtx(ctx)
		err := m.cfg.Player.SyncPlaylist(pctx, pl.Name, uris)
		cancel()
		if err != nil {
			atomic.AddInt64(&m.stats.PlayerErrors, 1)
			errs = append(errs, fmt.Errorf("sync playlist %s: %w", pl.Name, err))
			continue
		}
		m.log.Debug("playlist synced", "playlist", pl.Name, "sounds", len(uris))
	}
	return errors.Join(errs...)
}
