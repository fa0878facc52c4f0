package seal

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/schedule"
)

// Config configures a Sealer.
type Config struct {
	Store     Store // required
	StationID int64 // required
	// Archive holds the station's own recording; nil: entries are sealed,
	// not cited.
	Archive         archive.Reader
	Stream, Variant string // where the recording is; required with Archive
	// Latency is how long after an entry ended its last segment is surely
	// stored: a segment's length and a playlist reload. 0 means 30s.
	Latency time.Duration
	// Interval between two rounds of Run. 0 means 2s.
	Interval time.Duration
	// Loc is the zone of the station's days, for the daily chain heads.
	// nil means UTC.
	Loc    *time.Location
	Clock  airkeep.Clock // nil means airkeep.SystemClock()
	Logger *slog.Logger  // nil means discard
}

// ConfigError names a bad field of a Config.
type ConfigError struct{ Field, Reason string }

func (e *ConfigError) Error() string { return "seal: bad config " + e.Field + ": " + e.Reason }

// Sealer seals a station's as-run log as it grows.
type Sealer struct {
	cfg   Config
	clock airkeep.Clock
	log   *slog.Logger
	day   string // the day whose head was last announced
}

// batch bounds the logs sealed in one transaction.
const batch = 500

// NewSealer checks cfg and returns a Sealer.
func NewSealer(cfg Config) (*Sealer, error) {
	switch {
	case cfg.Store == nil:
		return nil, &ConfigError{"Store", "required"}
	case cfg.StationID == 0:
		return nil, &ConfigError{"StationID", "required"}
	case cfg.Archive != nil && (cfg.Stream == "" || cfg.Variant == ""):
		return nil, &ConfigError{"Stream", "an archive needs its stream and variant"}
	case cfg.Latency < 0 || cfg.Interval < 0:
		return nil, &ConfigError{"Latency", "negative"}
	}
	if cfg.Latency == 0 {
		cfg.Latency = 30 * time.Second
	}
	if cfg.Interval == 0 {
		cfg.Interval = 2 * time.Second
	}
	if cfg.Loc == nil {
		cfg.Loc = time.UTC
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sealer{cfg: cfg, clock: airkeep.OrSystem(cfg.Clock), log: log}, nil
}

// link is the next link of a chain.
func link(prev [32]byte, body []byte) [32]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Result counts what a round sealed.
type Result struct {
	Logs, Citations int
}

// Seal seals every log not sealed yet, in log order, then cites the
// segments of every top-level on-air entry that ended Latency ago or
// more. A crash leaves what was appended; the next call goes on from the
// chain's head.
func (s *Sealer) Seal(ctx context.Context) (Result, error) {
	var res Result
	st, id := s.cfg.Store, s.cfg.StationID
	for {
		head, _, err := st.LastSeal(ctx, id, 0)
		if err != nil {
			return res, fmt.Errorf("seal: %w", err)
		}
		lastLog, _, err := st.LastSeal(ctx, id, schedule.SealLog)
		if err != nil {
			return res, fmt.Errorf("seal: %w", err)
		}
		logs, err := st.Logs(ctx, schedule.LogFilter{StationID: id, AfterID: lastLog.LogID, Limit: batch})
		if err != nil {
			return res, fmt.Errorf("seal: %w", err)
		}
		if len(logs) == 0 {
			break
		}
		now := s.clock.Now().UTC()
		seals := make([]schedule.Seal, 0, len(logs))
		prev := head.Link
		for _, l := range logs {
			e, err := entryOf(ctx, st, l)
			if err != nil {
				return res, fmt.Errorf("seal: log %d: %w", l.ID, err)
			}
			body := encode(e)
			prev = link(prev, body)
			seals = append(seals, schedule.Seal{Kind: schedule.SealLog, LogID: l.ID, Body: body, Link: prev, SealedAt: now})
		}
		if err := st.AppendSeals(ctx, id, head.Seq, seals); err != nil {
			return res, fmt.Errorf("seal: %w", err)
		}
		res.Logs += len(seals)
		if len(logs) < batch {
			break
		}
	}
	if s.cfg.Archive == nil {
		return res, nil
	}
	n, err := s.cite(ctx)
	res.Citations = n
	return res, err
}

// cite seals the citations of the entries that ended long enough ago.
func (s *Sealer) cite(ctx context.Context) (int, error) {
	st, id := s.cfg.Store, s.cfg.StationID
	lastCite, _, err := st.LastSeal(ctx, id, schedule.SealCite)
	if err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	lastLog, _, err := st.LastSeal(ctx, id, schedule.SealLog)
	if err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	// The entries to cite, and one more: what followed the last ends it.
	logs, err := st.Logs(ctx, schedule.LogFilter{StationID: id, AfterID: lastCite.LogID, BeforeID: lastLog.LogID + 1,
		Types: []schedule.LogType{schedule.LogOnAir}, TopLevel: true, Limit: batch + 1})
	if err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	now := s.clock.Now().UTC()
	var seals []schedule.Seal
	for i, l := range logs {
		if i == batch {
			break
		}
		end := time.Time{}
		if i+1 < len(logs) {
			end = logs[i+1].Date
		}
		if l.SoundID != 0 {
			if so, err := st.Sound(ctx, l.SoundID); err == nil && so.Duration > 0 {
				if e := l.Date.Add(so.Duration); end.IsZero() || e.Before(end) {
					end = e
				}
			} else if err != nil && !errors.Is(err, schedule.ErrNotFound) {
				return 0, fmt.Errorf("seal: %w", err)
			}
		}
		if end.IsZero() || now.Before(end.Add(s.cfg.Latency)) {
			break // still on air, or its segments may still come
		}
		c := Citation{V: Version, Kind: "cite", Station: id, Log: l.ID, Start: stamp(l.Date), End: stamp(end),
			Stream: s.cfg.Stream, Variant: s.cfg.Variant, Segments: []string{}}
		if end.After(l.Date) {
			tl, err := archive.Best(ctx, s.cfg.Archive, archive.Query{Stream: s.cfg.Stream, Variant: s.cfg.Variant, Start: l.Date, End: end})
			if err != nil {
				return 0, fmt.Errorf("seal: segments of log %d: %w", l.ID, err)
			}
			var holes time.Duration
			for _, it := range tl.Items {
				if it.Hole {
					holes += it.End.Sub(it.Start)
					continue
				}
				c.Segments = append(c.Segments, it.Segment.Path())
			}
			c.Holes = holes.String()
		}
		seals = append(seals, schedule.Seal{Kind: schedule.SealCite, LogID: l.ID, Body: encode(c)})
	}
	if len(seals) == 0 {
		return 0, nil
	}
	head, _, err := st.LastSeal(ctx, id, 0)
	if err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	prev := head.Link
	for i := range seals {
		prev = link(prev, seals[i].Body)
		seals[i].Link, seals[i].SealedAt = prev, now
	}
	if err := st.AppendSeals(ctx, id, head.Seq, seals); err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	return len(seals), nil
}

// Run seals at once, then every Interval, until ctx ends (it returns
// nil then). A failed round is logged and tried again; at the first round
// of a new day it logs the previous day's chain head.
func (s *Sealer) Run(ctx context.Context) error {
	timer := s.clock.NewTimer(0)
	defer timer.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C():
		}
		res, err := s.Seal(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !failing:
			failing = true
			s.log.Warn("as-run sealing failed; retrying", "err", err)
		case err == nil && failing:
			failing = false
			s.log.Info("as-run sealing back")
		}
		if res.Logs+res.Citations > 0 {
			s.log.Debug("sealed", "logs", res.Logs, "citations", res.Citations)
		}
		if err == nil {
			s.announce(ctx)
		}
		timer.Reset(s.cfg.Interval)
	}
}

// announce logs yesterday's chain head once the day has turned.
func (s *Sealer) announce(ctx context.Context) {
	today := s.clock.Now().In(s.cfg.Loc).Format(time.DateOnly)
	if s.day == today {
		return
	}
	first := s.day == ""
	s.day = today
	if first {
		return
	}
	d, _ := schedule.ParseDate(today)
	y := d.AddDays(-1)
	h, err := DayHead(ctx, s.cfg.Store, s.cfg.StationID, y, s.cfg.Loc)
	if err != nil {
		s.log.Warn("chain head of the day unavailable", "day", y.String(), "err", err)
		return
	}
	s.log.Info("proof chain head", "day", h.Day, "seq", h.Seq, "link", h.Link)
}
