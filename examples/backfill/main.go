// Command backfill fills a local segment archive from peer nodes (airkeep's
// archived or wubloader's restreamer), verifying every segment's hash.
//
//	backfill -dir ./segments -nodes http://node2:8000,http://node3:8000 [-once] [-streams a,b]
//	backfill -dir ./segments -nodes http://node2:8000 -window 720h   # as archive prune -older-than 720h
//	backfill -dir ./segments -nodes http://node2:8000 -start 2026-11-01T00:00:00Z -recent-cutoff 0
//	backfill -store 's3://bucket/prefix?endpoint=127.0.0.1:7070&insecure=1' -nodes http://node2:8000
//
// It prints one line per remote segment it fetched, skipped or rejected:
//
//	fetched PEER PATH BYTES
//	tombstone PEER PATH
//	skipped PEER PATH: REASON
//	rejected PEER PATH: REASON
//	mismatch PEER PATH: REASON
//	error PEER PATH: REASON
//
// and a summary on stderr. Without -once it keeps passing over the peers
// until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/storeurl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "backfill:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

// clock is the time backfill compares segments with. Tests set a fake one,
// on their data's day.
var clock airkeep.Clock = airkeep.SystemClock()

func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "archive folder to fill (this or -store is required)")
	storeURL := fs.String("store", "", "archive URL in place of -dir: a path, file://PATH, or\ns3://BUCKET/PREFIX?endpoint=HOST:PORT&insecure=1&region=R (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	nodes := fs.String("nodes", "", "comma-separated peer base URLs, e.g. http://node2:8000 (required)")
	once := fs.Bool("once", false, "make one pass over every peer, then exit")
	streams := fs.String("streams", "", "comma-separated streams to backfill (default: all)")
	variants := fs.String("variants", "", "comma-separated variants to backfill (default: all)")
	window := fs.Duration("window", 14*24*time.Hour, "how far back to backfill: hours that ended longer ago are left alone\n(give the -older-than of archive prune, so pruned hours are not fetched again)")
	start := fs.String("start", "", "also leave alone hours that ended by this time, RFC 3339 (e.g. a retention cutoff)")
	recent := fs.Duration("recent-cutoff", 120*time.Second, "skip segments that started less than this long ago (the capture may still fetch them); 0 skips none")
	concurrency := fs.Int("concurrency", 5, "downloads at once per peer")
	self := fs.String("self", "", "this node's own URL, skipped if it appears in -nodes")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if *nodes == "" {
		return usageError{errors.New("-nodes is required")}
	}
	var startAt time.Time
	if *start != "" {
		var err error
		if startAt, err = time.Parse(time.RFC3339Nano, *start); err != nil {
			return usageError{fmt.Errorf("-start: %w", err)}
		}
	}
	recentCutoff := *recent
	switch {
	case recentCutoff < 0:
		return usageError{errors.New("-recent-cutoff may not be negative")}
	case recentCutoff == 0:
		recentCutoff = archive.NoRecentCutoff
	}
	u, err := storeurl.Location(*dir, *storeURL)
	if err != nil {
		return usageError{err}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := u.Open(ctx, storeurl.Config{Logger: log})
	if err != nil {
		return err
	}
	var mu sync.Mutex // one line at a time
	b, err := archive.NewBackfiller(store, archive.BackfillConfig{
		Peers: list(*nodes), Self: *self, Streams: list(*streams), Variants: list(*variants),
		Clock: clock, Window: *window, Start: startAt, RecentCutoff: recentCutoff, PerPeer: *concurrency, Logger: log,
		Observer: func(e archive.BackfillEvent) {
			mu.Lock()
			defer mu.Unlock()
			switch e.Kind {
			case archive.BackfillFetched:
				fmt.Fprintf(stdout, "fetched %s %s %d\n", e.Peer, e.Path, e.Bytes)
			case archive.BackfillTombstone:
				fmt.Fprintf(stdout, "tombstone %s %s\n", e.Peer, e.Path)
			default:
				fmt.Fprintf(stdout, "%s %s %s: %s\n", e.Kind, e.Peer, e.Path, e.Reason)
			}
		},
	})
	if err != nil {
		var ce *archive.ConfigError
		if errors.As(err, &ce) {
			return usageError{err}
		}
		return err
	}
	if *once {
		err = b.Pass(ctx)
	} else {
		err = b.Run(ctx)
	}
	st := b.Stats()
	fmt.Fprintf(stderr, "backfill: fetched %d segments (%d bytes), %d tombstones, %d skipped, %d rejected, %d hash mismatches, %d errors\n",
		st.Fetched, st.Bytes, st.Tombstones, st.Skipped, st.Rejected, st.Mismatches, st.Errors)
	if ctx.Err() != nil {
		return nil // interrupted: a clean stop
	}
	return err
}
