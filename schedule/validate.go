package schedule

import (
	"fmt"
	"strings"
)

// The checks every Store applies before writing, so that both stores
// refuse the same rows with the same typed errors.

func validateStation(s Station) error {
	if strings.TrimSpace(s.Slug) == "" {
		return &FieldError{Type: "Station", Field: "Slug", Reason: "empty"}
	}
	if _, err := LoadZone(s.Zone); err != nil {
		return &FieldError{Type: "Station", Field: "Zone", Reason: "unknown zone", Err: err}
	}
	return nil
}

func validateProgram(p Program) error {
	if strings.TrimSpace(p.Slug) == "" {
		return &FieldError{Type: "Program", Field: "Slug", Reason: "empty"}
	}
	return nil
}

func validateSound(s Sound) error {
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

func validateTrack(t Track) error {
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

func validateLog(l Log) error {
	switch {
	case l.StationID == 0:
		return &FieldError{Type: "Log", Field: "StationID", Reason: "missing"}
	case l.Type < LogStop || l.Type > LogMissed:
		return &FieldError{Type: "Log", Field: "Type", Reason: fmt.Sprintf("unknown type %d", int(l.Type))}
	case l.Date.IsZero():
		return &FieldError{Type: "Log", Field: "Date", Reason: "missing"}
	case l.Type == LogStart:
		return &FieldError{Type: "Log", Field: "Type", Reason: "START logs are written by BeginStart"}
	}
	return nil
}

func settleLogType(to Status) (LogType, error) {
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
