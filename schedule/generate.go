package schedule

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// GenerateRequest says what Generate materializes.
type GenerateRequest struct {
	StationID int64
	// From and To bound the starts of the diffusions made: [From, To).
	From, To time.Time
	// Prune removes the diffusions of the station's schedules starting in
	// [From, To) that the schedules no longer yield (a person moved a
	// show), as aircox's Program.sync does: a Pending one is deleted, or
	// cancelled if the as-run log or a rerun refers to it; one the monitor
	// already acted on is kept.
	Prune bool
}

// GenerateReport says what Generate did.
type GenerateReport struct {
	// Created counts the diffusions made (including the initial, before
	// From, of a rerun in range); Existing those already there, left as
	// they were.
	Created  int
	Existing int
	// Pruning: deleted, cancelled (kept for the log's sake), and kept
	// as they were (already started, cancelled or settled).
	Deleted, Cancelled, Kept int
	// Conflicts lists the overlapping diffusions of the station in
	// [From, To) after generation, equal starts included; cancelled
	// diffusions do not conflict.
	Conflicts []Conflict
}

// Conflict is a pair of overlapping diffusions, A starting first (or with
// the lower ID at an equal start). At air time the monitor plays A and
// holds B until A's end (aircox's rule).
type Conflict struct{ A, B Diffusion }

// GenerateStore is what Generate calls: the programme it reads (programs,
// schedules, episodes) and the timetable it writes (eight methods: it
// prunes as RemoveSchedule does, with three of ScheduleRemover's
// methods).
type GenerateStore interface {
	// Programs returns the programs of a station, by slug.
	Programs(ctx context.Context, stationID int64) ([]Program, error)
	// Schedules returns the schedules of a program, by name.
	Schedules(ctx context.Context, programID int64) ([]Schedule, error)
	// EpisodeBySlug returns the episode of a program with that slug.
	EpisodeBySlug(ctx context.Context, programID int64, slug string) (Episode, error)
	// PutEpisode upserts by (ProgramID, Slug).
	PutEpisode(ctx context.Context, e Episode) (Episode, error)
	// PutDiffusions stores the diffusions whose key is new — (ScheduleID,
	// Start) for generated ones, (EpisodeID, Start) for ScheduleID 0 — and
	// leaves the others as they are: regenerating never duplicates, and
	// never undoes what the monitor or a person did. It returns every
	// diffusion as stored, in argument order, and how many were created. A
	// diffusion whose InitialID is negative refers to the argument at index
	// -InitialID-1, so a batch can hold an initial and its reruns.
	PutDiffusions(ctx context.Context, ds []Diffusion) (stored []Diffusion, created int, err error)
	// Diffusions returns the diffusions of a station that overlap [from,
	// to), any type and status, by (Start, ID).
	Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]Diffusion, error)
	// DeleteDiffusion deletes a Pending diffusion that no log refers to;
	// otherwise it returns ErrInUse.
	DeleteDiffusion(ctx context.Context, id int64) error
	// Settle moves a Pending diffusion to StatusCancelled (setting its Type
	// to Cancelled and appending a CANCEL log), Missed (appending a MISSED
	// log) or Live (no log), from l's Date, Source and Comment. It does
	// nothing and returns false if the diffusion is not Pending.
	Settle(ctx context.Context, diffusionID int64, to Status, l Log) (Log, bool, error)
}

// ScheduleRemover is what RemoveSchedule calls: the schedule's future
// diffusions, their removal, and the schedule's.
type ScheduleRemover interface {
	// Diffusions returns the diffusions of a station that overlap [from,
	// to), any type and status, by (Start, ID).
	Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]Diffusion, error)
	// DeleteDiffusion deletes a Pending diffusion that no log refers to;
	// otherwise it returns ErrInUse.
	DeleteDiffusion(ctx context.Context, id int64) error
	// Settle moves a Pending diffusion to StatusCancelled (setting its Type
	// to Cancelled and appending a CANCEL log), Missed (appending a MISSED
	// log) or Live (no log), from l's Date, Source and Comment. It does
	// nothing and returns false if the diffusion is not Pending.
	Settle(ctx context.Context, diffusionID int64, to Status, l Log) (Log, bool, error)
	// DeleteSchedule deletes a schedule; its diffusions stay, as history
	// (RemoveSchedule also deals with its future ones).
	DeleteSchedule(ctx context.Context, id int64) error
}

// pruner is what prune calls.
type pruner interface {
	DeleteDiffusion(ctx context.Context, id int64) error
	Settle(ctx context.Context, diffusionID int64, to Status, l Log) (Log, bool, error)
}

// Generate makes the diffusions of every schedule of the station's active
// programs with a start in [From, To), and an episode per program and
// local date of each initial occurrence (reruns share it). It is
// idempotent: run it daily for the coming weeks, as aircox's cron runs
// `diffusions --update` for this month and the next.
//
// A schedule that fails Validate is an error naming the program and the
// schedule; nothing is stored for it, and the other schedules are still
// generated (the errors are joined).
func Generate(ctx context.Context, st GenerateStore, req GenerateRequest) (GenerateReport, error) {
	var rep GenerateReport
	if !req.From.Before(req.To) {
		return rep, &FieldError{Type: "GenerateRequest", Field: "To", Reason: "must be after From"}
	}
	progs, err := st.Programs(ctx, req.StationID)
	if err != nil {
		return rep, fmt.Errorf("generate: %w", err)
	}
	var errs []error
	for _, p := range progs {
		if !p.Active || p.Stream {
			continue
		}
		scheds, err := st.Schedules(ctx, p.ID)
		if err != nil {
			return rep, fmt.Errorf("generate %s: %w", p.Slug, err)
		}
		for _, s := range scheds {
			if err := generateSchedule(ctx, st, req, p, s, &rep); err != nil {
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				errs = append(errs, fmt.Errorf("generate %s schedule %q: %w", p.Slug, s.Name, err))
			}
		}
	}
	ds, err := st.Diffusions(ctx, req.StationID, req.From, req.To)
	if err != nil {
		return rep, fmt.Errorf("generate: %w", err)
	}
	rep.Conflicts = FindConflicts(ds)
	return rep, errors.Join(errs...)
}

func generateSchedule(ctx context.Context, st GenerateStore, req GenerateRequest, p Program, s Schedule, rep *GenerateReport) error {
	occ, err := s.Occurrences(req.From, req.To)
	if err != nil {
		return err
	}
	// Reruns whose initial falls before From still need that initial's
	// diffusion (for InitialID and the episode): fetch it too.
	var initials []Occurrence
	seen := map[time.Time]bool{}
	for _, o := range occ {
		if !o.IsRerun() {
			seen[o.Initial] = true
		}
	}
	for _, o := range occ {
		if o.IsRerun() && !seen[o.Initial] {
			seen[o.Initial] = true
			initials = append(initials, Occurrence{Start: o.Initial, End: o.Initial.Add(s.Duration), Initial: o.Initial, Date: o.Date})
		}
	}
	all := append(initials, occ...)
	episodes := map[Date]int64{}
	index := map[time.Time]int{} // initial start -> index in batch
	batch := make([]Diffusion, 0, len(all))
	for _, o := range all {
		ep, ok := episodes[o.Date]
		if !ok {
			e, err := st.EpisodeBySlug(ctx, p.ID, o.Date.String())
			if errors.Is(err, ErrNotFound) {
				title := p.Title
				if title == "" {
					title = p.Slug
				}
				e, err = st.PutEpisode(ctx, Episode{ProgramID: p.ID, Slug: o.Date.String(), Title: title + " " + o.Date.String()})
			}
			if err != nil {
				return err
			}
			ep = e.ID
			episodes[o.Date] = ep
		}
		d := Diffusion{StationID: req.StationID, ProgramID: p.ID, EpisodeID: ep, ScheduleID: s.ID, Type: OnAir,
			Start: o.Start, End: o.End}
		if o.IsRerun() {
			d.InitialID = -int64(index[o.Initial]) - 1
		} else {
			index[o.Initial] = len(batch)
		}
		batch = append(batch, d)
	}
	stored, created, err := st.PutDiffusions(ctx, batch)
	if err != nil {
		return err
	}
	rep.Created += created
	rep.Existing += len(batch) - created
	if !req.Prune {
		return nil
	}
	keep := map[int64]bool{}
	for _, d := range stored {
		keep[d.ID] = true
	}
	ds, err := st.Diffusions(ctx, req.StationID, req.From, req.To)
	if err != nil {
		return err
	}
	var stale []Diffusion
	for _, d := range ds {
		if d.ScheduleID == s.ID && !keep[d.ID] && !d.Start.Before(req.From) {
			stale = append(stale, d)
		}
	}
	return prune(ctx, st, stale, req.From, fmt.Sprintf("no longer in schedule %q", s.Name), rep)
}

// prune deletes the stale diffusions, or cancels those the log or a rerun
// refers to, and keeps those the monitor acted on.
func prune(ctx context.Context, st pruner, stale []Diffusion, at time.Time, reason string, rep *GenerateReport) error {
	// Reruns first: an initial with reruns is in use.
	sort.SliceStable(stale, func(i, j int) bool { return stale[i].IsRerun() && !stale[j].IsRerun() })
	for _, d := range stale {
		err := st.DeleteDiffusion(ctx, d.ID)
		switch {
		case err == nil:
			rep.Deleted++
			continue
		case !errors.Is(err, ErrInUse):
			return err
		}
		_, ok, err := st.Settle(ctx, d.ID, StatusCancelled, Log{Date: at, Source: "generate", Comment: reason})
		switch {
		case err != nil:
			return err
		case ok:
			rep.Cancelled++
		default:
			rep.Kept++
		}
	}
	return nil
}

// RemoveSchedule deletes a schedule of a station's program, and its
// diffusions starting at or after from as Generate's Prune does (deleted,
// or cancelled when the log refers to them; kept once acted on). Earlier
// diffusions stay, as history.
func RemoveSchedule(ctx context.Context, st ScheduleRemover, stationID, scheduleID int64, from time.Time) (GenerateReport, error) {
	var rep GenerateReport
	ds, err := st.Diffusions(ctx, stationID, from, farFuture)
	if err != nil {
		return rep, fmt.Errorf("remove schedule %d: %w", scheduleID, err)
	}
	var stale []Diffusion
	for _, d := range ds {
		if d.ScheduleID == scheduleID && !d.Start.Before(from) {
			stale = append(stale, d)
		}
	}
	if err := prune(ctx, st, stale, from, "its schedule was removed", &rep); err != nil {
		return rep, fmt.Errorf("remove schedule %d: %w", scheduleID, err)
	}
	if err := st.DeleteSchedule(ctx, scheduleID); err != nil {
		return rep, fmt.Errorf("remove schedule %d: %w", scheduleID, err)
	}
	return rep, nil
}

// farFuture bounds "every diffusion from now on" in range queries.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// FindConflicts returns the overlapping pairs among ds (equal starts
// included, touching ends excluded), ignoring cancelled diffusions. aircox's
// get_conflicts misses equal starts; this does not.
func FindConflicts(ds []Diffusion) []Conflict {
	live := make([]Diffusion, 0, len(ds))
	for _, d := range ds {
		if d.Type != Cancelled {
			live = append(live, d)
		}
	}
	sort.Slice(live, func(i, j int) bool { return byStart(live[i], live[j]) < 0 })
	var out []Conflict
	for i, a := range live {
		for _, b := range live[i+1:] {
			if !b.Start.Before(a.End) {
				break
			}
			out = append(out, Conflict{A: a, B: b})
		}
	}
	return out
}
