package archive_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

// Cut parameters are checked against fixed lists before any process runs.
func ExampleParseTransition() {
	t, err := archive.ParseTransition("wipeleft,0.5")
	fmt.Println(t.Type, t.Duration, err)
	_, err = archive.ParseTransition("spin,1")
	var ce *archive.ClipError
	fmt.Println(errors.As(err, &ce), ce.Param)
	typ, _ := archive.ParseCutType("")
	fmt.Println(typ)
	// Output:
	// wipeleft 500ms <nil>
	// true transition
	// rough
}

// FuzzParseTransition: whatever is accepted names a known xfade transition
// of a bounded, positive duration; everything else is a *ClipError.
func FuzzParseTransition(f *testing.F) {
	for _, s := range []string{"", "fade,1", "wipeleft,0.5", "fade,0", "fade,-1", "fade,NaN", "fade,1e9", "x,1", "fade", "fade,1,2", ";rm,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := archive.ParseTransition(s)
		if err != nil {
			var ce *archive.ClipError
			require.ErrorAs(t, err, &ce)
			return
		}
		if s == "" {
			require.Zero(t, tr)
			return
		}
		require.True(t, slices.Contains(archive.XfadeTransitions, tr.Type))
		require.Greater(t, tr.Duration, time.Duration(0))
		require.LessOrEqual(t, tr.Duration, archive.MaxTransition)
	})
}

// FuzzParseImageSize: an accepted size has both sides in 1..4096.
func FuzzParseImageSize(f *testing.F) {
	for _, s := range []string{"1024x64", "1x1", "4096x4096", "0x1", "4097x1", "12", "x", "-1x5", "10x10x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sz, err := archive.ParseImageSize(s)
		if err != nil {
			var ce *archive.ClipError
			require.ErrorAs(t, err, &ce)
			return
		}
		require.True(t, sz.Width >= 1 && sz.Width <= archive.MaxImageSide && sz.Height >= 1 && sz.Height <= archive.MaxImageSide)
	})
}

func TestTimelineRuns(t *testing.T) {
	seg := func(sec int) archive.Item {
		s := archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(sec) * time.Second), Duration: 2}
		return archive.Item{Entry: archive.Entry{Segment: s}, Start: s.Start, End: s.End()}
	}
	hole := archive.Item{Hole: true}
	tl := archive.Timeline{Query: archive.Query{Start: t0.Add(time.Second), End: t0.Add(9 * time.Second)},
		Items: []archive.Item{seg(0), seg(2), hole, seg(6), seg(8), hole}}
	runs := tl.Runs()
	require.Len(t, runs, 2)
	require.Equal(t, t0.Add(time.Second), runs[0].Query.Start, "the range start, inside the first segment")
	require.Equal(t, t0.Add(4*time.Second), runs[0].Query.End, "the end of the run's last segment")
	require.Equal(t, t0.Add(6*time.Second), runs[1].Query.Start)
	require.Equal(t, t0.Add(9*time.Second), runs[1].Query.End)
	require.Len(t, runs[1].Items, 2)
}
