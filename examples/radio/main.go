// Command radio runs a whole radio station in one program: its schedule,
// a supervised Liquidsoap, the diffusion monitor, an as-run log, and a
// recording of what really went on air, so that what was scheduled, what
// the log says aired and what was broadcast can be compared for any hour.
//
//	radio import -station station.toml -db station.db
//	radio run    -station station.toml -db station.db [-listen 127.0.0.1:8080]
//	radio proof  -db station.db -dir ./segments -start T -end T
//	radio proof  -verify -db station.db -dir ./segments -from T -to T
//	radio proof  -db station.db -dir ./segments -start T -links http://HOST:PORT
//	radio report -format soundexchange|plays|programs -db station.db -from T -to T [-o FILE]
//	radio script -station station.toml [-check]
//	radio demo   [-duration 2m]
//
// import loads the hand-edited station file (TOML) into the SQLite schedule
// store and generates the diffusions of the coming weeks; it is idempotent,
// so run it after every edit (and daily). run generates Liquidsoap's script,
// runs and supervises Liquidsoap, runs the monitor against it, records the
// station's own HLS output into a segment archive, and serves a page, /now,
// /asrun.csv and /metrics until SIGINT or SIGTERM. proof reports, per
// diffusion, the scheduled and as-run times and the archive's coverage.
// script prints the Liquidsoap script run would start (aircox's
// "streamer -c"), and checks it with liquidsoap --check. demo does all of it on generated tones in a folder of the current
// directory, and exits 0 when every due diffusion aired and was recorded.
//
// The station file's every field is shown and explained in
// schedule/stationfile/testdata/station.toml. All the work is done by the
// packages schedule (and its stationfile, stationapi and seal), streamer,
// hls and archive; this program wires them together.
//
// Exit status: 0 on success or a clean interrupt, 1 on a runtime error
// (and for proof and demo: when a diffusion is flagged), 2 on bad flags or
// a bad station file.
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
	"syscall"
	"time"

	"github.com/airkeep/airkeep/schedule/sqlitestore"
	"github.com/airkeep/airkeep/schedule/stationfile"
	"github.com/airkeep/airkeep/streamer"
)

const usage = `usage: radio COMMAND [flags]

commands:
  import   load the station file into the schedule store, generate the coming weeks
  run      run the station: Liquidsoap, the monitor, the recording, the web page
  proof    per diffusion: scheduled and as-run times, archive coverage, mismatches;
           -verify checks the sealed as-run log and the segments it cites
  report   soundexchange, plays or programs report of a period
  script   print the Liquidsoap script run would start; -check has liquidsoap check it
  demo     a whole station on generated tones, for a few minutes, then its proof

"radio COMMAND -h" lists a command's flags.
`

// usageError marks bad flags or a bad station file: exit status 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	var le *stationfile.Error
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue), errors.As(err, &le):
		fmt.Fprintln(stderr, "radio:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "radio:", err)
		return 1
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command")}
	}
	switch args[0] {
	case "import":
		return cmdImport(ctx, args[1:], stdout, stderr)
	case "run":
		return cmdRun(ctx, args[1:], stdout, stderr)
	case "proof":
		return cmdProof(ctx, args[1:], stdout, stderr)
	case "report":
		return cmdReport(ctx, args[1:], stdout, stderr)
	case "script":
		return cmdScript(ctx, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Errorf("unknown command %q", args[0])}
}

// parseFlags parses a command's flags; it refuses positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func required(names ...string) func(fs *flag.FlagSet) error {
	return func(fs *flag.FlagSet) error {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, n := range names {
			if !set[n] {
				return usageError{fmt.Errorf("-%s is required", n)}
			}
		}
		return nil
	}
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func openStore(ctx context.Context, db string) (*sqlitestore.Store, error) {
	return sqlitestore.New(ctx, sqlitestore.Config{Path: db})
}

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radio import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stationPath := fs.String("station", "", "station file (TOML) (required)")
	db := fs.String("db", "", "schedule database (SQLite), created if missing (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("station", "db")(fs); err != nil {
		return err
	}
	cfg, rep, err := importFile(ctx, *stationPath, *db, time.Now(), stderr)
	if err != nil {
		return err
	}
	printImport(stdout, cfg, rep)
	return nil
}

// importFile checks the station file, prints its warnings and imports it.
func importFile(ctx context.Context, stationPath, db string, now time.Time, stderr io.Writer) (*stationfile.Station, stationfile.SyncReport, error) {
	cfg, warns, err := stationfile.Load(stationPath, stationfile.ForImport)
	if err != nil {
		return nil, stationfile.SyncReport{}, err
	}
	printWarnings(stderr, warns)
	store, err := openStore(ctx, db)
	if err != nil {
		return nil, stationfile.SyncReport{}, err
	}
	defer store.Close()
	rep, warns, err := cfg.Sync(ctx, store, now)
	if err != nil {
		return nil, rep, err
	}
	printWarnings(stderr, warns)
	return cfg, rep, nil
}

func printWarnings(w io.Writer, warns []*stationfile.Problem) {
	for _, fe := range warns {
		fmt.Fprintln(w, "warning:", fe)
	}
}

func printImport(w io.Writer, c *stationfile.Station, rep stationfile.SyncReport) {
	g := rep.Generate
	fmt.Fprintf(w, "station %s: %d programs, %d music rotations, %d schedules, %d episodes with sounds, %d sounds",
		rep.Station.Slug, rep.Programs, rep.Music, rep.Schedules, rep.Episodes, rep.Sounds)
	if rep.Removed > 0 {
		fmt.Fprintf(w, " (%d marked removed: their files are gone)", rep.Removed)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "diffusions %s to %s: %d created, %d existing, %d deleted, %d cancelled, %d kept; %d overlapping pairs of schedules\n",
		rep.From.In(c.Location).Format(time.DateOnly), rep.To.In(c.Location).Format(time.DateOnly), g.Created, g.Existing, g.Deleted, g.Cancelled, g.Kept, rep.ConflictPairs)
}

func cmdScript(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radio script", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stationPath := fs.String("station", "", "station file (TOML) (required)")
	check := fs.Bool("check", false, "have liquidsoap --check parse, type-check and evaluate the script")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("station")(fs); err != nil {
		return err
	}
	// The script reads secrets from the environment at run time: they
	// need not be set to print it.
	cfg, warns, err := stationfile.Load(*stationPath, stationfile.ForImport)
	if err != nil {
		return err
	}
	printWarnings(stderr, warns)
	script, err := cfg.Streamer.Script()
	if err != nil {
		return err
	}
	if _, err := stdout.Write(script); err != nil {
		return err
	}
	if *check {
		if err := streamer.Check(ctx, cfg.Binary, script); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "radio: liquidsoap --check accepts the script")
	}
	return nil
}
