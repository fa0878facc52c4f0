package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

// spec is one hand-made segment: offset from t0, duration, type, size.
type spec struct {
	at   time.Duration
	dur  archive.Seconds
	typ  archive.Type
	size int
	fill byte // varies the bytes, and so the hash, of same-sized segments
}

func put(t *testing.T, s archive.Store, sp spec) archive.Segment {
	t.Helper()
	data := bytes.Repeat([]byte{sp.fill}, sp.size)
	return archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(sp.at), Duration: sp.dur}, sp.typ, data)
}

// describe renders a timeline compactly: "+0s/2s full" per segment, "hole"
// per hole, with offsets from t0.
func describe(tl archive.Timeline) []string {
	var out []string
	for _, it := range tl.Items {
		if it.Hole {
			out = append(out, fmt.Sprintf("hole %v..%v", it.Start.Sub(t0), it.End.Sub(t0)))
			continue
		}
		out = append(out, fmt.Sprintf("%v/%v %s %d", it.Segment.Start.Sub(t0), it.Segment.Duration.Duration(), it.Type, it.Size))
	}
	return out
}

func TestBestSegmentsRules(t *testing.T) {
	s2 := 2 * time.Second
	ms := time.Millisecond
	tests := []struct {
		name       string
		segs       []spec
		start, end time.Duration
		want       []string
	}{
		{
			name: "contiguous full segments",
			segs: []spec{{0, 2, archive.Full, 10, 0}, {s2, 2, archive.Full, 10, 0}, {2 * s2, 2, archive.Full, 10, 0}},
			end:  6 * time.Second,
			want: []string{"0s/2s full 10", "2s/2s full 10", "4s/2s full 10"},
		},
		{
			name: "full beats suspect beats partial at one start",
			segs: []spec{{0, 2, archive.Partial, 900, 1}, {0, 2, archive.Suspect, 500, 2}, {0, 2, archive.Full, 100, 3}, {s2, 2, archive.Partial, 900, 1}, {s2, 2, archive.Suspect, 500, 2}},
			end:  4 * time.Second,
			want: []string{"0s/2s full 100", "2s/2s suspect 500", "hole 4s..4s"},
		},
		{
			name: "longer full wins, then larger",
			segs: []spec{{0, 2, archive.Full, 900, 1}, {0, 2.5, archive.Full, 100, 2}, {2500 * ms, 2, archive.Full, 100, 1}, {2500 * ms, 2, archive.Full, 300, 2}},
			end:  4500 * ms,
			want: []string{"0s/2.5s full 100", "2.5s/2s full 300"},
		},
		{
			name: "largest partial wins when nothing better",
			segs: []spec{{0, 2, archive.Partial, 100, 1}, {0, 2, archive.Partial, 700, 2}, {0, 2, archive.Partial, 300, 3}},
			end:  2 * time.Second,
			want: []string{"0s/2s partial 700", "hole 2s..2s"},
		},
		{
			name: "temp segments are never chosen",
			segs: []spec{{0, 2, archive.Full, 10, 0}},
			end:  2 * time.Second,
			want: []string{"0s/2s full 10"},
		},
		{
			name: "a non-full segment forces a hole before the next",
			segs: []spec{{0, 2, archive.Full, 10, 0}, {s2, 2, archive.Suspect, 10, 0}, {2 * s2, 2, archive.Full, 10, 0}},
			end:  6 * time.Second,
			want: []string{"0s/2s full 10", "2s/2s suspect 10", "hole 4s..4s", "4s/2s full 10"},
		},
		{
			name: "gap of 10ms is tolerated, 11ms is a hole",
			segs: []spec{{0, 2, archive.Full, 10, 0}, {s2 + 10*ms, 2, archive.Full, 10, 0}, {2*s2 + 21*ms, 2, archive.Full, 10, 0}},
			end:  6 * time.Second,
			want: []string{"0s/2s full 10", "2.01s/2s full 10", "hole 4.01s..4.021s", "4.021s/2s full 10"},
		},
		{
			name: "overlap of 10ms is tolerated, more is skipped (earliest wins)",
			segs: []spec{{0, 2, archive.Full, 10, 0}, {s2 - 10*ms, 2, archive.Full, 10, 0}, {2*s2 - 30*ms, 2, archive.Full, 10, 0}, {2*s2 - 10*ms, 2, archive.Full, 10, 0}},
			end:  5 * time.Second,
			want: []string{"0s/2s full 10", "1.99s/2s full 10", "3.99s/2s full 10"},
		},
		{
			name: "leading hole when nothing covers the start",
			segs: []spec{{s2, 2, archive.Full, 10, 0}},
			end:  4 * time.Second,
			want: []string{"hole 0s..2s", "2s/2s full 10"},
		},
		{
			name:  "segments before the range are skipped",
			segs:  []spec{{0, 2, archive.Full, 10, 0}, {s2, 2, archive.Full, 10, 0}, {2 * s2, 2, archive.Full, 10, 0}},
			start: 3 * time.Second, end: 5 * time.Second,
			want: []string{"2s/2s full 10", "4s/2s full 10"},
		},
		{
			name:  "a segment starting at the end is outside",
			segs:  []spec{{2 * s2, 2, archive.Full, 10, 0}},
			start: 0, end: 4 * time.Second,
			want: []string{"hole 0s..4s"},
		},
		{
			name: "nothing at all is one hole",
			end:  10 * time.Second,
			want: []string{"hole 0s..10s"},
		},
		{
			name: "no tolerance at the range end: 5ms short is a trailing hole",
			segs: []spec{{0, 1.995, archive.Full, 10, 0}},
			end:  2 * time.Second,
			want: []string{"0s/1.995s full 10", "hole 1.995s..2s"},
		},
		{
			name: "1.9999999 s lasts exactly 2 s",
			segs: []spec{{0, 1.9999999, archive.Full, 10, 0}, {s2, 1.9999999, archive.Full, 10, 0}},
			end:  4 * time.Second,
			want: []string{"0s/2s full 10", "2s/2s full 10"},
		},
		{
			name:  "look back one hour for a segment covering the start",
			segs:  []spec{{-time.Second, 3, archive.Full, 10, 0}, {2 * time.Second, 2, archive.Full, 10, 0}},
			start: time.Second, end: 4 * time.Second,
			want: []string{"-1s/3s full 10", "2s/2s full 10"},
		},
		{
			name:  "across hour folders",
			segs:  []spec{{time.Hour - s2, 2, archive.Full, 10, 0}, {time.Hour, 2, archive.Full, 10, 0}},
			start: time.Hour - time.Second, end: time.Hour + time.Second,
			want: []string{"59m58s/2s full 10", "1h0m0s/2s full 10"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := archive.NewMemStore()
			for _, sp := range tt.segs {
				put(t, s, sp)
			}
			if tt.name == "temp segments are never chosen" {
				require.NoError(t, s.PutRaw("s/v/2026-11-23T14/00:00.000000-3.0-temp-abc.ts", []byte("x")))
			}
			tl, err := archive.Best(t.Context(), s, archive.Query{Stream: "s", Variant: "v", Start: t0.Add(tt.start), End: t0.Add(tt.end)})
			require.NoError(t, err)
			require.Equal(t, tt.want, describe(tl))
		})
	}
}

func TestBestHighestHashBreaksTies(t *testing.T) {
	s := archive.NewMemStore()
	a := put(t, s, spec{0, 2, archive.Full, 10, 1})
	b := put(t, s, spec{0, 2, archive.Full, 10, 2})
	want := a
	if bytes.Compare(b.Hash[:], a.Hash[:]) > 0 {
		want = b
	}
	tl, err := archive.Best(t.Context(), s, archive.Query{Stream: "s", Variant: "v", Start: t0, End: t0.Add(time.Second)})
	require.NoError(t, err)
	require.Equal(t, want, tl.Items[0].Segment)
}

func TestBestIgnoresTombstoned(t *testing.T) {
	s := archive.NewMemStore()
	full := put(t, s, spec{0, 2, archive.Full, 10, 1})
	put(t, s, spec{0, 2, archive.Partial, 10, 2})
	require.NoError(t, s.Tombstone(t.Context(), full))
	tl, err := archive.Best(t.Context(), s, archive.Query{Stream: "s", Variant: "v", Start: t0, End: t0.Add(2 * time.Second)})
	require.NoError(t, err)
	require.Equal(t, []string{"0s/2s partial 10", "hole 2s..2s"}, describe(tl))
}

func TestBestNoHoles(t *testing.T) {
	s := archive.NewMemStore()
	put(t, s, spec{0, 2, archive.Full, 10, 0})
	put(t, s, spec{3 * time.Second, 2, archive.Full, 10, 0})
	q := archive.Query{Stream: "s", Variant: "v", Start: t0, End: t0.Add(5 * time.Second), NoHoles: true}
	_, err := archive.Best(t.Context(), s, q)
	require.ErrorIs(t, err, archive.ErrHoles)
	var he *archive.HolesError
	require.ErrorAs(t, err, &he)
	require.Equal(t, t0.Add(2*time.Second), he.At)

	q.End = t0.Add(2 * time.Second)
	tl, err := archive.Best(t.Context(), s, q)
	require.NoError(t, err)
	require.False(t, tl.HasHoles())
}

func TestBestRefusesBadQueries(t *testing.T) {
	s := archive.NewMemStore()
	tests := []struct {
		name string
		q    archive.Query
	}{
		{"end before start", archive.Query{Stream: "s", Variant: "v", Start: t0, End: t0.Add(-time.Second)}},
		{"empty range", archive.Query{Stream: "s", Variant: "v", Start: t0, End: t0}},
		{"no start", archive.Query{Stream: "s", Variant: "v", End: t0}},
		{"bad stream", archive.Query{Stream: "..", Variant: "v", Start: t0, End: t0.Add(time.Second)}},
		{"centuries", archive.Query{Stream: "s", Variant: "v", Start: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), End: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.Best(t.Context(), s, tt.q)
			require.Error(t, err)
			if tt.q.Stream != ".." {
				var re *archive.RangeError
				require.ErrorAs(t, err, &re)
			}
		})
	}
}

// countingStore counts List calls, to show what the cache saves.
type countingStore struct {
	archive.Store
	lists int
}

func (c *countingStore) List(ctx context.Context, stream, variant, hour string) (archive.Listing, error) {
	c.lists++
	return c.Store.List(ctx, stream, variant, hour)
}

func TestSelectorCacheFollowsListing(t *testing.T) {
	mem := archive.NewMemStore()
	put(t, mem, spec{0, 2, archive.Partial, 10, 0})
	sel := archive.NewSelector(mem, archive.SelectorConfig{CacheHours: 2})
	q := archive.Query{Stream: "s", Variant: "v", Start: t0, End: t0.Add(2 * time.Second)}
	first, err := sel.Best(t.Context(), q)
	require.NoError(t, err)
	again, err := sel.Best(t.Context(), q)
	require.NoError(t, err)
	require.Equal(t, first, again)

	// A better copy arrives (backfill): the cached answer must not stick.
	put(t, mem, spec{0, 2, archive.Full, 10, 0})
	after, err := sel.Best(t.Context(), q)
	require.NoError(t, err)
	require.Equal(t, []string{"0s/2s full 10"}, describe(after))

	// Queries over many hours evict old ones without growing past the bound.
	for h := range 5 {
		_, err := sel.Best(t.Context(), archive.Query{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(h) * time.Hour), End: t0.Add(time.Duration(h)*time.Hour + time.Second)})
		require.NoError(t, err)
	}
	again, err = sel.Best(t.Context(), q)
	require.NoError(t, err)
	require.Equal(t, after, again)
}

func TestRoughCut(t *testing.T) {
	s := archive.NewMemStore()
	a := archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("AAAA"))
	archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(2 * time.Second), Duration: 2}, archive.Full, []byte("BB"))
	archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(6 * time.Second), Duration: 2}, archive.Full, []byte("C"))
	tl, err := archive.Best(t.Context(), s, archive.Query{Stream: "s", Variant: "v", Start: t0.Add(time.Second), End: t0.Add(7 * time.Second)})
	require.NoError(t, err)
	var out bytes.Buffer
	res, err := archive.RoughCut(t.Context(), s, tl, &out)
	require.NoError(t, err)
	require.Equal(t, "AAAABBC", out.String())
	require.Equal(t, 3, res.Segments)
	require.Equal(t, int64(7), res.Bytes)
	require.Len(t, res.Holes, 1)
	require.Equal(t, t0.Add(4*time.Second), res.Holes[0].Start)
	require.Equal(t, t0.Add(6*time.Second), res.Holes[0].End)

	// A segment that vanished since selection is an error, not silence.
	require.NoError(t, s.RemoveHour(t.Context(), "s", "v", a.Hour()))
	_, err = archive.RoughCut(t.Context(), s, tl, &out)
	require.ErrorIs(t, err, archive.ErrNotFound)
}

func ExampleSelector_Best() {
	store := archive.NewMemStore()
	ctx := context.Background()
	start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	for i, typ := range []archive.Type{archive.Full, archive.Full, archive.Partial, archive.Full} {
		if i == 1 {
			continue // a segment never arrived
		}
		w, _ := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: start.Add(time.Duration(i) * 2 * time.Second), Duration: 2.0})
		w.Write([]byte{byte(i)})
		w.Commit(ctx, typ)
	}
	sel := archive.NewSelector(store, archive.SelectorConfig{})
	tl, err := sel.Best(ctx, archive.Query{Stream: "radio", Variant: "source", Start: start, End: start.Add(8 * time.Second)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range tl.Items {
		if it.Hole {
			fmt.Println("HOLE", it.Start.Format("15:04:05"), it.End.Format("15:04:05"))
			continue
		}
		fmt.Println(it.Segment.Start.Format("15:04:05"), it.Type)
	}
	// Output:
	// 14:00:00 full
	// HOLE 14:00:02 14:00:04
	// 14:00:04 partial
	// HOLE 14:00:06 14:00:06
	// 14:00:06 full
}

func ExampleDirStore() {
	dir, _ := os.MkdirTemp("", "airkeep-example")
	defer os.RemoveAll(dir)
	store, err := archive.NewDirStore(archive.DirConfig{Root: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	w, err := store.Create(ctx, archive.Segment{
		Stream: "desertbus", Variant: "source",
		Start:    time.Date(2019, 11, 13, 2, 45, 51, 608000000, time.UTC),
		Duration: 2.0,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w.Write([]byte("segment bytes as they arrive"))
	seg, err := w.Commit(ctx, archive.Full)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(seg.Path())
	fmt.Println(seg.Hash == sha256.Sum256([]byte("segment bytes as they arrive")))
	// Output:
	// desertbus/source/2019-11-13T02/45:51.608000-2.0-full-Sxs5VvHlJP2r8miUqiGB1WQuPEUwn4j38G-CLapudrY.ts
	// true
}
