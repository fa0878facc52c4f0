package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airkeep/airkeep"
)

// AirEventKind is what an AirEvent reports.
type AirEventKind int

// Kinds of AirEvent.
const (
	// DeadAirStart: Source went silent at Time (when the silence really
	// began).
	DeadAirStart AirEventKind = iota + 1
	// DeadAirEnd: sound came back on Source at Time.
	DeadAirEnd
	// JingleOnAir: a jingle (URI, Title, Artist) took the air.
	JingleOnAir
	// EmergencyOnAir: a sound of the emergency playlist took the air.
	EmergencyOnAir
	// LiveConnected and LiveDisconnected: a source client started or
	// stopped feeding the live input.
	LiveConnected
	LiveDisconnected
	// LiveMetadata: the live source sent a title and artist.
	LiveMetadata
	// PlayerRestarted: the playout process restarted; what was open
	// (dead air, a live connection) ended then.
	PlayerRestarted
)

func (k AirEventKind) String() string {
	switch k {
	case DeadAirStart:
		return "dead_air_start"
	case DeadAirEnd:
		return "dead_air_end"
	case JingleOnAir:
		return "jingle"
	case EmergencyOnAir:
		return "emergency"
	case LiveConnected:
		return "live_connected"
	case LiveDisconnected:
		return "live_disconnected"
	case LiveMetadata:
		return "live_metadata"
	case PlayerRestarted:
		return "player_restarted"
	}
	return fmt.Sprintf("AirEventKind(%d)", int(k))
}

// AirEvent is something the playout reports about its air, as it happened
// (streamer's Controller.Watch reports them; examples/radio converts).
type AirEvent struct {
	Kind AirEventKind
	// Time is when it happened on air.
	Time   time.Time
	Source string
	URI    string
	Title  string
	Artist string
	// ID identifies the event across restarts of either side (streamer:
	// generation and number); its log is written once per ID. "" means
	// no deduplication.
	ID string
}

// AirStore is what an Air needs from storage.
type AirStore interface {
	AppendLog(ctx context.Context, l Log) (Log, bool, error)
	Logs(ctx context.Context, f LogFilter) ([]Log, error)
	PutTrack(ctx context.Context, t Track) (Track, error)
	Diffusion(ctx context.Context, id int64) (Diffusion, error)
}

// DeadAir is one silent stretch, as handed to AirConfig.OnDeadAir and to
// the webhook.
type DeadAir struct {
	LogID  int64     `json:"log_id"`
	Source string    `json:"source"`
	Start  time.Time `json:"start"`
	// End is zero while the silence lasts.
	End     time.Time `json:"end,omitzero"`
	Comment string    `json:"comment,omitempty"`
}

// AirConfig configures an Air.
type AirConfig struct {
	Store     AirStore // required
	StationID int64    // required
	// Station is the station's slug, sent in webhook payloads.
	Station string
	// Webhook, when set, receives every dead-air start and end.
	Webhook *Webhook
	// OnDeadAir, when set, is called (quickly: it runs in Report) with
	// each dead-air start and end, for metrics and live pages.
	OnDeadAir func(DeadAir)
	// Live, when set, runs the station's live slots (see LiveConfig).
	Live   *LiveConfig
	Clock  airkeep.Clock // nil means airkeep.SystemClock()
	Logger *slog.Logger  // nil means discard
}

// AirStats counts what an Air saw.
type AirStats struct {
	DeadAir        int64         // silent stretches begun
	DeadAirSeconds float64       // total length of the ended ones
	DeadAirOpen    int           // silent now
	Jingles        int64         // jingles logged
	Webhooks       WebhookStats  // deliveries
	LiveMissed     int64         // live slots nobody came to
	LiveOn         bool          // a live show is on air
	LiveDiffusion  int64         // its diffusion, when LiveOn
	_              time.Duration // keeps the struct open to growth
}

// Air turns what the playout reports about its air into the as-run log:
// dead air (LogDeadAir and LogDeadAirEnd), jingles (LogJingle), emergency
// sounds and live shows (LogOnAir, with the live source's metadata as
// tracks of its diffusion), and runs the live slots and the webhook.
// Report never waits for the network: the webhook is sent from Run, with
// retries and backoff, and a full queue drops the oldest notice.
type Air struct {
	cfg   AirConfig
	clock airkeep.Clock
	log   *slog.Logger
	hook  *webhookSender
	live  *liveSlots

	mu        sync.Mutex
	recovered bool
	open      map[string]Log // open dead air by source
	stats     AirStats
	jingles   atomic.Int64
}

// NewAir validates cfg and returns an Air.
func NewAir(cfg AirConfig) (*Air, error) {
	if cfg.Store == nil {
		return nil, &FieldError{Type: "AirConfig", Field: "Store", Reason: "missing"}
	}
	if cfg.StationID == 0 {
		return nil, &FieldError{Type: "AirConfig", Field: "StationID", Reason: "missing"}
	}
	a := &Air{cfg: cfg, clock: airkeep.OrSystem(cfg.Clock), log: cfg.Logger, open: map[string]Log{}}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Webhook != nil {
		h, err := newWebhookSender(*cfg.Webhook, a.clock, a.log)
		if err != nil {
			return nil, err
		}
		a.hook = h
	}
	if cfg.Live != nil {
		l, err := newLiveSlots(*cfg.Live, cfg.StationID, a.clock, a.log)
		if err != nil {
			return nil, err
		}
		a.live = l
	}
	return a, nil
}

// Run sends webhooks and runs the live slots until ctx ends, and returns
// ctx's error after everything it started has stopped.
func (a *Air) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if a.hook != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.hook.run(ctx) }()
	}
	if a.live != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.live.run(ctx) }()
	}
	wg.Wait()
	return ctx.Err()
}

// Tick runs the live slots once (Run does it every LiveConfig.Delay): for
// tests and simulations on a FakeClock.
func (a *Air) Tick(ctx context.Context) error {
	if a.live == nil {
		return nil
	}
	return a.live.Tick(ctx)
}

// Stats returns a snapshot of the counters.
func (a *Air) Stats() AirStats {
	a.mu.Lock()
	s := a.stats
	s.DeadAirOpen = len(a.open)
	a.mu.Unlock()
	s.Jingles = a.jingles.Load()
	if a.hook != nil {
		s.Webhooks = a.hook.stats()
	}
	if a.live != nil {
		s.LiveMissed, s.LiveOn, s.LiveDiffusion = a.live.state()
	}
	return s
}

// OpenDeadAir returns the silent stretches still open, by source.
func (a *Air) OpenDeadAir() []DeadAir {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []DeadAir
	for _, l := range a.open {
		out = append(out, DeadAir{LogID: l.ID, Source: l.Source, Start: l.Date, Comment: l.Comment})
	}
	return out
}

// restartComment ends a stretch or a live show the player's restart cut.
const restartComment = "closed at player restart"

// Report writes what e says into the as-run log. Reporting one event twice
// (same ID) writes it once. Errors are the store's.
func (a *Air) Report(ctx context.Context, e AirEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.recover(ctx); err != nil {
		return err
	}
	e.Time = e.Time.UTC()
	key := func(prefix string) string {
		if e.ID == "" {
			return ""
		}
		return prefix + ":" + e.ID
	}
	st := a.cfg.StationID
	switch e.Kind {
	case DeadAirStart:
		if _, ok := a.open[e.Source]; ok {
			return nil // already open (a replay after our own restart)
		}
		l, created, err := a.cfg.Store.AppendLog(ctx, Log{StationID: st, Type: LogDeadAir, Date: e.Time, Source: e.Source, Key: key("dead_air")})
		if err != nil {
			return fmt.Errorf("air: dead air: %w", err)
		}
		if ends, err := a.cfg.Store.Logs(ctx, LogFilter{StationID: st, ParentID: l.ID, Types: []LogType{LogDeadAirEnd}, Limit: 1}); err != nil {
			return fmt.Errorf("air: dead air: %w", err)
		} else if len(ends) > 0 {
			return nil // a replay of a stretch already closed
		}
		a.open[e.Source] = l
		if created {
			a.stats.DeadAir++
			a.log.Warn("dead air", "source", e.Source, "since", e.Time)
			a.notify(DeadAir{LogID: l.ID, Source: e.Source, Start: l.Date})
		}
	case DeadAirEnd:
		start, ok := a.open[e.Source]
		if !ok {
			return nil
		}
		if err := a.closeDeadAir(ctx, start, e.Time, "", key("dead_air_end")); err != nil {
			return err
		}
	case PlayerRestarted:
		for _, start := range a.open {
			if err := a.closeDeadAir(ctx, start, e.Time, restartComment, key("dead_air_end:"+start.Source)); err != nil {
				return err
			}
		}
		if a.live != nil {
			return a.live.playerRestarted(ctx, e.Time)
		}
	case JingleOnAir:
		_, created, err := a.cfg.Store.AppendLog(ctx, Log{StationID: st, Type: LogJingle, Date: e.Time, Source: e.Source, Comment: e.URI, Key: key("jingle")})
		if err != nil {
			return fmt.Errorf("air: jingle: %w", err)
		}
		if created {
			a.jingles.Add(1)
		}
	case EmergencyOnAir:
		_, _, err := a.cfg.Store.AppendLog(ctx, Log{StationID: st, Type: LogOnAir, Date: e.Time, Source: e.Source, Comment: e.URI, Key: key("emergency")})
		if err != nil {
			return fmt.Errorf("air: emergency sound: %w", err)
		}
	case LiveConnected, LiveDisconnected, LiveMetadata:
		if a.live != nil {
			return a.live.report(ctx, e, key)
		}
	}
	return nil
}

func (a *Air) closeDeadAir(ctx context.Context, start Log, at time.Time, comment, key string) error {
	if at.Before(start.Date) {
		at = start.Date
	}
	if _, _, err := a.cfg.Store.AppendLog(ctx, Log{StationID: a.cfg.StationID, Type: LogDeadAirEnd, Date: at, Source: start.Source,
		ParentID: start.ID, Comment: comment, Key: key}); err != nil {
		return fmt.Errorf("air: dead air end: %w", err)
	}
	delete(a.open, start.Source)
	a.stats.DeadAirSeconds += at.Sub(start.Date).Seconds()
	a.log.Info("sound back", "source", start.Source, "silent_for", at.Sub(start.Date), "comment", comment)
	a.notify(DeadAir{LogID: start.ID, Source: start.Source, Start: start.Date, End: at, Comment: comment})
	return nil
}

func (a *Air) notify(d DeadAir) {
	if a.cfg.OnDeadAir != nil {
		a.cfg.OnDeadAir(d)
	}
	if a.hook != nil {
		a.hook.enqueue(webhookPayload{Station: a.cfg.Station, Event: map[bool]string{true: "dead_air_end", false: "dead_air_start"}[!d.End.IsZero()], DeadAir: d,
			DurationS: durationS(d)})
	}
}

func durationS(d DeadAir) float64 {
	if d.End.IsZero() {
		return 0
	}
	return d.End.Sub(d.Start).Seconds()
}

// recoverWindow is how far back a new Air looks for dead air left open by
// a predecessor.
const recoverWindow = 200

// recover finds, once, the dead air a previous run left open: it is still
// open for the player (whose events will end it) unless the player
// restarted meanwhile, which PlayerRestarted then closes.
func (a *Air) recover(ctx context.Context) error {
	if a.recovered {
		return nil
	}
	logs, err := a.cfg.Store.Logs(ctx, LogFilter{StationID: a.cfg.StationID, Types: []LogType{LogDeadAir, LogDeadAirEnd}, Desc: true, Limit: recoverWindow})
	if err != nil {
		return fmt.Errorf("air: open dead air: %w", err)
	}
	ended := map[int64]bool{}
	for _, l := range logs {
		if l.Type == LogDeadAirEnd {
			ended[l.ParentID] = true
		}
	}
	for i := len(logs) - 1; i >= 0; i-- {
		if l := logs[i]; l.Type == LogDeadAir && !ended[l.ID] {
			a.open[l.Source] = l
		}
	}
	a.recovered = true
	return nil
}
