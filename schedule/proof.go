package schedule

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Span is an interval of time, [Start, End).
type Span struct{ Start, End time.Time }

// Duration is End - Start.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Coverage says how much of [start, end) a recording of the station holds:
// the time present and the holes. The archive's timeline answers it (see
// examples/radio); schedule never reads a recording itself.
type Coverage func(ctx context.Context, start, end time.Time) (present time.Duration, holes []Span, err error)

// ProofStore is what BuildProof reads: the as-run and the diffusions.
type ProofStore interface {
	AsRunStore
	// Diffusions returns the diffusions of a station that overlap [from,
	// to), any type and status, by (Start, ID).
	Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]Diffusion, error)
}

// ProofRequest says what BuildProof compares.
type ProofRequest struct {
	Station Station
	// From and To bound the diffusions compared: those overlapping
	// [From, To).
	From, To time.Time
	// Now is when the proof is made: a diffusion is due once its
	// scheduled end has passed, and a recording is read up to Now.
	Now time.Time
	// Tolerance is the mismatch that is not flagged.
	Tolerance time.Duration
	// Coverage reads the recording; nil compares none.
	Coverage Coverage
	// Recording names the recording in the report's header ("stream/variant");
	// "" prints "none".
	Recording string
}

// ProofFlag is a mismatch a diffusion of a proof can get. The values are
// what the report prints; scripts match them, so they never change.
type ProofFlag string

// The flags, each past the proof's tolerance.
const (
	FlagNotAired   ProofFlag = "not-aired"   // due, not live, nothing of it logged on air
	FlagLateStart  ProofFlag = "late-start"  // on air later than scheduled
	FlagEarlyStart ProofFlag = "early-start" // on air earlier than scheduled
	FlagEarlyEnd   ProofFlag = "early-end"   // off air before its scheduled end
	FlagLateEnd    ProofFlag = "late-end"    // still on air after its scheduled end
	FlagHoles      ProofFlag = "holes"       // the recording misses more than the tolerance of its window
)

// ProofRow is one diffusion of a proof.
type ProofRow struct {
	Diffusion Diffusion
	Program   string // the program's slug
	// Status is the diffusion's status, or its type when it is not OnAir.
	Status     string
	Due        bool      // its scheduled end has passed
	AsRunStart time.Time // zero: nothing logged on air
	AsRunEnd   time.Time // zero: unknown
	Recorded   bool      // coverage measured (a recording was given)
	Present    time.Duration
	Holes      []Span
	Flags      []ProofFlag
}

// Aired reports whether the as-run log has the diffusion on air.
func (r ProofRow) Aired() bool { return !r.AsRunStart.IsZero() }

// Missing is the length of the holes.
func (r ProofRow) Missing() time.Duration {
	var d time.Duration
	for _, h := range r.Holes {
		d += h.Duration()
	}
	return d
}

// Proof is a proof of broadcast: for each diffusion, what was scheduled,
// what the as-run log says aired, and what the recording holds.
type Proof struct {
	Station      Station
	Loc          *time.Location // the station's zone
	From, To, At time.Time
	Recording    string
	Tolerance    time.Duration
	Rows         []ProofRow
}

// BuildProof compares, for each diffusion overlapping [From, To), what was
// scheduled, what the as-run log says aired, and what the recording holds
// of its scheduled window up to Now.
func BuildProof(ctx context.Context, st ProofStore, req ProofRequest) (Proof, error) {
	loc, err := LoadZone(req.Station.Zone)
	if err != nil {
		return Proof{}, err
	}
	rep := Proof{Station: req.Station, Loc: loc, From: req.From, To: req.To, At: req.Now, Tolerance: req.Tolerance}
	if req.Coverage != nil {
		rep.Recording = req.Recording
	}
	ds, err := st.Diffusions(ctx, req.Station.ID, req.From, req.To)
	if err != nil {
		return rep, fmt.Errorf("proof: %w", err)
	}
	if len(ds) == 0 {
		return rep, nil
	}
	// The log around the diffusions: a diffusion may start late (up to the
	// monitor's cancel timeout) and its sounds run past its end.
	lo, hi := ds[0].Start, ds[0].End
	for _, d := range ds {
		lo, hi = minT(lo, d.Start), maxT(hi, d.End)
	}
	entries, err := AsRun(ctx, st, req.Station.ID, lo.Add(-time.Hour), hi.Add(time.Hour))
	if err != nil {
		return rep, fmt.Errorf("proof: %w", err)
	}
	onAir := map[int64][]AsRunEntry{}
	for _, e := range entries {
		// Sounds on air (a track inside one has no URI), by diffusion.
		if e.Event == LogOnAir && e.URI != "" && e.DiffusionID != 0 {
			onAir[e.DiffusionID] = append(onAir[e.DiffusionID], e)
		}
	}
	programs := map[int64]string{}
	for _, d := range ds {
		row := ProofRow{Diffusion: d, Status: d.Status.String(), Due: !d.End.After(req.Now)}
		if d.Type != OnAir {
			row.Status = d.Type.String()
		}
		if _, ok := programs[d.ProgramID]; !ok {
			p, err := st.Program(ctx, d.ProgramID)
			if err != nil {
				return rep, fmt.Errorf("proof: %w", err)
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
		if req.Coverage != nil {
			end := minT(d.End, req.Now)
			if d.Start.Before(end) {
				if row.Present, row.Holes, err = req.Coverage(ctx, d.Start, end); err != nil {
					return rep, err
				}
				row.Recorded = true
			}
		}
		row.Flags = ProofFlags(row, req.Tolerance)
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

// ProofFlags lists a row's mismatches larger than tol.
func ProofFlags(r ProofRow, tol time.Duration) []ProofFlag {
	var f []ProofFlag
	d := r.Diffusion
	expected := d.Type == OnAir && r.Status != Live.String()
	if r.Due && expected && !r.Aired() {
		f = append(f, FlagNotAired)
	}
	if r.Aired() {
		switch delta := r.AsRunStart.Sub(d.Start); {
		case delta > tol:
			f = append(f, FlagLateStart)
		case delta < -tol:
			f = append(f, FlagEarlyStart)
		}
		if r.Due && !r.AsRunEnd.IsZero() {
			switch delta := r.AsRunEnd.Sub(d.End); {
			case delta < -tol:
				f = append(f, FlagEarlyEnd)
			case delta > tol:
				f = append(f, FlagLateEnd)
			}
		}
	}
	if r.Due && r.Recorded && d.Type == OnAir && r.Missing() > tol {
		f = append(f, FlagHoles)
	}
	return f
}

// ProofSummary counts what a proof found.
type ProofSummary struct{ Diffusions, Due, Aired, Covered, Flagged int }

// Summary counts the rows: all, due, due and aired, due and recorded within
// the tolerance, flagged.
func (p Proof) Summary() ProofSummary {
	var s ProofSummary
	for _, r := range p.Rows {
		s.Diffusions++
		if len(r.Flags) > 0 {
			s.Flagged++
		}
		if !r.Due {
			continue
		}
		s.Due++
		if r.Aired() {
			s.Aired++
		}
		if r.Recorded && r.Missing() <= p.Tolerance {
			s.Covered++
		}
	}
	return s
}

// WriteText prints the proof as text for people and scripts: one header
// line, one line of column names, one line per diffusion,
// whitespace-separated columns with no space inside a value ("-" for
// none), then a summary line. Columns are only ever appended.
func (p Proof) WriteText(w io.Writer) error {
	loc := p.Loc
	if loc == nil {
		loc = time.UTC
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format(time.RFC3339)
	}
	recording := "none"
	if p.Recording != "" {
		recording = p.Recording
	}
	fmt.Fprintf(w, "proof of %s from %s to %s at %s, archive %s, tolerance %s\n",
		p.Station.Slug, ts(p.From), ts(p.To), ts(p.At), recording, p.Tolerance)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "diffusion\tprogram\tstatus\tscheduled_start\tscheduled_end\tasrun_start\tasrun_end\tpresent_s\tmissing_s\tholes\tflags")
	for _, r := range p.Rows {
		present, missing, holes := "-", "-", "-"
		if r.Recorded {
			present = strconv.FormatFloat(r.Present.Seconds(), 'f', 1, 64)
			missing = strconv.FormatFloat(r.Missing().Seconds(), 'f', 1, 64)
			if len(r.Holes) > 0 {
				hs := make([]string, len(r.Holes))
				for i, h := range r.Holes {
					// ISO 8601 interval: start and duration.
					hs[i] = h.Start.In(loc).Format("2006-01-02T15:04:05.0Z07:00") + "/PT" + strconv.FormatFloat(h.Duration().Seconds(), 'f', 1, 64) + "S"
				}
				holes = strings.Join(hs, ",")
			}
		}
		fl := "ok"
		switch {
		case len(r.Flags) > 0:
			fs := make([]string, len(r.Flags))
			for i, f := range r.Flags {
				fs[i] = string(f)
			}
			fl = strings.Join(fs, ",")
		case !r.Due:
			fl = "not-due"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Diffusion.ID, r.Program, r.Status,
			ts(r.Diffusion.Start), ts(r.Diffusion.End), ts(r.AsRunStart), ts(r.AsRunEnd), present, missing, holes, fl)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := p.Summary()
	_, err := fmt.Fprintf(w, "summary: %d diffusions, %d due, %d aired, %d covered, %d flagged\n", s.Diffusions, s.Due, s.Aired, s.Covered, s.Flagged)
	return err
}
