package schedule

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AsRunEntry is one line of the as-run report: an event of the log with
// what royalty reports and regulators ask for (research: SoundExchange,
// NPR/CPB playlist logs, PRS, SACEM): start, end or duration, title,
// artist, album, label, ISRC, program, diffusion, source.
type AsRunEntry struct {
	LogID int64
	// ParentLogID is, for a track, the log of the sound it is part of.
	ParentLogID int64
	Event       LogType
	// Start is when the event happened on air.
	Start time.Time
	// End is when the sound, jingle or track left the air: the start of
	// what followed it, or its own end if that came first; for dead air,
	// when sound came back. Zero when unknown (still on air, or a
	// START/CANCEL/MISSED event).
	End    time.Time
	Source string
	URI    string
	// Title is the track's title, or the sound's name.
	Title, Artist, Album, Label, ISRC string
	Program, Episode                  string
	DiffusionID                       int64
	// ScheduledStart and ScheduledEnd are the diffusion's window: what
	// was planned, next to what happened.
	ScheduledStart, ScheduledEnd time.Time
	Comment                      string
}

// Duration is End - Start, or 0 when End is unknown.
func (e AsRunEntry) Duration() time.Duration {
	if e.End.IsZero() {
		return 0
	}
	return e.End.Sub(e.Start)
}

// AsRunStore is what AsRun and ExportAsRunCSV read: the logs and the rows
// they name.
type AsRunStore interface {
	// Logs returns the logs that match f, by ID.
	Logs(ctx context.Context, f LogFilter) ([]Log, error)
	Diffusion(ctx context.Context, id int64) (Diffusion, error)
	Episode(ctx context.Context, id int64) (Episode, error)
	Program(ctx context.Context, id int64) (Program, error)
	Sound(ctx context.Context, id int64) (Sound, error)
	Track(ctx context.Context, id int64) (Track, error)
}

// AsRun returns the as-run log of a station for events dated in [from,
// to), in log order, with each entry's end computed and its sound, track,
// program and diffusion resolved.
func AsRun(ctx context.Context, st AsRunStore, stationID int64, from, to time.Time) ([]AsRunEntry, error) {
	logs, err := st.Logs(ctx, LogFilter{StationID: stationID, From: from, To: to})
	if err != nil {
		return nil, fmt.Errorf("as-run: %w", err)
	}
	// What aired next may be logged after the range: one more sound log.
	after, err := st.Logs(ctx, LogFilter{StationID: stationID, From: to, Types: []LogType{LogOnAir}, TopLevel: true, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("as-run: %w", err)
	}
	r := resolver{ctx: ctx, st: st, sounds: map[int64]Sound{}, tracks: map[int64]Track{}, diffs: map[int64]Diffusion{},
		progs: map[int64]Program{}, eps: map[int64]Episode{}}
	out := make([]AsRunEntry, 0, len(logs))
	parents := make([]int64, 0, len(logs)) // parent log id of each entry; 0 for sounds
	ends := map[int64]Log{}                // dead-air end logs by the dead air they end
	for _, l := range logs {
		if l.Type == LogDeadAirEnd {
			if _, ok := ends[l.ParentID]; !ok {
				ends[l.ParentID] = l
			}
		}
	}
	for _, l := range logs {
		if l.Type == LogDeadAirEnd && slices.ContainsFunc(logs, func(p Log) bool { return p.ID == l.ParentID }) {
			continue // folded into its dead air below
		}
		e := AsRunEntry{LogID: l.ID, ParentLogID: l.ParentID, Event: l.Type, Start: l.Date, Source: l.Source, Comment: l.Comment, DiffusionID: l.DiffusionID}
		if (l.Type == LogOnAir && l.ParentID == 0) || l.Type == LogJingle {
			e.URI, e.Comment = l.Comment, ""
		}
		if l.Type == LogDeadAir {
			end, ok := ends[l.ID]
			if !ok {
				// Ended after the range, or not yet.
				later, err := st.Logs(ctx, LogFilter{StationID: stationID, ParentID: l.ID, Types: []LogType{LogDeadAirEnd}, Limit: 1})
				if err != nil {
					return nil, fmt.Errorf("as-run: %w", err)
				}
				if len(later) > 0 {
					end, ok = later[0], true
				}
			}
			if ok {
				e.End = end.Date
				if end.Comment != "" {
					e.Comment = strings.TrimPrefix(e.Comment+"; "+end.Comment, "; ")
				}
			}
		}
		if err := r.fill(&e, l); err != nil {
			return nil, err
		}
		out = append(out, e)
		parents = append(parents, l.ParentID)
	}
	// A sound ends when the next sound takes the air (whatever the
	// source: there is one air), or at its own end if earlier; a track
	// when the next track of its sound starts, or with its sound.
	isSound := func(i int) bool { return (out[i].Event == LogOnAir || out[i].Event == LogJingle) && parents[i] == 0 }
	byID := map[int64]int{}
	next := -1
	for i := len(out) - 1; i >= 0; i-- {
		byID[out[i].LogID] = i
		if !isSound(i) {
			continue
		}
		if next >= 0 {
			closeAt(&out[i], out[next].Start)
		} else if len(after) > 0 {
			closeAt(&out[i], after[0].Date)
		}
		next = i
	}
	// A STOP ends the last sound of its source before it (a live show's
	// connection, cut at the end of its slot).
	lastOf := map[string]int{}
	for i := range out {
		switch {
		case isSound(i):
			lastOf[out[i].Source] = i
		case out[i].Event == LogStop:
			if j, ok := lastOf[out[i].Source]; ok {
				closeAt(&out[j], out[i].Start)
				delete(lastOf, out[i].Source)
			}
		}
	}
	nextTrack := map[int64]int{} // parent -> index of the following track
	for i := len(out) - 1; i >= 0; i-- {
		p := parents[i]
		if out[i].Event != LogOnAir || p == 0 {
			continue
		}
		if n, ok := nextTrack[p]; ok {
			closeAt(&out[i], out[n].Start)
		}
		if s, ok := byID[p]; ok && !out[s].End.IsZero() {
			closeAt(&out[i], out[s].End)
		}
		nextTrack[p] = i
	}
	return out, nil
}

// closeAt sets e's end to t if that is earlier than what it has.
func closeAt(e *AsRunEntry, t time.Time) {
	if t.Before(e.Start) {
		return
	}
	if e.End.IsZero() || t.Before(e.End) {
		e.End = t
	}
}

// resolver looks rows up once each.
type resolver struct {
	ctx    context.Context
	st     AsRunStore
	sounds map[int64]Sound
	tracks map[int64]Track
	diffs  map[int64]Diffusion
	progs  map[int64]Program
	eps    map[int64]Episode
}

func lookup[T any](cache map[int64]T, id int64, get func(int64) (T, error)) (T, bool, error) {
	var zero T
	if id == 0 {
		return zero, false, nil
	}
	if v, ok := cache[id]; ok {
		return v, true, nil
	}
	v, err := get(id)
	if errors.Is(err, ErrNotFound) {
		return zero, false, nil // the log outlives what it refers to
	}
	if err != nil {
		return zero, false, err
	}
	cache[id] = v
	return v, true, nil
}

func (r *resolver) fill(e *AsRunEntry, l Log) error {
	ctx := r.ctx
	programID, episodeID := int64(0), int64(0)
	s, ok, err := lookup(r.sounds, l.SoundID, func(id int64) (Sound, error) { return r.st.Sound(ctx, id) })
	if err != nil {
		return err
	}
	if ok {
		e.Title, e.URI = s.Name, s.Path
		programID, episodeID = s.ProgramID, s.EpisodeID
		if l.Type == LogOnAir && l.ParentID == 0 && s.Duration > 0 {
			e.End = l.Date.Add(s.Duration)
		}
	}
	t, ok, err := lookup(r.tracks, l.TrackID, func(id int64) (Track, error) { return r.st.Track(ctx, id) })
	if err != nil {
		return err
	}
	if ok {
		e.Title, e.Artist, e.Album, e.Label, e.ISRC = t.Title, t.Artist, t.Album, t.Label, t.ISRC
	}
	d, ok, err := lookup(r.diffs, l.DiffusionID, func(id int64) (Diffusion, error) { return r.st.Diffusion(ctx, id) })
	if err != nil {
		return err
	}
	if ok {
		e.ScheduledStart, e.ScheduledEnd = d.Start, d.End
		programID, episodeID = d.ProgramID, d.EpisodeID
	}
	p, ok, err := lookup(r.progs, programID, func(id int64) (Program, error) { return r.st.Program(ctx, id) })
	if err != nil {
		return err
	}
	if ok {
		e.Program = p.Title
		if e.Program == "" {
			e.Program = p.Slug
		}
	}
	ep, ok, err := lookup(r.eps, episodeID, func(id int64) (Episode, error) { return r.st.Episode(ctx, id) })
	if err != nil {
		return err
	}
	if ok {
		e.Episode = ep.Title
	}
	return nil
}

// AsRunHeader is the header row of WriteAsRunCSV. Scripts read these
// columns by name; new columns are only ever appended.
var AsRunHeader = []string{"event", "start", "end", "duration_s", "source", "title", "artist", "album", "label", "isrc",
	"program", "episode", "diffusion_id", "scheduled_start", "scheduled_end", "uri", "comment", "log_id"}

// WriteAsRunCSV writes entries as RFC 4180 CSV with AsRunHeader: instants
// in RFC 3339 with loc's offset at that instant (unambiguous, and readable
// in the station's time), durations in seconds with milliseconds, unknown
// values empty.
func WriteAsRunCSV(w io.Writer, loc *time.Location, entries []AsRunEntry) error {
	ts := func(t time.Time) string { return csvInstant(t, loc) }
	cw := csv.NewWriter(w)
	if err := cw.Write(AsRunHeader); err != nil {
		return err
	}
	for _, e := range entries {
		dur, diff := "", ""
		if !e.End.IsZero() {
			dur = strconv.FormatFloat(e.Duration().Seconds(), 'f', 3, 64)
		}
		if e.DiffusionID != 0 {
			diff = strconv.FormatInt(e.DiffusionID, 10)
		}
		if err := cw.Write([]string{e.Event.String(), ts(e.Start), ts(e.End), dur, e.Source, e.Title, e.Artist, e.Album,
			e.Label, e.ISRC, e.Program, e.Episode, diff, ts(e.ScheduledStart), ts(e.ScheduledEnd), e.URI, e.Comment,
			strconv.FormatInt(e.LogID, 10)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExportAsRunCSV writes the as-run log of a station for [from, to) as CSV,
// with times in the station's zone.
func ExportAsRunCSV(ctx context.Context, w io.Writer, st AsRunStore, station Station, from, to time.Time) error {
	loc, err := LoadZone(station.Zone)
	if err != nil {
		return err
	}
	entries, err := AsRun(ctx, st, station.ID, from, to)
	if err != nil {
		return err
	}
	return WriteAsRunCSV(w, loc, entries)
}
