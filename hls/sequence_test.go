package hls

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls/playlist"
)

// list builds a media playlist of 6-s segments first..last, as a parser
// would give it: URIs under path (a new path is a new encoder's output),
// with a token query, and, when dated, a PDT per segment counted from
// pdt0 for MSN 0.
func list(path, token string, first, last uint64, pdt0 time.Time) *playlist.Media {
	pl := &playlist.Media{TargetDuration: 6 * time.Second, MediaSequence: first, HasPDT: !pdt0.IsZero()}
	for msn := first; msn <= last; msn++ {
		s := playlist.Segment{URI: fmt.Sprintf("https://cdn.example/%s/s%d.ts?token=%s", path, msn, token), MSN: msn, Duration: archive.Seconds(6)}
		if pl.HasPDT {
			s.PDT = pdt0.Add(time.Duration(msn) * 6 * time.Second)
		}
		pl.Segments = append(pl.Segments, s)
	}
	return pl
}

// seqResult is what a test compares of a listing.
type seqResult struct {
	fresh, novel, recovered int
	reset                   bool
	resetFrom               uint64
	gapFrom, missing        uint64
	undated                 bool
	first                   time.Time // start of the playlist's first segment
	epoch                   int
}

// TestSequence feeds the tracker playlists, as workers would, and checks
// what it makes of each: new segments, holes, recoveries, resets and dates.
func TestSequence(t *testing.T) {
	var none time.Time
	pdt := t0
	type step struct {
		pl   *playlist.Media
		at   time.Duration // fetch start, from t0
		want seqResult
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first playlist: every segment new", []step{
			{list("a", "1", 0, 3, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt}},
		}},
		{"listed again: nothing new", []step{
			{list("a", "1", 0, 3, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt}},
			{list("a", "1", 0, 3, pdt), 6 * time.Second, seqResult{first: pdt}},
			{list("a", "1", 1, 4, pdt), 12 * time.Second, seqResult{fresh: 1, novel: 1, first: pdt.Add(6 * time.Second)}},
		}},
		{"a renewed token: fetched again, not new, not a reset", []step{
			{list("a", "1", 0, 3, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt}},
			{list("a", "2", 0, 3, pdt), 6 * time.Second, seqResult{fresh: 4, first: pdt}},
		}},
		{"numbers never listed are a gap", []step{
			{list("a", "1", 0, 3, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt}},
			{list("a", "1", 10, 12, pdt), 6 * time.Second, seqResult{fresh: 3, novel: 3, gapFrom: 4, missing: 6, first: pdt.Add(60 * time.Second)}},
		}},
		{"a late listing fills its hole and is no reset", []step{
			{list("a", "1", 0, 3, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt}},
			{list("a", "1", 10, 12, pdt), 6 * time.Second, seqResult{fresh: 3, novel: 3, gapFrom: 4, missing: 6, first: pdt.Add(60 * time.Second)}},
			{list("a", "1", 5, 8, pdt), 12 * time.Second, seqResult{fresh: 4, novel: 4, recovered: 4, first: pdt.Add(30 * time.Second)}},
			// 4 and 9 stay missing: listing them later recovers them too.
			{list("a", "1", 9, 12, pdt), 18 * time.Second, seqResult{fresh: 1, novel: 1, recovered: 1, first: pdt.Add(54 * time.Second)}},
		}},
		{"no PDT: a late listing is no reset either", []step{
			{list("a", "1", 0, 3, none), 0, seqResult{fresh: 4, novel: 4, undated: true, first: t0.Add(-24 * time.Second)}},
			{list("a", "1", 10, 12, none), 6 * time.Second, seqResult{fresh: 3, novel: 3, gapFrom: 4, missing: 6, undated: true, first: t0.Add(-12 * time.Second)}},
			{list("a", "1", 5, 8, none), 12 * time.Second, seqResult{fresh: 4, novel: 4, recovered: 4, undated: true, first: t0.Add(-12 * time.Second)}},
		}},
		{"numbers back on new paths: a reset, a new epoch", []step{
			{list("a", "1", 100, 103, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt.Add(600 * time.Second)}},
			{list("b", "1", 0, 2, pdt.Add(624*time.Second)), 6 * time.Second, seqResult{fresh: 3, novel: 3, reset: true, resetFrom: 103, first: pdt.Add(624 * time.Second), epoch: 1}},
			// Counting on from the new start is neither a gap nor a reset.
			{list("b", "1", 1, 3, pdt.Add(624*time.Second)), 12 * time.Second, seqResult{fresh: 1, novel: 1, first: pdt.Add(630 * time.Second), epoch: 1}},
		}},
		{"numbers back with older dates: a lagging edge, no reset", []step{
			{list("a", "1", 100, 103, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt.Add(600 * time.Second)}},
			{list("b", "1", 0, 2, pdt), 6 * time.Second, seqResult{fresh: 3, novel: 3, first: pdt}},
		}},
		{"numbers back on known paths: no reset", []step{
			{list("a", "1", 10, 13, pdt), 0, seqResult{fresh: 4, novel: 4, first: pdt.Add(60 * time.Second)}},
			{list("a", "2", 8, 11, pdt), 6 * time.Second, seqResult{fresh: 4, novel: 2, first: pdt.Add(48 * time.Second)}},
		}},
		{"no PDT: the last segment ends at the fetch, later ones follow by number", []step{
			{list("a", "1", 0, 2, none), 0, seqResult{fresh: 3, novel: 3, undated: true, first: t0.Add(-18 * time.Second)}},
			{list("a", "1", 1, 4, none), 7 * time.Second, seqResult{fresh: 2, novel: 2, first: t0.Add(-12 * time.Second)}},
			// Another worker's fetch at another instant dates alike.
			{list("a", "2", 2, 5, none), 20 * time.Second, seqResult{fresh: 4, novel: 1, first: t0.Add(-6 * time.Second)}},
		}},
		{"no PDT: a reset anchors on the fetch again", []step{
			{list("a", "1", 50, 52, none), 0, seqResult{fresh: 3, novel: 3, undated: true, first: t0.Add(-18 * time.Second)}},
			{list("b", "1", 0, 1, none), 30 * time.Second, seqResult{fresh: 2, novel: 2, reset: true, resetFrom: 52, undated: true, first: t0.Add(18 * time.Second), epoch: 1}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newSequence()
			for i, st := range tt.steps {
				l := q.observe(st.pl, t0.Add(st.at))
				got := seqResult{fresh: len(l.fresh), novel: l.novel, recovered: l.recovered, reset: l.reset, resetFrom: l.resetFrom,
					gapFrom: l.gapFrom, missing: l.missing, undated: l.undated, first: l.starts[0], epoch: q.epoch}
				require.Equal(t, st.want, got, "step %d", i)
				require.Len(t, l.starts, len(st.pl.Segments))
			}
		})
	}
}

// TestSequencePrune: what no playlist listed for longer than the keep time
// (5 minutes, or ten target durations) is forgotten, so a later listing
// of it counts as new; what was listed recently is kept.
func TestSequencePrune(t *testing.T) {
	q := newSequence()
	old := list("a", "1", 0, 3, t0)
	q.observe(old, t0)
	recent := list("a", "1", 60, 63, t0)
	q.observe(recent, t0.Add(5*time.Minute))
	q.prune(t0.Add(5*time.Minute+time.Second), recent)
	require.Len(t, q.seen, 4)
	require.Len(t, q.paths, 4)
	l := q.observe(list("a", "1", 60, 63, t0), t0.Add(6*time.Minute))
	require.Empty(t, l.fresh, "kept: listed 61 s ago")
	l = q.observe(list("a", "1", 2, 3, t0), t0.Add(6*time.Minute))
	require.Len(t, l.fresh, 2, "forgotten: listed 6 minutes ago")
}

// TestSequenceHolesBounded: however many gaps a stream has, the tracker
// remembers the latest maxHoles of them.
func TestSequenceHolesBounded(t *testing.T) {
	q := newSequence()
	for i := uint64(0); i < 3*maxHoles; i++ {
		l := q.observe(list("a", "1", 10*i, 10*i, t0), t0)
		if i > 0 {
			require.EqualValues(t, 9, l.missing)
		}
	}
	require.Len(t, q.holes, maxHoles)
	require.Equal(t, msnRange{10*(3*maxHoles-1) - 9, 10*(3*maxHoles-1) - 1}, q.holes[maxHoles-1])
}
