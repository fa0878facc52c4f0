package schedule

import (
	"context"
	"time"

	"github.com/airkeep/airkeep/schedule/listeners"
)

// ListenerStore keeps a station's listener samples (schedule/listeners
// takes them from Icecast): what gives each play its audience. MemStore
// and the SQLite store implement it.
type ListenerStore interface {
	// RecordListeners stores samples of the station; a sample of the
	// same instant and mount replaces the one stored.
	RecordListeners(ctx context.Context, stationID int64, samples []listeners.Sample) error
	// ListenerSamples returns the station's samples with At in [from,
	// to), by instant then mount.
	ListenerSamples(ctx context.Context, stationID int64, from, to time.Time) ([]listeners.Sample, error)
}
