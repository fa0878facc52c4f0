package schedule

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"
)

// ProgramRow is one diffusion of the programs report: what was scheduled
// next to what aired and what was recorded.
type ProgramRow struct {
	Diffusion Diffusion
	Program   string
	// Aired is the time the diffusion's own sounds were on air, within
	// its window.
	Aired time.Duration
	// DeadAir is the time of its window when nothing was heard: when
	// nothing at all was on air, as the log tells (a gap between entries),
	// and when what was on air was silent (LogDeadAir stretches; one not
	// yet ended counts to the window's end). Unknown for a window still
	// open.
	DeadAir time.Duration
	// Missed: the diffusion was missed or cancelled.
	Missed bool
	// Recorded and Holes are the archive's coverage of the window; Known
	// is false when no archive was read.
	CoverageKnown bool
	Recorded      time.Duration
	Holes         time.Duration
}

// ProgramRows builds the rows of diffs from the as-run entries of their
// period (AsRun over a span that holds their windows), with names from
// programs (ID to title).
func ProgramRows(diffs []Diffusion, entries []AsRunEntry, programs map[int64]string) []ProgramRow {
	type span struct{ from, to time.Time }
	var air []span            // every top-level entry on air
	var silent []span         // dead air detected on the output
	own := map[int64][]span{} // by diffusion
	for _, e := range entries {
		if e.Event == LogDeadAir {
			end := e.End
			if end.IsZero() {
				end = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // not ended: silent to the window's end
			}
			silent = append(silent, span{e.Start, end})
			continue
		}
		if (e.Event != LogOnAir && e.Event != LogJingle) || e.ParentLogID != 0 || e.End.IsZero() {
			continue
		}
		s := span{e.Start, e.End}
		air = append(air, s)
		if e.DiffusionID != 0 {
			own[e.DiffusionID] = append(own[e.DiffusionID], s)
		}
	}
	// merge is how much of [from, to) the spans cover, and the gaps they
	// leave there.
	merge := func(spans []span, from, to time.Time) (time.Duration, []span) {
		var cut []span
		for _, s := range spans {
			if s.to.After(from) && s.from.Before(to) {
				cut = append(cut, span{maxT(s.from, from), minT(s.to, to)})
			}
		}
		slices.SortFunc(cut, func(a, b span) int { return a.from.Compare(b.from) })
		var d time.Duration
		var gaps []span
		end := from
		for _, s := range cut {
			if s.from.After(end) {
				gaps = append(gaps, span{end, s.from})
			}
			if s.from.Before(end) {
				s.from = end
			}
			if s.to.After(s.from) {
				d += s.to.Sub(s.from)
				end = s.to
			}
		}
		if to.After(end) {
			gaps = append(gaps, span{end, to})
		}
		return d, gaps
	}
	// covered is how much of [from, to) the spans cover.
	covered := func(spans []span, from, to time.Time) time.Duration {
		d, _ := merge(spans, from, to)
		return d
	}
	rows := make([]ProgramRow, 0, len(diffs))
	for _, d := range diffs {
		r := ProgramRow{Diffusion: d, Program: programs[d.ProgramID],
			Missed: d.Status == Missed || d.Status == StatusCancelled}
		r.Aired = covered(own[d.ID], d.Start, d.End)
		_, gaps := merge(air, d.Start, d.End)
		r.DeadAir = covered(append(gaps, silent...), d.Start, d.End)
		rows = append(rows, r)
	}
	return rows
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ProgramsHeader is the header row of WriteProgramsCSV; new columns are
// only ever appended.
var ProgramsHeader = []string{"diffusion_id", "program", "status", "scheduled_start", "scheduled_end", "scheduled_min",
	"aired_min", "missed", "dead_air_min", "recorded_min", "holes_min"}

// WriteProgramsCSV writes the rows as RFC 4180 CSV under ProgramsHeader:
// instants in RFC 3339 with loc's offset, minutes with one decimal,
// coverage empty when unknown.
func WriteProgramsCSV(w io.Writer, loc *time.Location, rows []ProgramRow) error {
	mins := func(d time.Duration) string { return strconv.FormatFloat(d.Minutes(), 'f', 1, 64) }
	cw := csv.NewWriter(w)
	if err := cw.Write(ProgramsHeader); err != nil {
		return err
	}
	for _, r := range rows {
		rec, holes := "", ""
		if r.CoverageKnown {
			rec, holes = mins(r.Recorded), mins(r.Holes)
		}
		d := r.Diffusion
		if err := cw.Write([]string{strconv.FormatInt(d.ID, 10), r.Program, d.Status.String(),
			csvInstant(d.Start, loc), csvInstant(d.End, loc), mins(d.Duration()),
			mins(r.Aired), strconv.FormatBool(r.Missed), mins(r.DeadAir), rec, holes}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ProgramsStore is what ProgramsReport reads.
type ProgramsStore interface {
	ProofStore
	// Programs returns the programs of a station, by slug.
	Programs(ctx context.Context, stationID int64) ([]Program, error)
}

// ProgramsReport is the programs report of req's period: its diffusions,
// as BuildProof finds them (with the recording's coverage when req has a
// Coverage), next to what the as-run log says aired. WriteProgramsCSV
// writes it.
func ProgramsReport(ctx context.Context, st ProgramsStore, req ProofRequest) ([]ProgramRow, error) {
	entries, err := AsRun(ctx, st, req.Station.ID, req.From, req.To)
	if err != nil {
		return nil, err
	}
	proof, err := BuildProof(ctx, st, req)
	if err != nil {
		return nil, err
	}
	progs, err := st.Programs(ctx, req.Station.ID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, p := range progs {
		names[p.ID] = p.Title
	}
	diffs := make([]Diffusion, 0, len(proof.Rows))
	for _, r := range proof.Rows {
		diffs = append(diffs, r.Diffusion)
	}
	rows := ProgramRows(diffs, entries, names)
	for i, r := range proof.Rows {
		if r.Recorded {
			rows[i].CoverageKnown, rows[i].Recorded, rows[i].Holes = true, r.Present, r.Missing()
		}
	}
	return rows, nil
}
