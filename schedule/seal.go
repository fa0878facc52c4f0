package schedule

import (
	"context"
	"errors"
	"time"
)

// SealKind is what a Seal seals.
type SealKind int

// Seal kinds.
const (
	// SealLog seals a log entry as it was written.
	SealLog SealKind = 1
	// SealCite seals the archive segments recorded while an entry aired.
	SealCite SealKind = 2
)

func (k SealKind) String() string {
	switch k {
	case SealLog:
		return "log"
	case SealCite:
		return "cite"
	}
	return "SealKind(?)"
}

// Seal is one link of a station's sealed as-run chain (schedule/seal
// makes and checks them; a store only keeps them): Link is the SHA-256 of
// the previous seal's Link and Body, so that no seal can be changed,
// removed, reordered or inserted without breaking every link after it.
type Seal struct {
	StationID int64
	// Seq numbers a station's seals 1, 2, … without gaps.
	Seq   int64
	Kind  SealKind
	LogID int64
	// Body is the canonical encoding sealed.
	Body []byte
	Link [32]byte
	// SealedAt is when the seal was made, UTC; not part of the link.
	SealedAt time.Time
}

// ErrSealConflict is returned by AppendSeals when the station's chain has
// moved on since the caller read its head: another sealer ran.
var ErrSealConflict = errors.New("schedule: the seal chain moved")

// SealStore keeps the seals of the stations' as-run logs. MemStore and
// the SQLite store implement it.
type SealStore interface {
	// AppendSeals appends seals, numbered after, after+1, …, to the
	// station's chain in one step, if its last Seq is after (0 for an
	// empty chain); otherwise it appends nothing and returns
	// ErrSealConflict.
	AppendSeals(ctx context.Context, stationID, after int64, seals []Seal) error
	// Seals returns up to limit seals of the station with Seq > after, by
	// Seq (limit <= 0: all).
	Seals(ctx context.Context, stationID, after int64, limit int) ([]Seal, error)
	// LastSeal returns the station's last seal of kind (0: of any kind);
	// ok is false if it has none.
	LastSeal(ctx context.Context, stationID int64, kind SealKind) (s Seal, ok bool, err error)
	// SealBefore returns the station's last seal made before t; ok is
	// false if it has none.
	SealBefore(ctx context.Context, stationID int64, t time.Time) (s Seal, ok bool, err error)
}
