package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/airkeep/airkeep/archive/storeurl"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/stationfile"
	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radio demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 2*time.Minute, "how long the station runs (at least 1m)")
	dir := fs.String("dir", "", "work folder, created (default: ./radio-demo-YYYYMMDD-HHMMSS)")
	listen := fs.String("listen", "127.0.0.1:0", "address of the page and API (port 0: any free port)")
	binary := fs.String("liquidsoap", "liquidsoap", "the liquidsoap executable")
	progress := fs.Duration("progress", 10*time.Second, "interval between progress lines on stderr (0: none)")
	verbose := fs.Bool("v", false, "log what every component does, Liquidsoap included")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *duration < time.Minute {
		return usageError{fmt.Errorf("-duration %v: want at least 1m, for one show after Liquidsoap starts", *duration)}
	}
	bin, err := exec.LookPath(*binary)
	if err != nil {
		return fmt.Errorf("liquidsoap not found (%w): install it (Debian, Ubuntu: apt install liquidsoap) or give -liquidsoap PATH", err)
	}
	start := time.Now()
	if *dir == "" {
		*dir = "radio-demo-" + start.UTC().Format("20060102-150405")
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return usageError{fmt.Errorf("-dir %s already exists: the demo makes a new folder", abs)}
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	root := os.Geteuid() == 0
	if root {
		fmt.Fprintln(stderr, "radio: running as root: the station file sets liquidsoap.allow_root, since Liquidsoap refuses root otherwise")
	}
	shows := stationfiletest.Shows(*duration)
	t0 := start.Truncate(time.Second).Add(time.Second)
	fmt.Fprintf(stderr, "radio: writing tones and a station of %d shows into %s\n", len(shows), abs)
	ds, err := stationfiletest.Write(abs, stationfiletest.Config{Start: t0, Shows: shows, MusicLength: 12 * time.Second, AllowRoot: root, OnAir: true})
	if err != nil {
		return err
	}
	cfg, rep, err := importFile(ctx, ds.File, ds.DB, time.Now(), stderr)
	if err != nil {
		return err
	}
	printImport(stdout, cfg, rep)
	cfg, warns, err := stationfile.Load(ds.File, stationfile.ForRun)
	if err != nil {
		return err
	}
	printWarnings(stderr, warns)
	cfg.Binary, cfg.Listen = bin, *listen
	r, err := newRunner(ctx, runnerConfig{Station: cfg, DB: ds.DB, Logger: logger, Progress: *progress, Stderr: stderr})
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintf(stderr, "radio: on air for %v; open http://%s/ — shows at", *duration, r.Addr())
	for _, s := range shows {
		fmt.Fprintf(stderr, " %s", t0.Add(s.At).UTC().Format("15:04:05"))
	}
	fmt.Fprintln(stderr, " UTC")
	runCtx, cancel := context.WithDeadline(ctx, t0.Add(*duration))
	defer cancel()
	if err := r.Run(runCtx); err != nil {
		return err
	}
	interrupted := ctx.Err() != nil
	r.summary(stdout)
	return demoProof(context.WithoutCancel(ctx), r, t0, stdout, interrupted)
}

// demoProof prints the proof of the demo's run and says whether every due
// show aired and was recorded.
func demoProof(ctx context.Context, r *runner, t0 time.Time, stdout io.Writer, interrupted bool) error {
	arch, err := storeurl.Open(ctx, r.cfg.Record.Store, storeurl.Config{})
	if err != nil {
		return err
	}
	now := time.Now()
	rep, err := schedule.BuildProof(ctx, r.store, withArchive(schedule.ProofRequest{Station: r.station, From: t0, To: now, Now: now, Tolerance: defaultTolerance},
		arch, r.cfg.Record.Stream, "source"))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	entries, err := schedule.AsRun(ctx, r.store, r.station.ID, t0, time.Now().Add(time.Minute))
	if err != nil {
		return err
	}
	if err := schedule.WriteAirSummary(stdout, r.cfg.Location, entries); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nthe station is in %s; run it again with:\n  radio run -station %s -db %s\n",
		r.cfg.Dir, r.cfg.File, filepath.Join(r.cfg.Dir, "station.db"))
	s := rep.Summary()
	switch {
	case interrupted:
		return nil
	case s.Flagged > 0:
		return fmt.Errorf("%w: %d of %d diffusions flagged", errFlagged, s.Flagged, s.Diffusions)
	case s.Due == 0:
		return errors.New("no show was due: nothing proven")
	}
	return nil
}
