package archive_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

func TestTimelineCoverage(t *testing.T) {
	sec := func(f float64) time.Time { return t0.Add(time.Duration(f * float64(time.Second))) }
	tests := []struct {
		name     string
		full     []float64 // 2 s full segments at these offsets
		partial  []float64
		from, to float64
		present  float64
		holes    [][2]float64
	}{
		{name: "all there", full: []float64{0, 2, 4, 6, 8}, from: 1, to: 9, present: 8},
		{name: "nothing", from: 0, to: 10, present: 0, holes: [][2]float64{{0, 10}}},
		{name: "a hole inside", full: []float64{0, 2, 8, 10}, from: 0, to: 12, present: 8, holes: [][2]float64{{4, 8}}},
		{name: "late start and early end", full: []float64{4, 6}, from: 1, to: 11, present: 4, holes: [][2]float64{{1, 4}, {8, 11}}},
		{name: "a partial segment is a hole", full: []float64{0, 4}, partial: []float64{2}, from: 0, to: 6, present: 4, holes: [][2]float64{{2, 4}}},
		{name: "a segment overlapping the one before is skipped by selection", full: []float64{0, 1.5, 3}, from: 0, to: 5, present: 4, holes: [][2]float64{{2, 3}}},
		{name: "10 ms gap joins", full: []float64{0, 2.01}, from: 0, to: 4, present: 3.99, holes: [][2]float64{{2, 2.01}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := archive.NewMemStore()
			for _, off := range tt.full {
				put(t, s, spec{at: time.Duration(off * float64(time.Second)), dur: 2, typ: archive.Full, size: 10})
			}
			for _, off := range tt.partial {
				put(t, s, spec{at: time.Duration(off * float64(time.Second)), dur: 2, typ: archive.Partial, size: 10})
			}
			tl, err := archive.Best(t.Context(), s, archive.Query{Stream: "s", Variant: "v", Start: sec(tt.from), End: sec(tt.to)})
			require.NoError(t, err)
			present, holes := tl.Coverage(sec(tt.from), sec(tt.to))
			require.Equal(t, time.Duration(tt.present*float64(time.Second)), present)
			var got [][2]float64
			for _, h := range holes {
				got = append(got, [2]float64{h.Start.Sub(t0).Seconds(), h.End.Sub(t0).Seconds()})
				require.Equal(t, h.End.Sub(h.Start), h.Duration())
			}
			require.Equal(t, tt.holes, got)
		})
	}
	empty, holes := archive.Timeline{}.Coverage(t0, t0)
	require.Zero(t, empty)
	require.Nil(t, holes)
}

// at returns t0 plus f seconds.
func at(f float64) time.Time { return t0.Add(time.Duration(f * float64(time.Second))) }

func spans(ss []archive.Span) [][2]float64 {
	var out [][2]float64
	for _, s := range ss {
		out = append(out, [2]float64{s.Start.Sub(t0).Seconds(), s.End.Sub(t0).Seconds()})
	}
	return out
}

// cov is a hand-made segment for coverage tests: start and duration in
// seconds from t0.
type cov struct {
	at, dur float64
	typ     archive.Type
	size    int
}

func (c cov) put(t *testing.T, s archive.Store, fill byte) archive.Segment {
	return put(t, s, spec{at: time.Duration(c.at * float64(time.Second)), dur: archive.Seconds(c.dur), typ: c.typ, size: c.size + 1, fill: fill})
}

func TestCoverHour(t *testing.T) {
	F, S, P := archive.Full, archive.Suspect, archive.Partial
	type want struct {
		hour                      int // which hour of the report, from t0
		counts                    archive.TypeCounts
		raw, editable             float64
		rawHoles, editHoles       [][2]float64
		partialOnly               [][2]float64
		overlaps                  archive.TypeCounts
		overlapFull, overlapOther float64 // overlap duration of full, of suspect+partial
		measured                  [2]float64
	}
	tests := []struct {
		name  string
		segs  []cov
		raws  []string // extra names planted in hour 0
		tomb  []int    // indexes of segs to tombstone
		hours int
		want  []want
	}{
		{name: "a hole inside", segs: []cov{{0, 2, F, 0}, {2, 2, F, 0}, {8, 2, F, 0}, {10, 2, F, 0}}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 4}, raw: 8, editable: 8, rawHoles: [][2]float64{{4, 8}}, editHoles: [][2]float64{{4, 8}}, measured: [2]float64{0, 12}}}},
		{name: "a partial-only run", segs: []cov{{0, 2, F, 0}, {2, 2, P, 0}, {4, 2, S, 0}, {6, 2, F, 0}}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 2, Suspect: 1, Partial: 1}, raw: 8, editable: 8, partialOnly: [][2]float64{{2, 6}}, measured: [2]float64{0, 8}}}},
		{name: "a full copy beside a partial one is not partial-only", segs: []cov{{0, 2, F, 0}, {2, 2, P, 5}, {2, 2, F, 0}, {4, 2, F, 0}}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 3, Partial: 1}, raw: 6, editable: 6, overlaps: archive.TypeCounts{Partial: 1}, overlapOther: 2, measured: [2]float64{0, 6}}}},
		{name: "copies with the same start", segs: []cov{{0, 2, F, 10}, {0, 2, F, 20}, {0, 2, P, 30}, {0, 1.5, S, 30}, {2, 2, F, 0}}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 3, Suspect: 1, Partial: 1}, raw: 4, editable: 4, overlaps: archive.TypeCounts{Full: 1, Suspect: 1, Partial: 1}, overlapFull: 2, overlapOther: 3.5, measured: [2]float64{0, 4}}}},
		{name: "a segment starting inside the one before", segs: []cov{{0, 2, F, 0}, {1, 2, F, 0}, {3, 2, F, 0}}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 3}, raw: 5, editable: 4, editHoles: [][2]float64{{2, 3}}, overlaps: archive.TypeCounts{Full: 1}, overlapFull: 1, measured: [2]float64{0, 5}}}},
		{name: "gaps up to 10 ms are not holes", segs: []cov{{0, 2, F, 0}, {2.005, 2, F, 0}, {4.025, 2, F, 0}}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 3}, raw: 6, editable: 6, rawHoles: [][2]float64{{4.005, 4.025}}, editHoles: [][2]float64{{4.005, 4.025}}, measured: [2]float64{0, 6.025}}}},
		{name: "temp and foreign names are bad", segs: []cov{{0, 2, F, 0}}, raws: []string{"notes.txt", "12:00.000000-2.0-full-short.ts", "00:02.000000-2.0-temp-0b6c6a4e-1f6a-4a57-9d5d-0c7f0f8f2a11.ts"}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 1, Bad: 3}, raw: 2, editable: 2, measured: [2]float64{0, 2}}}},
		{name: "tombstoned segments are not counted", segs: []cov{{0, 2, F, 0}, {2, 2, F, 0}, {4, 2, F, 0}}, tomb: []int{1}, hours: 1,
			want: []want{{counts: archive.TypeCounts{Full: 2}, raw: 4, editable: 4, rawHoles: [][2]float64{{2, 4}}, editHoles: [][2]float64{{2, 4}}, measured: [2]float64{0, 6}}}},
		{name: "a segment running into the next hour", segs: []cov{{3590, 6, F, 0}, {3596, 6, F, 0}, {3602, 2, P, 0}, {3610, 2, F, 0}}, hours: 2,
			want: []want{
				{hour: 0, counts: archive.TypeCounts{Full: 2}, raw: 10, editable: 10, measured: [2]float64{3590, 3600}},
				{hour: 1, counts: archive.TypeCounts{Full: 1, Partial: 1}, raw: 6, editable: 6, rawHoles: [][2]float64{{3604, 3610}}, editHoles: [][2]float64{{3604, 3610}}, partialOnly: [][2]float64{{3602, 3604}}, measured: [2]float64{3600, 3612}},
			}},
		{name: "an empty hour between two held ones", segs: []cov{{3598, 2, F, 0}, {7200, 2, F, 0}}, hours: 3,
			want: []want{
				{hour: 0, counts: archive.TypeCounts{Full: 1}, raw: 2, editable: 2, measured: [2]float64{3598, 3600}},
				{hour: 1, rawHoles: [][2]float64{{3600, 7200}}, editHoles: [][2]float64{{3600, 7200}}, measured: [2]float64{3600, 7200}},
				{hour: 2, counts: archive.TypeCounts{Full: 1}, raw: 2, editable: 2, measured: [2]float64{7200, 7202}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := archive.NewMemStore()
			var segs []archive.Segment
			for i, c := range tt.segs {
				segs = append(segs, c.put(t, s, byte(i)))
			}
			for _, name := range tt.raws {
				require.NoError(t, s.PutRaw("s/v/"+archive.FormatHour(t0)+"/"+name, []byte("x")))
			}
			for _, i := range tt.tomb {
				require.NoError(t, s.Tombstone(t.Context(), segs[i]))
			}
			sel := archive.NewSelector(s, archive.SelectorConfig{})
			rep, err := sel.Coverage(t.Context(), "s", "v", t0, t0.Add(time.Duration(tt.hours)*time.Hour))
			require.NoError(t, err)
			require.Len(t, rep.Hours, tt.hours)
			for _, w := range tt.want {
				h := rep.Hours[w.hour]
				require.Equal(t, t0.Add(time.Duration(w.hour)*time.Hour), h.Hour)
				require.Equal(t, w.counts, h.Segments, "segment counts")
				require.InDelta(t, w.raw, h.Raw.Seconds(), 1e-9, "raw coverage")
				require.InDelta(t, w.editable, h.Editable.Seconds(), 1e-9, "editable coverage")
				require.Equal(t, w.rawHoles, spans(h.RawHoles), "raw holes")
				require.Equal(t, w.editHoles, spans(h.EditableHoles), "editable holes")
				require.Equal(t, w.partialOnly, spans(h.PartialOnly), "partial-only")
				require.Equal(t, w.overlaps, h.Overlaps, "overlap counts")
				require.InDelta(t, w.overlapFull, h.OverlapDuration.Full.Seconds(), 1e-9, "full overlap duration")
				require.InDelta(t, w.overlapOther, (h.OverlapDuration.Suspect + h.OverlapDuration.Partial).Seconds(), 1e-9, "other overlap duration")
				require.Equal(t, w.measured, [2]float64{h.Measured.Start.Sub(t0).Seconds(), h.Measured.End.Sub(t0).Seconds()}, "measured")
				var dur time.Duration
				for i, sg := range tt.segs {
					if sg.typ == F && archive.FormatHour(at(sg.at)) == archive.FormatHour(h.Hour) && !slices.Contains(tt.tomb, i) {
						dur += archive.Seconds(sg.dur).Duration()
					}
				}
				require.Equal(t, dur, h.SegmentDuration.Full, "full duration")
			}
			// Asking again computes nothing new and answers the same.
			require.Equal(t, tt.hours, rep.Computed)
			again, err := sel.Coverage(t.Context(), "s", "v", t0, t0.Add(time.Duration(tt.hours)*time.Hour))
			require.NoError(t, err)
			require.Zero(t, again.Computed, "nothing changed, nothing computed")
			again.Computed = rep.Computed
			require.Equal(t, rep, again)
		})
	}
}

// Only hours whose listing changed, and the hours after them, are computed
// again.
func TestCoverageRecomputesChangedHours(t *testing.T) {
	s := archive.NewMemStore()
	for h := range 6 {
		cov{float64(h * 3600), 2, archive.Full, 0}.put(t, s, byte(h))
		cov{float64(h*3600 + 10), 2, archive.Full, 0}.put(t, s, byte(h))
	}
	sel := archive.NewSelector(s, archive.SelectorConfig{})
	rep, err := sel.Coverage(t.Context(), "s", "v", t0.Add(time.Hour), t0.Add(5*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 4, rep.Computed)
	cov{2*3600 + 2, 2, archive.Full, 0}.put(t, s, 99) // fills part of a hole in hour 2
	rep, err = sel.Coverage(t.Context(), "s", "v", t0.Add(time.Hour), t0.Add(5*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 2, rep.Computed, "hour 2, and hour 3 whose hour before changed")
	require.Equal(t, 6*time.Second, rep.Hours[1].Raw)
}
