package archive_test

import (
	"context"
	"fmt"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// ExampleSelector_Coverage reports what an hour holds: 8 s of 2-second
// segments with a hole, one of them only partial.
func ExampleSelector_Coverage() {
	ctx := context.Background()
	store := archive.NewMemStore()
	hour := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	for i, typ := range []archive.Type{archive.Full, archive.Partial, 0, archive.Full, archive.Full} {
		if typ == 0 {
			continue // a hole from 4 s to 6 s
		}
		w, _ := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: hour.Add(time.Duration(i) * 2 * time.Second), Duration: 2})
		fmt.Fprintf(w, "segment %d", i)
		w.Commit(ctx, typ)
	}
	rep, err := archive.NewSelector(store, archive.SelectorConfig{}).Coverage(ctx, "radio", "source", hour, hour.Add(time.Hour))
	if err != nil {
		panic(err)
	}
	h := rep.Hours[0]
	fmt.Println("segments:", h.Segments.Full, "full,", h.Segments.Partial, "partial")
	fmt.Println("raw coverage:", h.Raw, "editable:", h.Editable)
	for _, hole := range h.RawHoles {
		fmt.Println("hole:", hole.Start.Format("15:04:05"), "to", hole.End.Format("15:04:05"))
	}
	fmt.Println("partial only:", h.PartialOnlyDuration())
	fmt.Println("map:", rep.Map().Bounds().Dx(), "x", rep.Map().Bounds().Dy())
	// Output:
	// segments: 3 full, 1 partial
	// raw coverage: 8s editable: 8s
	// hole: 14:00:04 to 14:00:06
	// partial only: 2s
	// map: 6 x 300
}

// ExamplePrune removes the hours that ended a day before now, after a dry
// run says what would go.
func ExamplePrune() {
	ctx := context.Background()
	store := archive.NewMemStore()
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for h := range 48 {
		w, _ := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: start.Add(time.Duration(h) * time.Hour), Duration: 2})
		fmt.Fprintf(w, "hour %d", h)
		w.Commit(ctx, archive.Full)
	}
	clock := airkeep.NewFakeClock(start.Add(47*time.Hour + 30*time.Minute))
	cfg := archive.PruneConfig{Cutoff: clock.Now().Add(-24 * time.Hour), Clock: clock, DryRun: true}
	res, _ := archive.Prune(ctx, store, cfg)
	fmt.Println("would remove", len(res.Hours), "hours, from", res.Hours[0].Hour, "to", res.Hours[len(res.Hours)-1].Hour)
	cfg.DryRun = false
	archive.Prune(ctx, store, cfg)
	hours, _ := store.Hours(ctx, "radio", "source")
	fmt.Println("left:", len(hours), "hours, from", hours[0])

	_, err := archive.Prune(ctx, store, archive.PruneConfig{Cutoff: clock.Now().Add(-time.Hour), Clock: clock})
	fmt.Println(err)
	// Output:
	// would remove 23 hours, from 2026-11-23T00 to 2026-11-23T22
	// left: 25 hours, from 2026-11-23T23
	// archive: prune cutoff 2026-11-24T22:30:00Z: within the last 2h0m0s, which hold the hours being captured (now 2026-11-24T23:30:00Z)
}
