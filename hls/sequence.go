package hls

import (
	"net/url"
	"time"

	"github.com/airkeep/airkeep/hls/playlist"
)

// sequence is the pure bookkeeping of one variant's media sequence: which
// listed segments are new, which numbers were never listed (holes) and
// which of those a late listing recovered, when the numbers went back (a
// reset, which starts a new epoch), and the archive start of every
// segment. It does no I/O, reads no clock and takes no lock: the variant
// calls it under its mutex with the time its worker began the fetch, and
// acts on what it returns (counters, events, logs, a fresh worker,
// getters).
type sequence struct {
	seen    map[string]seenEntry // segment ID → what and when
	paths   map[string]seenEntry // URI path (no query) and range → MSN, for reset detection
	haveMSN bool
	lastMSN uint64
	lastPDT time.Time  // newest PDT listed
	holes   []msnRange // recent runs of MSNs counted missing, oldest first
	epoch   int
	anchors map[uint64]time.Time // MSN → start, without PDT, current epoch
}

type seenEntry struct {
	msn uint64
	at  time.Time
}

// msnRange is a run of media sequence numbers, both ends included.
type msnRange struct{ from, to uint64 }

// maxHoles bounds the holes remembered for late listings.
const maxHoles = 64

func newSequence() *sequence {
	return &sequence{seen: make(map[string]seenEntry), paths: make(map[string]seenEntry), anchors: make(map[uint64]time.Time)}
}

// listing is what one playlist told the sequence.
type listing struct {
	// fresh indexes the segments to fetch: an ID not seen, or seen under
	// another MSN.
	fresh []int
	// novel counts the fresh segments not known under another URI (a
	// renewed token changes only the query).
	novel int
	// recovered counts the fresh segments whose number was counted
	// missing: a lagging playlist listed what another skipped.
	recovered int
	// reset is set when the numbers went back: resetFrom is the last
	// number before, and the sequence is now in a new epoch.
	reset     bool
	resetFrom uint64
	// missing numbers, from gapFrom on, were never listed.
	gapFrom, missing uint64
	// starts is each segment's archive start.
	starts []time.Time
	// undated is set when the playlist has no PDT and no segment of it was
	// dated before: its dates were anchored on the fetch.
	undated bool
}

// observe takes a playlist a worker began to fetch at fetchStart.
func (q *sequence) observe(pl *playlist.Media, fetchStart time.Time) listing {
	var l listing
	segs := pl.Segments
	for i := range segs {
		if e, ok := q.seen[segs[i].ID()]; !ok || e.msn != segs[i].MSN {
			l.fresh = append(l.fresh, i)
			if e, ok := q.paths[pathKey(&segs[i])]; !ok || e.msn != segs[i].MSN {
				l.novel++
			}
		}
	}

	// A late listing: a fresh segment whose number was counted missing
	// (a lagging worker lists what the other one skipped). It fills its
	// hole instead of looking like a reset.
	for _, i := range l.fresh {
		if q.fillHole(segs[i].MSN) {
			l.recovered++
		}
	}
	// A reset: the sequence went back, no segment is one we know by path
	// and number (a renewed token changes only the query), none fills a
	// hole, and, when dated, the playlist is newer than anything seen.
	if len(segs) > 0 && q.haveMSN && segs[len(segs)-1].MSN < q.lastMSN && len(l.fresh) > 0 && l.recovered == 0 {
		known := false
		for i := range segs {
			if e, ok := q.paths[pathKey(&segs[i])]; ok && e.msn == segs[i].MSN {
				known = true
				break
			}
		}
		newer := !pl.HasPDT || q.lastPDT.IsZero() || segs[len(segs)-1].PDT.After(q.lastPDT)
		if !known && newer {
			l.reset, l.resetFrom = true, q.lastMSN
			q.epoch++
			q.lastMSN = segs[len(segs)-1].MSN
			q.holes = q.holes[:0]
			clear(q.anchors)
		}
	}
	if len(l.fresh) > 0 {
		first := segs[l.fresh[0]].MSN
		if q.haveMSN && first > q.lastMSN+1 {
			l.gapFrom, l.missing = q.lastMSN+1, first-q.lastMSN-1
			q.addHole(q.lastMSN+1, first-1)
		}
		if last := segs[len(segs)-1].MSN; !q.haveMSN || last > q.lastMSN {
			q.lastMSN = last
		}
		q.haveMSN = true
	}
	if pl.HasPDT && len(segs) > 0 && segs[len(segs)-1].PDT.After(q.lastPDT) {
		q.lastPDT = segs[len(segs)-1].PDT
	}
	l.starts, l.undated = q.dates(pl, fetchStart)
	for i := range segs {
		s := &segs[i]
		q.seen[s.ID()] = seenEntry{msn: s.MSN, at: fetchStart}
		q.paths[pathKey(s)] = seenEntry{msn: s.MSN, at: fetchStart}
	}
	return l
}

// dates returns each segment's archive start: its PDT, or, for a playlist
// without any, a date carried by media sequence number from earlier
// playlists of this epoch, or anchored on this fetch (the last segment is
// taken to end when the fetch began, the live edge). So every worker dates
// a segment the same way and overlapping getters store one file. anchored
// reports the last case.
func (q *sequence) dates(pl *playlist.Media, fetchStart time.Time) (starts []time.Time, anchored bool) {
	segs := pl.Segments
	starts = make([]time.Time, len(segs))
	if len(segs) == 0 {
		return starts, false
	}
	if pl.HasPDT {
		for i := range segs {
			starts[i] = segs[i].PDT
		}
		return starts, false
	}
	k := -1
	for i := range segs {
		if t, ok := q.anchors[segs[i].MSN]; ok {
			k, starts[i] = i, t
			break
		}
	}
	if k < 0 {
		k = len(segs) - 1
		starts[k] = fetchStart.Add(-segs[k].Duration.Duration()).UTC()
		anchored = true
	}
	for i := k + 1; i < len(segs); i++ {
		starts[i] = starts[i-1].Add(segs[i-1].Duration.Duration())
	}
	for i := k - 1; i >= 0; i-- {
		starts[i] = starts[i+1].Add(-segs[i].Duration.Duration())
	}
	for i := range segs {
		q.anchors[segs[i].MSN] = starts[i]
	}
	return starts, anchored
}

// prune forgets the segments no playlist has listed for a while, so that
// memory stays bounded however long the recording runs; pl is the latest
// playlist.
func (q *sequence) prune(now time.Time, pl *playlist.Media) {
	keep := max(5*time.Minute, 10*pl.TargetDuration)
	for id, e := range q.seen {
		if now.Sub(e.at) > keep {
			delete(q.seen, id)
		}
	}
	for p, e := range q.paths {
		if now.Sub(e.at) > keep {
			delete(q.paths, p)
		}
	}
	if len(pl.Segments) > 0 {
		first := pl.Segments[0].MSN
		for msn := range q.anchors {
			if msn+uint64(len(pl.Segments))*4 < first {
				delete(q.anchors, msn)
			}
		}
	}
}

func (q *sequence) addHole(from, to uint64) {
	if len(q.holes) == maxHoles {
		q.holes = append(q.holes[:0], q.holes[1:]...)
	}
	q.holes = append(q.holes, msnRange{from, to})
}

// fillHole reports whether msn was counted missing, and if so takes it out
// of its hole.
func (q *sequence) fillHole(msn uint64) bool {
	for i, h := range q.holes {
		if msn < h.from || msn > h.to {
			continue
		}
		switch {
		case h.from == h.to:
			q.holes = append(q.holes[:i], q.holes[i+1:]...)
		case msn == h.from:
			q.holes[i].from++
		case msn == h.to:
			q.holes[i].to--
		default:
			q.holes[i].to = msn - 1
			if len(q.holes) < maxHoles {
				q.holes = append(q.holes, msnRange{})
				copy(q.holes[i+2:], q.holes[i+1:])
				q.holes[i+1] = msnRange{msn + 1, h.to}
			}
		}
		return true
	}
	return false
}

// pathKey identifies a segment's resource without its query (tokens) or
// host (CDN edges), for telling a sequence reset from a renewed URL.
func pathKey(s *playlist.Segment) string {
	u, err := url.Parse(s.URI)
	if err != nil {
		return s.URI
	}
	return u.Path + "#" + s.ID()[len(s.URI):]
}
