package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/airkeep/airkeep"
)

// LivePlayer is the live input as the live slots see it. streamer's
// Controller satisfies it (with a station whose Live.Slots is set).
type LivePlayer interface {
	// OpenLive lets a source client in with user and password, and no
	// other, until CloseLive.
	OpenLive(ctx context.Context, user, password string) error
	// CloseLive refuses every source client and disconnects the one
	// connected.
	CloseLive(ctx context.Context) error
	// LiveConnected reports whether a source client feeds the live input.
	LiveConnected(ctx context.Context) (bool, error)
}

// LiveStore is what the live slots need from storage.
type LiveStore interface {
	DueDiffusions(ctx context.Context, stationID int64, now time.Time) ([]DueDiffusion, error)
	Settle(ctx context.Context, diffusionID int64, to Status, l Log) (Log, bool, error)
	AppendLog(ctx context.Context, l Log) (Log, bool, error)
	PutTrack(ctx context.Context, t Track) (Track, error)
}

// LiveCredentials are what a program's source client gives the harbor.
type LiveCredentials struct {
	User, Password string
}

// LiveConfig makes some programs live slots: during each of their
// diffusions the harbor accepts the program's credentials, and no others
// at any time; at the diffusion's end the client is disconnected and
// automation resumes. A diffusion nobody connected to within Grace of its
// start is settled MISSED (automation keeps the air meanwhile). A
// connection is logged ON_AIR (Source "live") on the diffusion, each
// title the live source sends as a track of it (a Track of the episode,
// and an ON_AIR log whose parent is the connection's), the disconnection
// as STOP.
type LiveConfig struct {
	Store  LiveStore  // required
	Player LivePlayer // required
	// Programs are the live programs, by program ID. Required.
	Programs map[int64]LiveCredentials
	// Grace is how long after a slot's start a source client may connect
	// before the diffusion is MISSED. 0 means 5 min.
	Grace time.Duration
	// Delay is the time between two checks. 0 means 1s.
	Delay time.Duration
	// PlayerTimeout bounds each call to the player. 0 means 5s.
	PlayerTimeout time.Duration
}

// LiveSource is the Source of the live slots' logs.
const LiveSource = "live"

// liveTrackBase is the first Position of the tracks a live source sends.
const liveTrackBase = 1_000_000

type liveSlots struct {
	cfg       LiveConfig
	stationID int64
	clock     airkeep.Clock
	log       *slog.Logger

	mu     sync.Mutex
	cur    *DueDiffusion // the slot on now
	opened bool          // the player holds cur's credentials
	conn   Log           // the connection's ON_AIR log, while connected
	came   bool          // someone connected during cur
	missed int64
}

func newLiveSlots(cfg LiveConfig, stationID int64, clock airkeep.Clock, log *slog.Logger) (*liveSlots, error) {
	switch {
	case cfg.Store == nil:
		return nil, &FieldError{Type: "LiveConfig", Field: "Store", Reason: "missing"}
	case cfg.Player == nil:
		return nil, &FieldError{Type: "LiveConfig", Field: "Player", Reason: "missing"}
	case len(cfg.Programs) == 0:
		return nil, &FieldError{Type: "LiveConfig", Field: "Programs", Reason: "missing"}
	case cfg.Grace < 0 || cfg.Delay < 0 || cfg.PlayerTimeout < 0:
		return nil, &FieldError{Type: "LiveConfig", Field: "Grace", Reason: "negative"}
	}
	for id, c := range cfg.Programs {
		if c.User == "" || c.Password == "" {
			return nil, &FieldError{Type: "LiveConfig", Field: fmt.Sprintf("Programs[%d]", id), Reason: "user and password required"}
		}
	}
	if cfg.Grace == 0 {
		cfg.Grace = 5 * time.Minute
	}
	if cfg.Delay == 0 {
		cfg.Delay = time.Second
	}
	if cfg.PlayerTimeout == 0 {
		cfg.PlayerTimeout = 5 * time.Second
	}
	return &liveSlots{cfg: cfg, stationID: stationID, clock: clock, log: log}, nil
}

func (l *liveSlots) state() (missed int64, on bool, diffusion int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn.ID != 0 && l.cur != nil {
		diffusion = l.cur.ID
	}
	return l.missed, l.conn.ID != 0, diffusion
}

func (l *liveSlots) run(ctx context.Context) {
	t := l.clock.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.mu.Lock()
			l.closeSlot(context.WithoutCancel(ctx), l.clock.Now(), "")
			l.mu.Unlock()
			return
		case <-t.C():
		}
		if err := l.Tick(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("live slots", "err", err)
		}
		t.Reset(l.cfg.Delay)
	}
}

// Tick opens, checks and closes the live slots once.
func (l *liveSlots) Tick(ctx context.Context) error {
	now := l.clock.Now().UTC()
	due, err := l.cfg.Store.DueDiffusions(ctx, l.stationID, now)
	if err != nil {
		return fmt.Errorf("live: due diffusions: %w", err)
	}
	var slot *DueDiffusion
	for i := range due {
		d := due[i]
		if _, ok := l.cfg.Programs[d.ProgramID]; ok && d.Type == OnAir && d.Start.Before(now.Add(time.Nanosecond)) && now.Before(d.End) {
			slot = &d
			break
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur != nil && (slot == nil || slot.ID != l.cur.ID) {
		if err := l.closeSlot(ctx, now, ""); err != nil {
			return err
		}
	}
	if slot == nil {
		return nil
	}
	if l.cur == nil {
		l.cur, l.came = slot, false
		l.log.Info("live slot", "diffusion", slot.ID, "start", slot.Start, "end", slot.End)
	}
	if !l.opened {
		c := l.cfg.Programs[slot.ProgramID]
		pctx, cancel := context.WithTimeout(ctx, l.cfg.PlayerTimeout)
		err := l.cfg.Player.OpenLive(pctx, c.User, c.Password)
		cancel()
		if err != nil {
			return fmt.Errorf("live: open slot of diffusion %d: %w", slot.ID, err)
		}
		l.opened = true
	}
	pctx, cancel := context.WithTimeout(ctx, l.cfg.PlayerTimeout)
	connected, err := l.cfg.Player.LiveConnected(pctx)
	cancel()
	if err != nil {
		return fmt.Errorf("live: status: %w", err)
	}
	if connected {
		l.came = true
		if l.conn.ID == 0 {
			// The connection event was lost (a restart of ours): log it now.
			if err := l.connected(ctx, now, ""); err != nil {
				return err
			}
		}
	}
	if !l.came && now.Sub(l.cur.Start) >= l.cfg.Grace && l.cur.Status == Pending {
		_, ok, err := l.cfg.Store.Settle(ctx, l.cur.ID, Missed, Log{Date: now, Source: LiveSource,
			Comment: fmt.Sprintf("live slot: no source client within %s", l.cfg.Grace)})
		if err != nil {
			return fmt.Errorf("live: settle diffusion %d: %w", l.cur.ID, err)
		}
		l.cur.Status = Missed
		if ok {
			l.missed++
			l.log.Warn("live slot missed", "diffusion", l.cur.ID, "grace", l.cfg.Grace)
		}
	}
	return nil
}

// closeSlot ends the current slot: the client is disconnected and the
// connection logged as stopped. l.mu is held.
func (l *liveSlots) closeSlot(ctx context.Context, now time.Time, comment string) error {
	if l.cur == nil {
		return nil
	}
	if l.opened {
		pctx, cancel := context.WithTimeout(ctx, l.cfg.PlayerTimeout)
		err := l.cfg.Player.CloseLive(pctx)
		cancel()
		if err != nil {
			return fmt.Errorf("live: close slot of diffusion %d: %w", l.cur.ID, err)
		}
	}
	if err := l.disconnected(ctx, now, comment, ""); err != nil {
		return err
	}
	l.log.Info("live slot closed", "diffusion", l.cur.ID)
	l.cur, l.opened = nil, false
	return nil
}

func (l *liveSlots) connected(ctx context.Context, at time.Time, key string) error {
	if l.cur == nil || l.conn.ID != 0 {
		return nil
	}
	log, _, err := l.cfg.Store.AppendLog(ctx, Log{StationID: l.stationID, Type: LogOnAir, Date: at, Source: LiveSource,
		DiffusionID: l.cur.ID, Key: key})
	if err != nil {
		return fmt.Errorf("live: connection: %w", err)
	}
	l.conn, l.came = log, true
	return nil
}

func (l *liveSlots) disconnected(ctx context.Context, at time.Time, comment, key string) error {
	if l.conn.ID == 0 {
		return nil
	}
	if _, _, err := l.cfg.Store.AppendLog(ctx, Log{StationID: l.stationID, Type: LogStop, Date: at, Source: LiveSource,
		DiffusionID: l.conn.DiffusionID, Comment: comment, Key: key}); err != nil {
		return fmt.Errorf("live: disconnection: %w", err)
	}
	l.conn = Log{}
	return nil
}

func (l *liveSlots) playerRestarted(ctx context.Context, at time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.opened = false // the new process holds no credentials
	return l.disconnected(ctx, at, restartComment, "")
}

func (l *liveSlots) report(ctx context.Context, e AirEvent, key func(string) string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case LiveConnected:
		return l.connected(ctx, e.Time, key("live_connect"))
	case LiveDisconnected:
		return l.disconnected(ctx, e.Time, "", key("live_disconnect"))
	case LiveMetadata:
		if l.conn.ID == 0 || l.cur == nil || (e.Title == "" && e.Artist == "") {
			return nil
		}
		// The position is the second of the slot the title came at, past
		// the positions of an imported track list: the same report gives
		// the same track.
		pos := liveTrackBase + int(e.Time.Sub(l.cur.Start)/time.Second)
		tr, err := l.cfg.Store.PutTrack(ctx, Track{EpisodeID: l.cur.EpisodeID, Position: pos, Title: e.Title, Artist: e.Artist,
			Info: "live"})
		if err != nil {
			return fmt.Errorf("live: track: %w", err)
		}
		if _, _, err := l.cfg.Store.AppendLog(ctx, Log{StationID: l.stationID, Type: LogOnAir, Date: e.Time, Source: LiveSource,
			DiffusionID: l.cur.ID, TrackID: tr.ID, ParentID: l.conn.ID, Key: key("live_track")}); err != nil {
			return fmt.Errorf("live: track log: %w", err)
		}
	}
	return nil
}
