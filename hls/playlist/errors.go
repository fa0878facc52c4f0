package playlist

import (
	"errors"
	"fmt"
)

var (
	// ErrTooLarge reports a playlist larger than the Parser's limit.
	ErrTooLarge = errors.New("hls: response too large")
	// ErrParserPanic reports a playlist that crashed the underlying parser
	// (grafov/m3u8 panics on some hostile inputs); the panic was recovered.
	ErrParserPanic = errors.New("hls: playlist parser panicked")
)

// Error reports a playlist that the parser refuses. URL is the playlist's
// URL, Line the 1-based line of the normalised playlist where the problem
// was found (0 when it concerns the whole body).
type Error struct {
	URL    string
	Line   int
	Reason string
	Err    error // cause, if any: ErrTooLarge, ErrParserPanic, a grafov error
}

// Error describes where the playlist was refused and why.
func (e *Error) Error() string {
	s := "hls: playlist"
	if e.URL != "" {
		s += " " + e.URL
	}
	if e.Line > 0 {
		s += fmt.Sprintf(" line %d", e.Line)
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
