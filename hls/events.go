package hls

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// EventKind says what an Event reports.
type EventKind int

// The event kinds.
const (
	// EventSegment: a segment was stored (Segment.Type says full, suspect
	// or partial).
	EventSegment EventKind = iota + 1
	// EventDuplicate: a segment already stored was downloaded again (during
	// a hand-over, or under a renewed token) and not stored twice.
	EventDuplicate
	// EventGap: media sequence numbers were skipped between two playlists
	// (Missing says how many): those segments were never listed while
	// airkeep was looking.
	EventGap
	// EventGapTag: the playlist marked a segment EXT-X-GAP; it was not
	// fetched.
	EventGapTag
	// EventReset: the media sequence went backwards (an encoder restart);
	// a new epoch begins.
	EventReset
	// EventSkew: a PDT disagreed with the date extrapolated from the
	// segment before by more than 10 ms; later segments of that worker are
	// stored as suspect and a fresh worker is started.
	EventSkew
	// EventDiscontinuity: a segment carried EXT-X-DISCONTINUITY.
	EventDiscontinuity
	// EventHandOver: a worker was replaced; Reason says why.
	EventHandOver
	// EventGiveUp: a segment could not be fetched before its give-up time,
	// or its URL expired (403/404) with nothing stored.
	EventGiveUp
	// EventAdSkipped: an ad segment was left out (Config.SkipAds).
	EventAdSkipped
	// EventDropped: a queued segment was dropped, because the queue was
	// full or the recording stopped before its download started.
	EventDropped
	// EventError: a playlist could not be fetched or parsed.
	EventError
	// EventStoreFailing: the Store refused a write for a reason that
	// passes (Err says which); segments are held in the Spill buffer.
	// Reported on the first failure of each kind (no space, quota,
	// timeout, unavailable) while the failure lasts.
	EventStoreFailing
	// EventStoreRecovered: the Store took a write again after failing;
	// the buffered segments are being written, oldest first.
	EventStoreRecovered
	// EventLost: a downloaded segment (Segment names it) could not be
	// stored: the Spill buffer was full, or the grace of a stop ended
	// while the store still failed, or the store refused it for good.
	EventLost
)

var eventNames = map[EventKind]string{
	EventSegment: "segment", EventDuplicate: "duplicate", EventGap: "gap", EventGapTag: "gap_tag",
	EventReset: "reset", EventSkew: "skew", EventDiscontinuity: "discontinuity", EventHandOver: "hand_over",
	EventGiveUp: "give_up", EventAdSkipped: "ad_skipped", EventDropped: "dropped", EventError: "error",
	EventStoreFailing: "store_failing", EventStoreRecovered: "store_recovered", EventLost: "lost",
}

// String returns the kind in lower_snake, as logs and metrics name it.
func (k EventKind) String() string {
	if s, ok := eventNames[k]; ok {
		return s
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something the Recorder did or saw.
type Event struct {
	Kind    EventKind
	Time    time.Time
	Stream  string
	Variant string
	// Segment is the stored segment (EventSegment, EventDuplicate).
	Segment archive.Segment
	// Size is the stored segment's size in bytes.
	Size int64
	// URI and MSN identify the playlist entry concerned, when there is one.
	URI string
	MSN uint64
	// Missing counts the media sequence numbers skipped (EventGap).
	Missing uint64
	// Skew is the PDT disagreement (EventSkew).
	Skew time.Duration
	// Reason says why, in words (hand-overs, give-ups, drops).
	Reason string
	// Err is the error behind the event, if any.
	Err error
}

// Counters count what a variant's capture did. The fields only grow; read
// them with Snapshot.
type Counters struct {
	Full, Suspect, Partial atomic.Int64 // segments stored, by type
	Bytes                  atomic.Int64 // bytes stored, duplicates excluded
	Duplicates             atomic.Int64 // segments downloaded again and not stored twice
	Missing                atomic.Int64 // MSNs skipped between playlists
	Recovered              atomic.Int64 // of those, listed later by another worker and fetched
	Gaps                   atomic.Int64 // gap events (runs of missing MSNs)
	GapTags                atomic.Int64 // EXT-X-GAP segments
	Resets                 atomic.Int64 // media sequence resets
	Skews                  atomic.Int64 // PDT skews
	Discontinuities        atomic.Int64 // EXT-X-DISCONTINUITY tags seen
	HandOvers              atomic.Int64 // workers replaced
	GiveUps                atomic.Int64 // segments given up with nothing stored
	Dropped                atomic.Int64 // segments dropped from the queue
	AdsSkipped             atomic.Int64 // ad segments left out
	Attempts               atomic.Int64 // segment download attempts
	Retries                atomic.Int64 // attempts after the first, parallel or not
	PlaylistErrors         atomic.Int64 // failed playlist fetches or parses
	InFlight               atomic.Int64 // segments downloading now
	Queued                 atomic.Int64 // segments waiting for a getter now
	LastEnd                atomic.Int64 // end of the latest stored segment, Unix ns
	Buffered               atomic.Int64 // segments held in the Spill buffer now
	BufferedBytes          atomic.Int64 // their bytes
	StoredLate             atomic.Int64 // segments stored from the Spill buffer
	StoreLost              atomic.Int64 // downloaded segments the store never took
}

// CountersSnapshot is a copy of Counters at one moment.
type CountersSnapshot struct {
	Full, Suspect, Partial int64
	Bytes                  int64
	Duplicates             int64
	Missing, Gaps, GapTags int64
	Recovered              int64
	Resets, Skews          int64
	Discontinuities        int64
	HandOvers              int64
	GiveUps, Dropped       int64
	AdsSkipped             int64
	Attempts, Retries      int64
	PlaylistErrors         int64
	InFlight, Queued       int64
	LastEnd                time.Time
	Buffered               int64 // segments in the Spill buffer now
	BufferedBytes          int64
	StoredLate             int64 // stored from the Spill buffer
	StoreLost              int64 // downloaded but never stored
}

// Snapshot returns the counters' current values.
func (c *Counters) Snapshot() CountersSnapshot {
	s := CountersSnapshot{
		Full: c.Full.Load(), Suspect: c.Suspect.Load(), Partial: c.Partial.Load(), Bytes: c.Bytes.Load(),
		Duplicates: c.Duplicates.Load(), Missing: c.Missing.Load(), Gaps: c.Gaps.Load(), GapTags: c.GapTags.Load(),
		Recovered: c.Recovered.Load(),
		Resets:    c.Resets.Load(), Skews: c.Skews.Load(), Discontinuities: c.Discontinuities.Load(),
		HandOvers: c.HandOvers.Load(), GiveUps: c.GiveUps.Load(), Dropped: c.Dropped.Load(),
		AdsSkipped: c.AdsSkipped.Load(), Attempts: c.Attempts.Load(), Retries: c.Retries.Load(),
		PlaylistErrors: c.PlaylistErrors.Load(), InFlight: c.InFlight.Load(), Queued: c.Queued.Load(),
		Buffered: c.Buffered.Load(), BufferedBytes: c.BufferedBytes.Load(), StoredLate: c.StoredLate.Load(),
		StoreLost: c.StoreLost.Load(),
	}
	if ns := c.LastEnd.Load(); ns != 0 {
		s.LastEnd = time.Unix(0, ns).UTC()
	}
	return s
}

// Segments returns the number of segments stored, of every type.
func (s CountersSnapshot) Segments() int64 { return s.Full + s.Suspect + s.Partial }

// Lost returns the segments known to be missing from the archive: skipped
// MSNs never listed later, given-up and dropped segments, and segments
// downloaded but never stored. EXT-X-GAP segments are not counted: the
// origin never had them.
func (s CountersSnapshot) Lost() int64 {
	return s.Missing - s.Recovered + s.GiveUps + s.Dropped + s.StoreLost
}

// State is the lifecycle state of a Recorder.
type State int

// The states. A Recorder goes from NotStarted to WaitingForLive when Run
// starts, between WaitingForLive and Recording as the stream comes and
// goes, to Restarting (and back to WaitingForLive) after a fatal error, and
// to Stopped when Run returns. Stopped is final.
const (
	NotStarted State = iota
	WaitingForLive
	Recording
	Restarting
	Stopped
)

// String returns the state in lower_snake.
func (s State) String() string {
	switch s {
	case NotStarted:
		return "not_started"
	case WaitingForLive:
		return "waiting_for_live"
	case Recording:
		return "recording"
	case Restarting:
		return "restarting"
	case Stopped:
		return "stopped"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// StateChange reports a change of State.
type StateChange struct {
	From, To State
	Time     time.Time
	Err      error // the error that caused Restarting, if any
}

// Status is a Recorder's state and counters at one moment.
type Status struct {
	Stream   string
	State    State
	Since    time.Time // when State began
	Restarts int
	LastErr  error // the last fatal error, if any
	// Store says whether the Store is failing and what the Spill buffer
	// holds.
	Store    StoreStatus
	Variants []VariantStatus
}

// StoreStatus is the state of the Store as a Recorder sees it.
type StoreStatus struct {
	// Failing is true from a write the store refused for a reason that
	// passes until one it takes.
	Failing bool
	Since   time.Time // when it began failing
	Err     error     // the latest refusal, while Failing
	// Kind is Err in a few words: "no space", "quota exceeded",
	// "timeout", "unavailable".
	Kind string
	// Buffered and BufferedBytes are what the Spill buffer holds now.
	Buffered, BufferedBytes int64
	// StoredLate and Lost count, over the whole Run, segments written from
	// the buffer and downloaded segments never stored.
	StoredLate, Lost int64
}

// VariantStatus is one variant's part of a Status.
type VariantStatus struct {
	Name    string
	URL     string // media playlist in use, "" while none
	Workers int    // media playlist workers running
	Live    bool   // a worker is receiving live segments
	CountersSnapshot
}

// Drained reports whether the stream is not live and nothing is downloading
// or queued: after the stream ended, everything it published that could be
// fetched has been dealt with.
func (s Status) Drained() bool {
	t := s.Total()
	return s.State != Recording && s.State != NotStarted && t.InFlight == 0 && t.Queued == 0 && t.Buffered == 0
}

// Total sums the counters of every variant.
func (s Status) Total() CountersSnapshot {
	var t CountersSnapshot
	for _, v := range s.Variants {
		t = t.Add(v.CountersSnapshot)
	}
	return t
}

// Add returns the sum of s and o, counter by counter, with the later
// LastEnd: the totals of several variants, streams or Recorders (a program
// that makes a new Recorder after each restart of its source keeps the sum
// of the stopped ones).
func (s CountersSnapshot) Add(o CountersSnapshot) CountersSnapshot {
	s.Full += o.Full
	s.Suspect += o.Suspect
	s.Partial += o.Partial
	s.Bytes += o.Bytes
	s.Duplicates += o.Duplicates
	s.Missing += o.Missing
	s.Recovered += o.Recovered
	s.Gaps += o.Gaps
	s.GapTags += o.GapTags
	s.Resets += o.Resets
	s.Skews += o.Skews
	s.Discontinuities += o.Discontinuities
	s.HandOvers += o.HandOvers
	s.GiveUps += o.GiveUps
	s.Dropped += o.Dropped
	s.AdsSkipped += o.AdsSkipped
	s.Attempts += o.Attempts
	s.Retries += o.Retries
	s.PlaylistErrors += o.PlaylistErrors
	s.InFlight += o.InFlight
	s.Queued += o.Queued
	s.Buffered += o.Buffered
	s.BufferedBytes += o.BufferedBytes
	s.StoredLate += o.StoredLate
	s.StoreLost += o.StoreLost
	if o.LastEnd.After(s.LastEnd) {
		s.LastEnd = o.LastEnd
	}
	return s
}
