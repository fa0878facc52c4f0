package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/storeurl"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

// defaultTolerance is the mismatch the proof lets pass: the monitor ticks
// every second, Liquidsoap dates on-air events to the second, and the
// recording of a playlist without program date-times is dated to within a
// reload of its playlist.
const defaultTolerance = 5 * time.Second

// errFlagged is returned by proof (and demo) when a diffusion is flagged.
var errFlagged = errors.New("the proof found mismatches")

// Flags a diffusion can get; scripts match them, so they stay as they are.
const (
	flagNotAired   = "not-aired"   // due, not live, nothing of it logged on air
	flagLateStart  = "late-start"  // on air later than scheduled
	flagEarlyStart = "early-start" // on air earlier than scheduled
	flagEarlyEnd   = "early-end"   // off air before its scheduled end
	flagLateEnd    = "late-end"    // still on air after its scheduled end
	flagHoles      = "holes"       // the archive misses more than the tolerance of its window
)

// proofRow is one diffusion of the proof.
type proofRow struct {
	Diffusion  schedule.Diffusion
	Program    string
	Status     string
	Due        bool      // its scheduled end has passed
	AsRunStart time.Time // zero: nothing logged on air
	AsRunEnd   time.Time // zero: unknown
	Recorded   bool      // coverage measured (an archive was given)
	Present    time.Duration
	Holes      []archive.Span
	Flags      []string
}

func (p proofRow) aired() bool { return !p.AsRunStart.IsZero() }

func (p proofRow) missing() time.Duration {
	var d time.Duration
	for _, h := range p.Holes {
		d += h.Duration()
	}
	return d
}

type proofReport struct {
	Station         schedule.Station
	Loc             *time.Location
	From, To, At    time.Time
	Stream, Variant string // "" when no archive was read
	Tolerance       time.Duration
	Rows            []proofRow
}

// proofConfig says what buildProof compares.
type proofConfig struct {
	Store     schedule.Store
	Station   schedule.Station
	Archive   archive.Store // nil: no coverage
	Stream    string
	Variant   string
	From, To  time.Time
	Now       time.Time
	Tolerance time.Duration
}

// buildProof compares, for each diffusion overlapping [From, To), what was
// scheduled, what the as-run log says aired, and what the archive holds of
// its scheduled window.
func buildProof(ctx context.Context, pc proofConfig) (proofReport, error) {
	loc, err := schedule.LoadZone(pc.Station.Zone)
	if err != nil {
		return proofReport{}, err
	}
	rep := proofReport{Station: pc.Station, Loc: loc, From: pc.From, To: pc.To, At: pc.Now, Tolerance: pc.Tolerance}
	if pc.Archive != nil {
		rep.Stream, rep.Variant = pc.Stream, pc.Variant
	}
	ds, err := pc.Store.Diffusions(ctx, pc.Station.ID, pc.From, pc.To)
	if err != nil {
		return rep, err
	}
	if len(ds) == 0 {
		return rep, nil
	}
	// The log around the diffusions: a diffusion may start late (up to the
	// monitor's cancel timeout) and its sounds run past its end.
	lo, hi := ds[0].Start, ds[0].End
	for _, d := range ds {
		lo, hi = minTime(lo, d.Start), maxTime(hi, d.End)
	}
	entries, err := schedule.AsRun(ctx, pc.Store, pc.Station.ID, lo.Add(-time.Hour), hi.Add(time.Hour))
	if err != nil {
		return rep, err
	}
	onAir := map[int64][]schedule.AsRunEntry{}
	for _, e := range entries {
		// Sounds on air (a track inside one has no URI), by diffusion.
		if e.Event == schedule.LogOnAir && e.URI != "" && e.DiffusionID != 0 {
			onAir[e.DiffusionID] = append(onAir[e.DiffusionID], e)
		}
	}
	programs := map[int64]string{}
	var sel *archive.Selector
	if pc.Archive != nil {
		sel = archive.NewSelector(pc.Archive, archive.SelectorConfig{})
	}
	for _, d := range ds {
		row := proofRow{Diffusion: d, Status: d.Status.String(), Due: !d.End.After(pc.Now)}
		if d.Type != schedule.OnAir {
			row.Status = d.Type.String()
		}
		if _, ok := programs[d.ProgramID]; !ok {
			p, err := pc.Store.Program(ctx, d.ProgramID)
			if err != nil {
				return rep, err
			}
			programs[d.ProgramID] = p.Slug
		}
		row.Program = programs[d.ProgramID]
		for _, e := range onAir[d.ID] {
			if row.AsRunStart.IsZero() || e.Start.Before(row.AsRunStart) {
				row.AsRunStart = e.Start
			}
			if e.End.After(row.AsRunEnd) {
				row.AsRunEnd = e.End
			}
		}
		if sel != nil {
			end := minTime(d.End, pc.Now)
			if d.Start.Before(end) {
				tl, err := sel.Best(ctx, archive.Query{Stream: pc.Stream, Variant: pc.Variant, Start: d.Start, End: end})
				if err != nil {
					return rep, fmt.Errorf("archive %s/%s: %w", pc.Stream, pc.Variant, err)
				}
				row.Recorded = true
				row.Present, row.Holes = tl.Coverage(d.Start, end)
			}
		}
		row.Flags = flags(row, pc.Tolerance)
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

// flags lists a row's mismatches larger than tol.
func flags(r proofRow, tol time.Duration) []string {
	var f []string
	d := r.Diffusion
	expected := d.Type == schedule.OnAir && r.Status != schedule.Live.String()
	if r.Due && expected && !r.aired() {
		f = append(f, flagNotAired)
	}
	if r.aired() {
		switch delta := r.AsRunStart.Sub(d.Start); {
		case delta > tol:
			f = append(f, flagLateStart)
		case delta < -tol:
			f = append(f, flagEarlyStart)
		}
		if r.Due && !r.AsRunEnd.IsZero() {
			switch delta := r.AsRunEnd.Sub(d.End); {
			case delta < -tol:
				f = append(f, flagEarlyEnd)
			case delta > tol:
				f = append(f, flagLateEnd)
			}
		}
	}
	if r.Due && r.Recorded && d.Type == schedule.OnAir && r.missing() > tol {
		f = append(f, flagHoles)
	}
	return f
}

// summary counts what the proof found.
type proofSummary struct{ Diffusions, Due, Aired, Covered, Flagged int }

func (rep proofReport) summary() proofSummary {
	var s proofSummary
	for _, r := range rep.Rows {
		s.Diffusions++
		if len(r.Flags) > 0 {
			s.Flagged++
		}
		if !r.Due {
			continue
		}
		s.Due++
		if r.aired() {
			s.Aired++
		}
		if r.Recorded && r.missing() <= rep.Tolerance {
			s.Covered++
		}
	}
	return s
}

// write prints the report. Scripts parse it: one header line, one line of
// column names, one line per diffusion, whitespace-separated columns with
// no space inside a value ("-" for none), then a summary line. Columns are
// only ever appended.
func (rep proofReport) write(w io.Writer) error {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(rep.Loc).Format(time.RFC3339)
	}
	archive := "none"
	if rep.Stream != "" {
		archive = rep.Stream + "/" + rep.Variant
	}
	fmt.Fprintf(w, "proof of %s from %s to %s at %s, archive %s, tolerance %s\n",
		rep.Station.Slug, ts(rep.From), ts(rep.To), ts(rep.At), archive, rep.Tolerance)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "diffusion\tprogram\tstatus\tscheduled_start\tscheduled_end\tasrun_start\tasrun_end\tpresent_s\tmissing_s\tholes\tflags")
	for _, r := range rep.Rows {
		present, missing, holes := "-", "-", "-"
		if r.Recorded {
			present = strconv.FormatFloat(r.Present.Seconds(), 'f', 1, 64)
			missing = strconv.FormatFloat(r.missing().Seconds(), 'f', 1, 64)
			if len(r.Holes) > 0 {
				hs := make([]string, len(r.Holes))
				for i, h := range r.Holes {
					// ISO 8601 interval: start and duration.
					hs[i] = h.Start.In(rep.Loc).Format("2006-01-02T15:04:05.0Z07:00") + "/PT" + strconv.FormatFloat(h.Duration().Seconds(), 'f', 1, 64) + "S"
				}
				holes = strings.Join(hs, ",")
			}
		}
		fl := "ok"
		switch {
		case len(r.Flags) > 0:
			fl = strings.Join(r.Flags, ",")
		case !r.Due:
			fl = "not-due"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Diffusion.ID, r.Program, r.Status,
			ts(r.Diffusion.Start), ts(r.Diffusion.End), ts(r.AsRunStart), ts(r.AsRunEnd), present, missing, holes, fl)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := rep.summary()
	_, err := fmt.Fprintf(w, "summary: %d diffusions, %d due, %d aired, %d covered, %d flagged\n", s.Diffusions, s.Due, s.Aired, s.Covered, s.Flagged)
	return err
}

func cmdProof(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radio proof", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "schedule database (required)")
	dir := fs.String("dir", "", "archive folder the station recorded into")
	storeURL := fs.String("store", "", "archive URL, in place of -dir: a path, file://PATH or s3://BUCKET/PREFIX?endpoint=…")
	slug := fs.String("station", "", "station slug (default: the database's only station)")
	stream := fs.String("stream", "", "archive stream (default: the station slug)")
	variant := fs.String("variant", "source", "archive variant")
	start := fs.String("start", "", "start of the range: RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in the station's zone (required)")
	end := fs.String("end", "", "end of the range, likewise (default: now)")
	tol := fs.Duration("tolerance", defaultTolerance, "mismatches up to this long are not flagged")
	verify := fs.Bool("verify", false, "check the sealed as-run log and re-hash the segments it cites, instead; exit 1 if anything was edited, removed, reordered or inserted")
	fromFlag := fs.String("from", "", "same as -start")
	toFlag := fs.String("to", "", "same as -end")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *fromFlag != "" {
		*start = *fromFlag
	}
	if *toFlag != "" {
		*end = *toFlag
	}
	if *start == "" {
		return usageError{errors.New("-start is required")}
	}
	if err := required("db")(fs); err != nil {
		return err
	}
	if *dir != "" && *storeURL != "" {
		return usageError{errors.New("-dir and -store exclude each other")}
	}
	if *storeURL == "" {
		*storeURL = *dir
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	station, err := findStation(ctx, store, *slug)
	if err != nil {
		return err
	}
	loc, err := schedule.LoadZone(station.Zone)
	if err != nil {
		return err
	}
	now := time.Now()
	from, err := parseInstant(*start, loc)
	if err != nil {
		return usageError{fmt.Errorf("-start: %w", err)}
	}
	to := now
	if *end != "" {
		if to, err = parseInstant(*end, loc); err != nil {
			return usageError{fmt.Errorf("-end: %w", err)}
		}
	}
	if !from.Before(to) {
		return usageError{errors.New("-start must be before -end")}
	}
	if *verify {
		return verifyProof(ctx, store, station, *storeURL, from, to, stdout)
	}
	pc := proofConfig{Store: store, Station: station, Stream: *stream, Variant: *variant, From: from, To: to, Now: now, Tolerance: *tol}
	if pc.Stream == "" {
		pc.Stream = station.Slug
	}
	if *storeURL != "" {
		if pc.Archive, err = storeurl.Open(ctx, *storeURL, storeurl.Config{MustExist: true}); err != nil {
			return err
		}
	}
	rep, err := buildProof(ctx, pc)
	if err != nil {
		return err
	}
	if err := rep.write(stdout); err != nil {
		return err
	}
	if s := rep.summary(); s.Flagged > 0 {
		return fmt.Errorf("%w: %d of %d diffusions flagged", errFlagged, s.Flagged, s.Diffusions)
	}
	return nil
}

// findStation returns the station with slug, or the database's only
// station when slug is "".
func findStation(ctx context.Context, store *sqlitestore.Store, slug string) (schedule.Station, error) {
	if slug != "" {
		st, err := store.Station(ctx, slug)
		if errors.Is(err, schedule.ErrNotFound) {
			return st, usageError{fmt.Errorf("no station %q in the database", slug)}
		}
		return st, err
	}
	stations, err := store.Stations(ctx)
	if err != nil {
		return schedule.Station{}, err
	}
	var slugs []string
	for _, st := range stations {
		slugs = append(slugs, st.Slug)
	}
	switch len(slugs) {
	case 0:
		return schedule.Station{}, errors.New("the database holds no station: run radio import first")
	case 1:
		return stations[0], nil
	}
	return schedule.Station{}, usageError{fmt.Errorf("the database holds several stations (%s): choose one with -station", strings.Join(slugs, ", "))}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
