package schedule

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/airkeep/airkeep/schedule/listeners"
)

var _ ListenerStore = (*MemStore)(nil)

// RecordListeners implements ListenerStore.
func (m *MemStore) RecordListeners(ctx context.Context, stationID int64, samples []listeners.Sample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.listeners == nil {
		m.listeners = map[int64][]listeners.Sample{}
	}
	all := m.listeners[stationID]
	for _, s := range samples {
		s.At = utc(s.At)
		i := slices.IndexFunc(all, func(x listeners.Sample) bool { return x.At.Equal(s.At) && x.Mount == s.Mount })
		if i >= 0 {
			all[i] = s
			continue
		}
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b listeners.Sample) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Mount, b.Mount)) })
	m.listeners[stationID] = all
	return nil
}

// ListenerSamples implements ListenerStore.
func (m *MemStore) ListenerSamples(ctx context.Context, stationID int64, from, to time.Time) ([]listeners.Sample, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []listeners.Sample
	for _, s := range m.listeners[stationID] {
		if !s.At.Before(from) && s.At.Before(to) {
			out = append(out, s)
		}
	}
	return out, nil
}
