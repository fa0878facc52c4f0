package schedule

import (
	"fmt"
	"strings"
)

// The checks every Store applies before writing, so that every backend
// refuses the same rows with the same typed errors (*FieldError).

// Validate reports whether s may be stored: a slug and a known zone.
func (s Station) Validate() error {
	if strings.TrimSpace(s.Slug) == "" {
		return &FieldError{Type: "Station", Field: "Slug", Reason: "empty"}
	}
	if _, err := LoadZone(s.Zone); err != nil {
		return &FieldError{Type: "Station", Field: "Zone", Reason: "unknown zone", Err: err}
	}
	return nil
}

// Validate reports whether p may be stored: a slug.
func (p Program) Validate() error {
	if strings.TrimSpace(p.Slug) == "" {
		return &FieldError{Type: "Program", Field: "Slug", Reason: "empty"}
	}
	return nil
}

// Validate reports whether s may be stored: a path, a known type, a
// duration that is not negative.
func (s Sound) Validate() error {
	switch {
	case s.Path == "":
		return &FieldError{Type: "Sound", Field: "Path", Reason: "empty"}
	case s.Type < SoundOther || s.Type > SoundRemoved:
		return &FieldError{Type: "Sound", Field: "Type", Reason: fmt.Sprintf("unknown type %d", int(s.Type))}
	case s.Duration < 0:
		return &FieldError{Type: "Sound", Field: "Duration", Reason: "negative"}
	}
	return nil
}

// Validate reports whether t may be stored: it belongs to exactly one of a
// sound or an episode, and only a track in a sound is timed.
func (t Track) Validate() error {
	switch {
	case (t.SoundID == 0) == (t.EpisodeID == 0):
		// aircox's rule: a track belongs to a sound or to an episode.
		return &FieldError{Type: "Track", Field: "SoundID", Reason: "a track belongs to exactly one of a sound or an episode"}
	case t.Timestamp < 0:
		return &FieldError{Type: "Track", Field: "Timestamp", Reason: "negative"}
	case t.Timed && t.SoundID == 0:
		return &FieldError{Type: "Track", Field: "Timed", Reason: "only a track in a sound has a timestamp"}
	}
	return nil
}

// ValidateDiffusions reports whether ds may be given to PutDiffusions: each
// names its station, program and episode, ends after it starts, has a known
// type, and a negative InitialID refers to an earlier argument. The error
// names the first bad one by index.
func ValidateDiffusions(ds []Diffusion) error {
	for i, d := range ds {
		if err := validateDiffusion(d, i); err != nil {
			return err
		}
	}
	return nil
}

func validateDiffusion(d Diffusion, i int) error {
	field := func(f string) string { return fmt.Sprintf("[%d].%s", i, f) }
	switch {
	case d.StationID == 0:
		return &FieldError{Type: "Diffusion", Field: field("StationID"), Reason: "missing"}
	case d.ProgramID == 0:
		return &FieldError{Type: "Diffusion", Field: field("ProgramID"), Reason: "missing"}
	case d.EpisodeID == 0:
		return &FieldError{Type: "Diffusion", Field: field("EpisodeID"), Reason: "missing"}
	case d.Start.IsZero() || !d.End.After(d.Start):
		return &FieldError{Type: "Diffusion", Field: field("End"), Reason: "must be after Start"}
	case d.Type < OnAir || d.Type > Cancelled:
		return &FieldError{Type: "Diffusion", Field: field("Type"), Reason: fmt.Sprintf("unknown type %d", int(d.Type))}
	case d.InitialID < 0 && -d.InitialID-1 >= int64(i):
		return &FieldError{Type: "Diffusion", Field: field("InitialID"), Reason: "must refer to an earlier argument"}
	}
	return nil
}

// Validate reports whether l may be appended with AppendLog or
// AppendOnAir: a station, a known type, a date, and not START (which only
// BeginStart writes).
func (l Log) Validate() error {
	switch {
	case l.StationID == 0:
		return &FieldError{Type: "Log", Field: "StationID", Reason: "missing"}
	case l.Type < LogStop || l.Type > LogJingle:
		return &FieldError{Type: "Log", Field: "Type", Reason: fmt.Sprintf("unknown type %d", int(l.Type))}
	case l.Date.IsZero():
		return &FieldError{Type: "Log", Field: "Date", Reason: "missing"}
	case l.Type == LogStart:
		return &FieldError{Type: "Log", Field: "Type", Reason: "START logs are written by BeginStart"}
	case l.Type == LogDeadAirEnd && l.ParentID == 0:
		return &FieldError{Type: "Log", Field: "ParentID", Reason: "a dead-air end needs its dead-air log"}
	}
	return nil
}

// SettleLogType is the type of the log that Settle appends when it moves
// a diffusion to to: CANCEL, MISSED, or OTHER for Live (no log is kept).
// Other statuses are a *FieldError.
func SettleLogType(to Status) (LogType, error) {
	switch to {
	case StatusCancelled:
		return LogCancel, nil
	case Missed:
		return LogMissed, nil
	case Live:
		return LogOther, nil
	}
	return 0, &FieldError{Type: "Settle", Field: "to", Reason: fmt.Sprintf("cannot settle to %v", to)}
}
