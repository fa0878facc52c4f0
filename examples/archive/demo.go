package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// runDemo writes two minutes of a sample stream, with the faults a real
// capture meets (a lost segment, a truncated one, a duplicate), then shows
// what the archive holds and the best timeline over it.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("demo", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := loc.open(ctx, true)
	if err != nil {
		return err
	}
	start := time.Now().UTC().Truncate(time.Minute).Add(-2 * time.Minute)
	for _, variant := range []string{"source", "480p"} {
		for i := range 60 {
			seg := archive.Segment{Stream: "demo", Variant: variant, Start: start.Add(time.Duration(i) * 2 * time.Second), Duration: 2.0}
			data := tsPackets(variant, i)
			typ := archive.Full
			switch {
			case variant == "480p" && i == 20:
				continue // never arrived
			case variant == "480p" && i == 40:
				data, typ = data[:len(data)/2], archive.Partial // connection cut mid-body
			}
			for copies := 1 + i%7/6; copies > 0; copies-- { // some segments twice, as overlapping getters do
				w, err := store.Create(ctx, seg)
				if err != nil {
					return err
				}
				if _, err := w.Write(data); err != nil {
					w.Abort()
					return err
				}
				if _, err := w.Commit(ctx, typ); err != nil {
					return err
				}
			}
		}
	}
	var st archive.StatsSnapshot
	if s, ok := store.(interface{ Stats() *archive.Stats }); ok {
		st = s.Stats().Snapshot()
	}
	fmt.Fprintf(stdout, "wrote %d full and %d partial segments (%d bytes) into %s, dropped %d duplicates\n\n",
		st.Full, st.Partial, st.Bytes, loc.name(store), st.Duplicates)
	for _, variant := range []string{"source", "480p"} {
		q := archive.Query{Stream: "demo", Variant: variant, Start: start, End: start.Add(2 * time.Minute)}
		tl, err := archive.Best(ctx, store, q)
		if err != nil {
			return err
		}
		segs, holes := 0, 0
		for _, it := range tl.Items {
			if it.Hole {
				holes++
				fmt.Fprintf(stdout, "  %s: HOLE %s %s\n", variant, it.Start.Format(holeTime), it.End.Format(holeTime))
				continue
			}
			segs++
		}
		fmt.Fprintf(stdout, "demo/%s: %d segments, %d holes between %s and %s\n", variant, segs, holes, q.Start.Format(time.RFC3339), q.End.Format(time.RFC3339))
	}
	where := "-dir " + *loc.dir
	if *loc.dir == "" {
		where = "-store '" + loc.name(store) + "'"
	}
	fmt.Fprintf(stdout, "\ntry: go run ./examples/archive best %s -stream demo -variant 480p -start %s -end %s\n",
		where, start.Format(time.RFC3339), start.Add(2*time.Minute).Format(time.RFC3339))
	return nil
}

// tsPackets returns a few MPEG-TS null packets (188 bytes, sync byte 0x47,
// PID 0x1FFF) carrying a label, so each sample segment is distinct, valid
// transport stream.
func tsPackets(variant string, i int) []byte {
	const packets = 40
	b := make([]byte, 0, packets*188)
	label := fmt.Sprintf("airkeep demo %s segment %d", variant, i)
	for p := range packets {
		pkt := make([]byte, 188)
		pkt[0], pkt[1], pkt[2], pkt[3] = 0x47, 0x1f, 0xff, 0x10|byte(p&0x0f)
		copy(pkt[4:], label)
		b = append(b, pkt...)
	}
	return b
}
