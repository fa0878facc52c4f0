package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/airkeep/airkeep/archive"
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

// withArchive has req compare the schedule with an archive's recording
// of stream/variant (nil: no recording compared): schedule never imports
// archive, so the coverage comes in as a function.
func withArchive(req schedule.ProofRequest, arch archive.Reader, stream, variant string) schedule.ProofRequest {
	if arch == nil {
		return req
	}
	sel := archive.NewSelector(arch, archive.SelectorConfig{})
	req.Recording = stream + "/" + variant
	req.Coverage = func(ctx context.Context, start, end time.Time) (time.Duration, []schedule.Span, error) {
		tl, err := sel.Best(ctx, archive.Query{Stream: stream, Variant: variant, Start: start, End: end})
		if err != nil {
			return 0, nil, fmt.Errorf("archive %s/%s: %w", stream, variant, err)
		}
		present, holes := tl.Coverage(start, end)
		spans := make([]schedule.Span, len(holes))
		for i, h := range holes {
			spans[i] = schedule.Span{Start: h.Start, End: h.End}
		}
		return present, spans, nil
	}
	return req
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
	links := fs.String("links", "", "after the proof, print per diffusion the link to play what went out: an HLS playlist of the archive served by radio run at this base URL (http://HOST:PORT)")
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
	archiveURL, err := archiveFlag(*dir, *storeURL)
	if err != nil {
		return err
	}
	now := time.Now()
	rf := rangeFlags{db: db, slug: slug, from: start, to: end, fromName: "start", toName: "end"}
	store, station, _, from, to, err := rf.open(ctx, now)
	if err != nil {
		return err
	}
	defer store.Close()
	if *verify {
		return verifyProof(ctx, store, station, archiveURL, from, to, stdout)
	}
	if *stream == "" {
		*stream = station.Slug
	}
	arch, err := openArchive(ctx, archiveURL)
	if err != nil {
		return err
	}
	rep, err := schedule.BuildProof(ctx, store, withArchive(schedule.ProofRequest{Station: station, From: from, To: to, Now: now, Tolerance: *tol}, arch, *stream, *variant))
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *links != "" {
		writeLinks(stdout, rep, strings.TrimSuffix(*links, "/"), *stream, *variant)
	}
	if s := rep.Summary(); s.Flagged > 0 {
		return fmt.Errorf("%w: %d of %d diffusions flagged", errFlagged, s.Flagged, s.Diffusions)
	}
	return nil
}

// writeLinks prints, per diffusion, the archive's playlist of what went
// out: its scheduled window, widened to what the as-run log says aired.
// radio run serves the archive's HTTP API under /archive/.
func writeLinks(w io.Writer, rep schedule.Proof, base, stream, variant string) {
	for _, r := range rep.Rows {
		start, end := r.Diffusion.Start, r.Diffusion.End
		if r.Aired() && r.AsRunStart.Before(start) {
			start = r.AsRunStart
		}
		if r.AsRunEnd.After(end) {
			end = r.AsRunEnd
		}
		q := url.Values{}
		q.Set("start", start.UTC().Format(time.RFC3339))
		q.Set("end", end.UTC().Format(time.RFC3339))
		fmt.Fprintf(w, "link %d %s %s/archive/playlist/%s/%s.m3u8?%s\n", r.Diffusion.ID, r.Program, base,
			url.PathEscape(stream), url.PathEscape(variant), q.Encode())
	}
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
