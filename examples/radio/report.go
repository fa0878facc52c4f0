package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/internal/atomicfile"
	"io"
	"time"

	"github.com/airkeep/airkeep/archive/storeurl"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/seal"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

// rangeFlags are the flags that pick a station and a period: -from and
// -to, or the names given.
type rangeFlags struct {
	db, slug, from, to *string
	fromName, toName   string
}

func addRangeFlags(fs *flag.FlagSet) rangeFlags {
	return rangeFlags{
		db:   fs.String("db", "", "schedule database (required)"),
		slug: fs.String("station", "", "station slug (default: the database's only station)"),
		from: fs.String("from", "", "start of the period: RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in the station's zone (required)"),
		to:   fs.String("to", "", "end of the period, likewise (default: now)"),

		fromName: "from", toName: "to",
	}
}

// open opens the store and reads the station and the period.
func (r rangeFlags) open(ctx context.Context, now time.Time) (*sqlitestore.Store, schedule.Station, *time.Location, time.Time, time.Time, error) {
	var zero schedule.Station
	store, err := openStore(ctx, *r.db)
	if err != nil {
		return nil, zero, nil, time.Time{}, time.Time{}, err
	}
	fail := func(err error) (*sqlitestore.Store, schedule.Station, *time.Location, time.Time, time.Time, error) {
		store.Close()
		return nil, zero, nil, time.Time{}, time.Time{}, err
	}
	station, err := findStation(ctx, store, *r.slug)
	if err != nil {
		return fail(err)
	}
	loc, err := schedule.LoadZone(station.Zone)
	if err != nil {
		return fail(err)
	}
	from, err := schedule.ParseInstant(*r.from, loc)
	if err != nil {
		return fail(usageError{fmt.Errorf("-%s: %w", r.fromName, err)})
	}
	to := now
	if *r.to != "" {
		if to, err = schedule.ParseInstant(*r.to, loc); err != nil {
			return fail(usageError{fmt.Errorf("-%s: %w", r.toName, err)})
		}
	}
	if !from.Before(to) {
		return fail(usageError{fmt.Errorf("-%s must be before -%s", r.fromName, r.toName)})
	}
	return store, station, loc, from, to, nil
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radio report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "", "soundexchange, plays or programs (required)")
	rf := addRangeFlags(fs)
	out := fs.String("o", "", "write the report to this file (default: stdout)")
	service := fs.String("service", "", "soundexchange: NAME_OF_SERVICE, with call letters (default: the station's name)")
	category := fs.String("category", "", "soundexchange: TRANSMISSION_CATEGORY, a letter A to L (required for soundexchange)")
	dir := fs.String("dir", "", "programs: archive folder the station recorded into, for coverage")
	storeURL := fs.String("store", "", "programs: archive URL, in place of -dir")
	stream := fs.String("stream", "", "programs: archive stream (default: the station slug)")
	variant := fs.String("variant", "source", "programs: archive variant")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("format", "db", "from")(fs); err != nil {
		return err
	}
	switch *format {
	case "soundexchange":
		if *category == "" {
			return usageError{errors.New("-category is required for soundexchange")}
		}
	case "plays", "programs":
	default:
		return usageError{fmt.Errorf("-format %q: want soundexchange, plays or programs", *format)}
	}
	archiveURL, err := archiveFlag(*dir, *storeURL)
	if err != nil {
		return err
	}
	now := time.Now()
	store, station, loc, from, to, err := rf.open(ctx, now)
	if err != nil {
		return err
	}
	defer store.Close()
	write := func(w io.Writer) error {
		switch *format {
		case "programs":
			return writePrograms(ctx, w, store, loc, schedule.ProofRequest{Station: station,
				From: from, To: to, Now: now, Tolerance: defaultTolerance}, archiveURL, *stream, *variant)
		}
		plays, err := schedule.PeriodPlays(ctx, store, station.ID, from, to)
		if err != nil {
			return err
		}
		var sum schedule.ReportSummary
		if *format == "plays" {
			sum, err = schedule.WritePlaysCSV(w, loc, plays)
		} else {
			name := *service
			if name == "" {
				name = station.Name
			}
			sum, err = schedule.WriteSoundExchange(w, schedule.SoundExchange{ServiceName: name, Category: *category}, plays)
		}
		if errors.Is(err, schedule.ErrReport) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		for _, p := range sum.Incomplete {
			fmt.Fprintf(stderr, "incomplete: %s %q (%s): no %v\n", p.Start.In(loc).Format(time.RFC3339), p.Title, p.URI, p.Fields)
		}
		fmt.Fprintf(stderr, "radio report: %s\n", sum)
		return nil
	}
	if *out == "" {
		return write(stdout)
	}
	return writeFile(*out, write)
}

// writePrograms writes the programs report: the period's diffusions with
// what aired and, given an archive, what was recorded.
func writePrograms(ctx context.Context, w io.Writer, store *sqlitestore.Store, loc *time.Location, req schedule.ProofRequest, storeURL, stream, variant string) error {
	if stream == "" {
		stream = req.Station.Slug
	}
	arch, err := openArchive(ctx, storeURL)
	if err != nil {
		return err
	}
	rows, err := schedule.ProgramsReport(ctx, store, withArchive(req, arch, stream, variant))
	if err != nil {
		return err
	}
	return schedule.WriteProgramsCSV(w, loc, rows)
}

// writeFile writes path atomically (internal/atomicfile), only when write
// succeeded.
func writeFile(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, 0o644, write)
}

// verifyProof is radio proof -verify: the sealed as-run chain, and the
// segments it cites, checked for the period.
func verifyProof(ctx context.Context, store *sqlitestore.Store, station schedule.Station, storeURL string, from, to time.Time, stdout io.Writer) error {
	arch, err := openArchive(ctx, storeURL)
	if err != nil {
		return err
	}
	res, err := seal.Verify(ctx, seal.VerifyConfig{Store: store, StationID: station.ID, From: from, To: to, Archive: arch})
	if err != nil {
		return err
	}
	if err := res.WriteText(stdout); err != nil {
		return err
	}
	if res.Break != nil {
		return res.Break
	}
	return nil
}

// archiveFlag reads -dir and -store: the archive's URL, or "" for none.
func archiveFlag(dir, storeURL string) (string, error) {
	if dir != "" && storeURL != "" {
		return "", usageError{errors.New("-dir and -store exclude each other")}
	}
	return dir + storeURL, nil
}

// openArchive opens the archive at url, which must exist; nil for "".
func openArchive(ctx context.Context, url string) (archive.Store, error) {
	if url == "" {
		return nil, nil
	}
	return storeurl.Open(ctx, url, storeurl.Config{MustExist: true})
}
