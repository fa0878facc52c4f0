package archive

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Errors that callers branch on.
var (
	// ErrNotFound reports a segment, hour or tombstone that is not stored.
	ErrNotFound = errors.New("archive: not found")
	// ErrClosed reports use of a SegmentWriter after Commit or Abort.
	ErrClosed = errors.New("archive: writer already committed or aborted")
	// ErrHoles reports a time range whose best timeline has holes, from
	// selection in strict mode and from cuts that do not allow holes.
	ErrHoles = errors.New("archive: range contains holes")
)

// The store is a ladder of small interfaces, as desync's Store and
// WriteStore: each consumer asks for the rung it uses, and a backend
// implements the whole Store.
//
//	Reader   list and open: the Handler, Selector, Verify, RoughCut
//	Writer   create segments, tombstone them: capture (hls), backfill
//	Remover  delete whole hours: retention (Prune takes a ReadRemover)
//	Store    all three: what a backend is, what archivetest checks
//
// Names handed to any of them are validated (Segment.Validate,
// ValidateComponent, ParseHour) before they touch the backend.

// Reader is the reading side of a store. Listing an absent stream, variant
// or hour returns an empty result, not an error.
type Reader interface {
	// Streams lists the stream folders, sorted.
	Streams(ctx context.Context) ([]string, error)
	// Variants lists the variants of a stream, sorted.
	Variants(ctx context.Context, stream string) ([]string, error)
	// Hours lists the hour folders of a variant, sorted (so oldest first).
	Hours(ctx context.Context, stream, variant string) ([]string, error)
	// List lists one hour folder: its segments with their sizes, tombstoned
	// ones left out, its tombstones, and names it could not parse.
	List(ctx context.Context, stream, variant, hour string) (Listing, error)
	// Open returns the bytes of a stored segment, or ErrNotFound. A
	// tombstoned segment can still be opened by name. The reader may read
	// under ctx: a backend that streams from the network (s3store) stops
	// reading when ctx ends, so ctx must outlive the reader.
	Open(ctx context.Context, seg Segment) (io.ReadSeekCloser, error)
}

// Writer is the writing side of a store: it adds segments and hides them,
// and never removes anything.
type Writer interface {
	// Create starts writing a segment. seg gives the stream, variant, start
	// and duration; the type and hash are decided at Commit. Bytes written
	// are hashed as they arrive and become visible only when committed.
	Create(ctx context.Context, seg Segment) (SegmentWriter, error)
	// Tombstone hides seg from every listing, here and, through backfill,
	// on peers. The segment's bytes stay until its hour is removed.
	Tombstone(ctx context.Context, seg Segment) error
}

// Remover is the deleting side of a store, for retention. Deletion methods
// belong on this rung, so that what only reads or writes cannot delete.
type Remover interface {
	// RemoveHour deletes the segments of one hour. Tombstones are kept so
	// that a peer still holding the hour cannot bring a deleted segment
	// back.
	RemoveHour(ctx context.Context, stream, variant, hour string) error
}

// ReadWriter reads and writes a store: what a Backfiller compares with its
// peers and fills.
type ReadWriter interface {
	Reader
	Writer
}

// Store is what a segment backend does. DirStore keeps wubloader's layout on
// a local disk, MemStore keeps segments in memory, and archive/s3store puts
// them in an S3 bucket; archive/archivetest checks that a backend behaves
// like the others.
//
// Store has eight methods, more than a consumer should ask for, because it
// is the sum of the rungs above: backends implement it whole, consumers
// take Reader, Writer, ReadWriter, ReadRemover or Remover.
type Store interface {
	Reader
	Writer
	Remover
}

// SegmentWriter receives the bytes of one segment. Exactly one of Commit or
// Abort ends it; a writer that is neither committed nor aborted leaks a
// temporary file or buffer.
type SegmentWriter interface {
	io.Writer
	// Hash returns the SHA-256 of the bytes written so far. A caller that
	// knows what the bytes must hash to (backfill from a peer) checks it
	// before committing, and aborts on a mismatch.
	Hash() Hash
	// Commit stores what was written under its SHA-256 with the given type
	// (Full, Suspect or Partial) and returns the stored segment. If an
	// identical segment is already stored, the new copy is dropped and
	// Commit succeeds.
	Commit(ctx context.Context, typ Type) (Segment, error)
	// Abort discards what was written. Nothing becomes visible.
	Abort() error
}

// Entry is a stored segment and its size in bytes.
type Entry struct {
	Segment
	Size int64
}

// Listing is the content of one hour folder.
type Listing struct {
	// Segments are the visible segments, sorted by name (so by start time),
	// temp ones included, tombstoned ones left out.
	Segments []Entry
	// Tombstones are the segments hidden by a tombstone, sorted by name.
	Tombstones []Segment
	// Bad are the names found in the folder that airkeep cannot parse
	// (hidden files excluded), sorted. They are skipped everywhere.
	Bad []string
}

// Names returns the file names of the visible segments, and of the
// tombstones when tombstones is true, sorted: the answer of wubloader's
// GET /files/STREAM/VARIANT/HOUR.
func (l Listing) Names(tombstones bool) []string {
	names := make([]string, 0, len(l.Segments)+len(l.Tombstones))
	for _, e := range l.Segments {
		names = append(names, e.Name())
	}
	if tombstones {
		for _, s := range l.Tombstones {
			names = append(names, s.TombstoneName())
		}
		sort.Strings(names)
	}
	return names
}

// RawEntry is a file name found in an hour folder, and its size.
type RawEntry struct {
	Name string
	Size int64
}

// NewListing parses the raw names of one hour folder the way every backend
// must: hidden names are ignored, a tombstone hides the segment of the same
// name, unparseable names are reported in Bad and counted in stats (which
// may be nil). files must be sorted by name. Backends outside this package
// build their listings with it.
func NewListing(stream, variant, hour string, files []RawEntry, stats *Stats) Listing {
	if stats == nil {
		stats = new(Stats)
	}
	var l Listing
	tomb := make(map[string]bool)
	for _, f := range files {
		if stem, ok := strings.CutSuffix(f.Name, ".tombstone"); ok && f.Name[0] != '.' {
			tomb[stem] = true
		}
	}
	for _, f := range files {
		name := f.Name
		if name == "" || name[0] == '.' {
			continue
		}
		if stem, ok := strings.CutSuffix(name, ".tombstone"); ok {
			seg, err := ParseName(stream, variant, hour, stem+".ts")
			if err != nil {
				l.Bad = append(l.Bad, name)
				stats.BadNames.Add(1)
				continue
			}
			l.Tombstones = append(l.Tombstones, seg)
			continue
		}
		seg, err := ParseName(stream, variant, hour, name)
		if err != nil {
			l.Bad = append(l.Bad, name)
			stats.BadNames.Add(1)
			continue
		}
		if tomb[strings.TrimSuffix(name, ".ts")] {
			continue
		}
		l.Segments = append(l.Segments, Entry{Segment: seg, Size: f.Size})
	}
	return l
}

// ValidateHourPath checks the three components that name an hour folder.
func ValidateHourPath(stream, variant, hour string) error {
	if err := ValidateComponent("stream", stream); err != nil {
		return err
	}
	if err := ValidateComponent("variant", variant); err != nil {
		return err
	}
	_, err := ParseHour(hour)
	return err
}

// PrepareCreate checks and normalises the segment given to Store.Create:
// the start becomes UTC, rounded to the microsecond, as names carry it, and
// the type and hash are cleared until Commit decides them.
func PrepareCreate(seg Segment) (Segment, error) {
	seg.Start = seg.Start.UTC().Round(time.Microsecond)
	seg.Type = Full // checked at Commit; any valid type passes Validate here
	seg.TempID = ""
	seg.Hash = Hash{}
	return seg, seg.Validate()
}

// ValidateCommitType checks the type given to SegmentWriter.Commit: full,
// suspect or partial.
func ValidateCommitType(typ Type) error {
	switch typ {
	case Full, Suspect, Partial:
		return nil
	}
	return &NameError{Field: "type", Value: typ.String(), Reason: "commit as full, suspect or partial"}
}

// Stats counts what a store did. Every backend keeps one; read it with
// Snapshot, or export the fields to a metrics system. The counters only grow.
type Stats struct {
	Full, Suspect, Partial atomic.Int64 // segments committed, by type
	Bytes                  atomic.Int64 // bytes of committed segments, duplicates excluded
	Duplicates             atomic.Int64 // commits dropped because the name existed
	Aborted                atomic.Int64 // writers aborted
	WriteErrors            atomic.Int64 // writes or commits that failed
	BadNames               atomic.Int64 // unparseable names seen while listing
	Tombstones             atomic.Int64 // tombstones written
}

// StatsSnapshot is a copy of a store's counters at one moment.
type StatsSnapshot struct {
	Full, Suspect, Partial int64
	Bytes                  int64
	Duplicates             int64
	Aborted                int64
	WriteErrors            int64
	BadNames               int64
	Tombstones             int64
}

// Snapshot returns the counters' current values.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{
		Full: s.Full.Load(), Suspect: s.Suspect.Load(), Partial: s.Partial.Load(),
		Bytes: s.Bytes.Load(), Duplicates: s.Duplicates.Load(), Aborted: s.Aborted.Load(),
		WriteErrors: s.WriteErrors.Load(), BadNames: s.BadNames.Load(), Tombstones: s.Tombstones.Load(),
	}
}

// Committed counts a successful commit of size bytes; a duplicate counts
// only as a duplicate.
func (s *Stats) Committed(typ Type, size int64, duplicate bool) {
	if duplicate {
		s.Duplicates.Add(1)
		return
	}
	switch typ {
	case Full:
		s.Full.Add(1)
	case Suspect:
		s.Suspect.Add(1)
	case Partial:
		s.Partial.Add(1)
	}
	s.Bytes.Add(size)
}
