package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/airkeep/airkeep"
)

// ReadRemover lists a store and deletes hours from it: what retention uses.
type ReadRemover interface {
	Reader
	Remover
}

// MinPruneAge is how far in the past a retention cutoff must be. The
// current hour is being captured and the previous one may still receive
// late segments, so neither may ever be pruned; a cutoff two hours back
// keeps both out by construction.
const MinPruneAge = 2 * time.Hour

// PruneConfig says what Prune removes.
type PruneConfig struct {
	// Cutoff: every hour that ends at or before it is removed, whole. An
	// hour that straddles it is kept. Required; it must be at least
	// MinPruneAge in the past.
	Cutoff time.Time
	// Streams and Variants restrict what is pruned. Empty means all.
	Streams, Variants []string
	// DryRun lists what would be removed and removes nothing.
	DryRun bool
	// Clock tells the time that Cutoff is checked against. Nil means the
	// system clock.
	Clock airkeep.Clock
	// Observer, when set, is told of every hour removed (or, in a dry run,
	// that would be), before it goes.
	Observer func(PrunedHour)
}

// PrunedHour is one hour that retention removed, or would remove.
type PrunedHour struct {
	Stream, Variant, Hour string
	// Segments and Bytes are what the hour held. Its tombstones stay.
	Segments int
	Bytes    int64
}

// PruneResult sums what a Prune removed.
type PruneResult struct {
	Hours    []PrunedHour
	Segments int
	Bytes    int64
}

// CutoffError reports a retention cutoff that Prune refuses.
type CutoffError struct {
	Cutoff, Now time.Time
	Reason      string
}

func (e *CutoffError) Error() string {
	return fmt.Sprintf("archive: prune cutoff %s: %s (now %s)", e.Cutoff.UTC().Format(time.RFC3339), e.Reason, e.Now.UTC().Format(time.RFC3339))
}

// ErrCutoff is matched by every *CutoffError.
var ErrCutoff = errors.New("archive: prune cutoff refused")

// Is makes errors.Is(err, ErrCutoff) true.
func (e *CutoffError) Is(target error) bool { return target == ErrCutoff }

// Prune deletes whole hours older than cfg.Cutoff, wubloader's backfiller
// --delete-old made safe: never the current or the previous hour, never a
// part of an hour, a dry run to see first, and on a DirStore each hour
// goes atomically (see DirStore.RemoveHour). Tombstones are kept. Unlike
// wubloader, which deletes every hour that starts before its cutoff, an
// hour is removed only if it ends by the cutoff, so nothing newer than the
// cutoff is ever deleted.
//
// Capture and backfill may run meanwhile: they write into recent hours,
// which are never pruned. A backfill whose window reaches past the cutoff
// would fetch pruned hours again from peers; give it the same cutoff
// (BackfillConfig.Start).
func Prune(ctx context.Context, store ReadRemover, cfg PruneConfig) (PruneResult, error) {
	now := airkeep.OrSystem(cfg.Clock).Now()
	switch {
	case cfg.Cutoff.IsZero():
		return PruneResult{}, &CutoffError{Cutoff: cfg.Cutoff, Now: now, Reason: "required"}
	case cfg.Cutoff.After(now):
		return PruneResult{}, &CutoffError{Cutoff: cfg.Cutoff, Now: now, Reason: "in the future"}
	case now.Sub(cfg.Cutoff) < MinPruneAge:
		return PruneResult{}, &CutoffError{Cutoff: cfg.Cutoff, Now: now, Reason: fmt.Sprintf("within the last %v, which hold the hours being captured", MinPruneAge)}
	}
	for _, s := range cfg.Streams {
		if err := ValidateComponent("stream", s); err != nil {
			return PruneResult{}, err
		}
	}
	for _, v := range cfg.Variants {
		if err := ValidateComponent("variant", v); err != nil {
			return PruneResult{}, err
		}
	}
	// Never the current or previous hour, whatever the cutoff says.
	newest := now.UTC().Truncate(time.Hour).Add(-time.Hour)
	var res PruneResult
	streams, err := store.Streams(ctx)
	if err != nil {
		return res, err
	}
	for _, s := range streams {
		if len(cfg.Streams) > 0 && !contains(cfg.Streams, s) {
			continue
		}
		variants, err := store.Variants(ctx, s)
		if err != nil {
			return res, err
		}
		for _, v := range variants {
			if len(cfg.Variants) > 0 && !contains(cfg.Variants, v) {
				continue
			}
			hours, err := store.Hours(ctx, s, v)
			if err != nil {
				return res, err
			}
			for _, h := range hours {
				t, err := ParseHour(h)
				if err != nil || t.Add(time.Hour).After(cfg.Cutoff) || !t.Before(newest) {
					continue // sorted, but a foreign store's order is not ours to trust
				}
				l, err := store.List(ctx, s, v, h)
				if err != nil {
					return res, err
				}
				if len(l.Segments) == 0 && len(l.Bad) == 0 {
					continue // only tombstones, which stay
				}
				ph := PrunedHour{Stream: s, Variant: v, Hour: h, Segments: len(l.Segments)}
				for _, e := range l.Segments {
					ph.Bytes += e.Size
				}
				if cfg.Observer != nil {
					cfg.Observer(ph)
				}
				if !cfg.DryRun {
					if err := store.RemoveHour(ctx, s, v, h); err != nil {
						return res, err
					}
				}
				res.Hours = append(res.Hours, ph)
				res.Segments += ph.Segments
				res.Bytes += ph.Bytes
			}
		}
	}
	return res, nil
}
