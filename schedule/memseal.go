package schedule

import (
	"context"
	"fmt"
	"slices"
	"time"
)

var _ SealStore = (*MemStore)(nil)

// AppendSeals implements SealStore.
func (m *MemStore) AppendSeals(ctx context.Context, stationID, after int64, seals []Seal) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seals == nil {
		m.seals = map[int64][]Seal{}
	}
	chain := m.seals[stationID]
	if int64(len(chain)) != after {
		return fmt.Errorf("append seals after %d, chain at %d: %w", after, len(chain), ErrSealConflict)
	}
	for i, s := range seals {
		s.StationID, s.Seq = stationID, after+int64(i)+1
		s.Body = slices.Clone(s.Body)
		s.SealedAt = utc(s.SealedAt)
		chain = append(chain, s)
	}
	m.seals[stationID] = chain
	return nil
}

// Seals implements SealStore.
func (m *MemStore) Seals(ctx context.Context, stationID, after int64, limit int) ([]Seal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	chain := m.seals[stationID]
	var out []Seal
	for _, s := range chain[min(max(after, 0), int64(len(chain))):] {
		if limit > 0 && len(out) == limit {
			break
		}
		s.Body = slices.Clone(s.Body)
		out = append(out, s)
	}
	return out, nil
}

// LastSeal implements SealStore.
func (m *MemStore) LastSeal(ctx context.Context, stationID int64, kind SealKind) (Seal, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	chain := m.seals[stationID]
	for i := len(chain) - 1; i >= 0; i-- {
		if kind == 0 || chain[i].Kind == kind {
			s := chain[i]
			s.Body = slices.Clone(s.Body)
			return s, true, nil
		}
	}
	return Seal{}, false, nil
}

// SealBefore implements SealStore.
func (m *MemStore) SealBefore(ctx context.Context, stationID int64, t time.Time) (Seal, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	chain := m.seals[stationID]
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].SealedAt.Before(t) {
			s := chain[i]
			s.Body = slices.Clone(s.Body)
			return s, true, nil
		}
	}
	return Seal{}, false, nil
}
