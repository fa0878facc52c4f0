package archive_test

import (
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
