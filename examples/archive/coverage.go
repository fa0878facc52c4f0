package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// runCoverage prints a variant's coverage hour by hour:
//
//	HOUR           COVERED   HOLES  PARTIAL  OVERLAPS
//	2026-11-23T14  3596.000  1      4.000    0
//	TOTAL          3596.000  1      4.000    0
//
// COVERED is the time some segment covers (raw_coverage), PARTIAL the time
// only suspect or partial segments cover, in seconds; HOLES and OVERLAPS
// are counts (raw_holes, overlap_count of every type). Then one line per
// hole, HOLE START END SECONDS, followed with -nodes by the peers that list
// a segment in it (or "none").
func runCoverage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("coverage", stderr)
	stream := fs.String("stream", "", "stream name (required)")
	variant := fs.String("variant", "", "variant name (required)")
	start := fs.String("start", "", "range start, RFC 3339 (default: the first hour held)")
	end := fs.String("end", "", "range end, RFC 3339 (default: the end of the last hour held)")
	nodes := fs.String("nodes", "", "comma-separated peer base URLs: mark which of them hold segments in each hole")
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, f := range []struct{ name, val string }{{"-stream", *stream}, {"-variant", *variant}} {
		if f.val == "" {
			return usageError{fmt.Errorf("%s is required", f.name)}
		}
	}
	if err := archive.ValidateComponent("stream", *stream); err != nil {
		return usageError{err}
	}
	if err := archive.ValidateComponent("variant", *variant); err != nil {
		return usageError{err}
	}
	peers := splitList(*nodes)
	for _, p := range peers {
		if !strings.HasPrefix(p, "http://") && !strings.HasPrefix(p, "https://") {
			return usageError{fmt.Errorf("-nodes: %q is not an http(s) URL", p)}
		}
	}
	var from, to time.Time
	var err error
	if *start != "" {
		if from, err = time.Parse(time.RFC3339Nano, *start); err != nil {
			return usageError{fmt.Errorf("-start: %w", err)}
		}
	}
	if *end != "" {
		if to, err = time.Parse(time.RFC3339Nano, *end); err != nil {
			return usageError{fmt.Errorf("-end: %w", err)}
		}
	}
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	if from.IsZero() || to.IsZero() {
		hours, err := store.Hours(ctx, *stream, *variant)
		if err != nil {
			return err
		}
		if len(hours) == 0 {
			return fmt.Errorf("%s/%s holds nothing", *stream, *variant)
		}
		if from.IsZero() {
			from, _ = archive.ParseHour(hours[0])
		}
		if to.IsZero() {
			last, _ := archive.ParseHour(hours[len(hours)-1])
			to = last.Add(time.Hour)
		}
	}
	if !to.After(from) {
		return usageError{errors.New("-end must be after -start")}
	}
	rep, err := archive.NewSelector(store, archive.SelectorConfig{}).Coverage(ctx, *stream, *variant, from, to)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOUR\tCOVERED\tHOLES\tPARTIAL\tOVERLAPS")
	row := func(label string, c archive.HourCoverage) {
		o := c.Overlaps
		fmt.Fprintf(tw, "%s\t%.3f\t%d\t%.3f\t%d\n", label, c.Raw.Seconds(), len(c.RawHoles), c.PartialOnlyDuration().Seconds(), o.Full+o.Suspect+o.Partial)
	}
	for _, h := range rep.Hours {
		row(archive.FormatHour(h.Hour), h)
	}
	total := rep.Total()
	row("TOTAL", total)
	if err := tw.Flush(); err != nil {
		return err
	}
	holders := make([][]string, len(total.RawHoles))
	client := &http.Client{Timeout: 10 * time.Second}
	for _, p := range peers {
		held, err := archive.PeerHolds(ctx, client, strings.TrimRight(p, "/"), *stream, *variant, total.RawHoles)
		if err != nil {
			return err
		}
		for i, ok := range held {
			if ok {
				holders[i] = append(holders[i], p)
			}
		}
	}
	for i, h := range total.RawHoles {
		line := fmt.Sprintf("HOLE %s %s %.3f", h.Start.UTC().Format(holeTime), h.End.UTC().Format(holeTime), h.Duration().Seconds())
		if len(peers) > 0 {
			who := "none"
			if len(holders[i]) > 0 {
				who = strings.Join(holders[i], ",")
			}
			line += " " + who
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

// clock tells prune the time. Tests set a fake one, on their data's day.
var clock airkeep.Clock = airkeep.SystemClock()

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// runPrune deletes whole hours older than -older-than, printing one line
// per hour: "removed STREAM/VARIANT/HOUR SEGMENTS BYTES", or with -dry-run
// "would remove ...". A cutoff less than two hours back is refused.
func runPrune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("prune", stderr)
	olderThan := fs.Duration("older-than", 0, "remove hours that ended more than this long ago, e.g. 720h (required; at least 2h)")
	dryRun := fs.Bool("dry-run", false, "print what would be removed; remove nothing")
	streams := fs.String("streams", "", "comma-separated streams to prune (default: all)")
	variants := fs.String("variants", "", "comma-separated variants to prune (default: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *olderThan <= 0 {
		return usageError{errors.New("-older-than is required, e.g. -older-than 720h")}
	}
	if *olderThan < archive.MinPruneAge {
		return usageError{fmt.Errorf("-older-than %v: must be at least %v (the current and previous hours are never pruned)", *olderThan, archive.MinPruneAge)}
	}
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	verb := "removed"
	if *dryRun {
		verb = "would remove"
	}
	res, err := archive.Prune(ctx, store, archive.PruneConfig{
		Cutoff: clock.Now().Add(-*olderThan), DryRun: *dryRun, Clock: clock,
		Streams: splitList(*streams), Variants: splitList(*variants),
		Observer: func(p archive.PrunedHour) {
			fmt.Fprintf(stdout, "%s %s/%s/%s %d %d\n", verb, p.Stream, p.Variant, p.Hour, p.Segments, p.Bytes)
		},
	})
	if errors.Is(err, archive.ErrCutoff) {
		return usageError{err}
	}
	if *dryRun {
		fmt.Fprintf(stderr, "dry run: would prune %d hours, %d segments, %d bytes\n", len(res.Hours), res.Segments, res.Bytes)
	} else {
		fmt.Fprintf(stderr, "pruned %d hours, %d segments, %d bytes\n", len(res.Hours), res.Segments, res.Bytes)
	}
	return err
}
