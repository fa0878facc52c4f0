package schedule

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound: the store has no such row.
	ErrNotFound = errors.New("schedule: not found")
	// ErrNotReady: the player is not started or not answering.
	ErrNotReady = errors.New("schedule: player not ready")
	// ErrInUse: the row cannot be deleted because the as-run log refers to
	// it or the monitor already acted on it.
	ErrInUse = errors.New("schedule: in use")
)

var (
	errWantHHMM         = errors.New("want HH:MM or HH:MM:SS")
	errWantDuration     = errors.New("want a Go duration (1h30m) or HH:MM[:SS]")
	errEmptyZone        = errors.New("want an IANA zone name such as Europe/Paris")
	errUnknownFrequency = errors.New("want one of ponctual, first, second, third, fourth, last, first_and_third, second_and_fourth, every, one_on_two")
)

// ParseError reports text that could not be read as a Kind ("date",
// "time", "duration", "frequency", "zone").
type ParseError struct {
	Kind  string
	Value string
	Err   error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("schedule: bad %s %q: %v", e.Kind, e.Value, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// FieldError reports a bad field of a value given to the package: a
// Schedule, a Config, a row to store.
type FieldError struct {
	// Type is the Go type the field belongs to ("Schedule", "Config").
	Type string
	// Field names the field, with an index where it is in a list
	// ("Reruns[1].Days").
	Field  string
	Reason string
	Err    error // the cause, if any
}

func (e *FieldError) Error() string {
	s := fmt.Sprintf("schedule: bad %s.%s: %s", e.Type, e.Field, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FieldError) Unwrap() error { return e.Err }
