package schedule

import (
	"context"
	"log/slog"
	"time"

	"github.com/airkeep/airkeep"
)

// GeneratorConfig configures a Generator.
type GeneratorConfig struct {
	Store     GenerateStore // required
	StationID int64         // required
	// Ahead is how far from now the diffusions are kept generated, such as
	// four weeks; required.
	Ahead time.Duration
	// Every is the time between two runs of Generate; 0 means 6 hours.
	// The first run is Every after Run starts: the program that starts
	// the station generates once itself (after a sync, say).
	Every  time.Duration
	Clock  airkeep.Clock // nil means airkeep.SystemClock()
	Logger *slog.Logger  // nil means discard
}

// Generator keeps a station's coming diffusions generated while it runs,
// as aircox's daily cron does: a station left running for months never
// runs out of diffusions. It never prunes (Generate's Prune): what the
// schedules no longer yield goes at the next sync of the station.
type Generator struct {
	cfg   GeneratorConfig
	clock airkeep.Clock
	log   *slog.Logger
}

// NewGenerator checks cfg and returns the generator.
func NewGenerator(cfg GeneratorConfig) (*Generator, error) {
	bad := func(field, reason string) error {
		return &FieldError{Type: "GeneratorConfig", Field: field, Reason: reason}
	}
	switch {
	case cfg.Store == nil:
		return nil, bad("Store", "missing")
	case cfg.StationID == 0:
		return nil, bad("StationID", "missing")
	case cfg.Ahead <= 0:
		return nil, bad("Ahead", "want a positive duration")
	case cfg.Every < 0:
		return nil, bad("Every", "want 0 or a positive duration")
	}
	g := &Generator{cfg: cfg, clock: airkeep.OrSystem(cfg.Clock), log: cfg.Logger}
	if g.cfg.Every == 0 {
		g.cfg.Every = 6 * time.Hour
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	return g, nil
}

// Run generates every Every until ctx ends, and returns nil then. A
// failed run is logged and tried again at the next.
func (g *Generator) Run(ctx context.Context) error {
	t := g.clock.NewTimer(g.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
		now := g.clock.Now()
		rep, err := Generate(ctx, g.cfg.Store, GenerateRequest{StationID: g.cfg.StationID, From: now, To: now.Add(g.cfg.Ahead)})
		if err != nil && ctx.Err() == nil {
			g.log.Warn("generating the coming weeks failed; retrying later", "err", err)
		} else if err == nil && rep.Created > 0 {
			g.log.Info("diffusions generated", "created", rep.Created, "conflicts", len(rep.Conflicts))
		}
		t.Reset(g.cfg.Every)
	}
}
