package hls

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors that callers branch on.
var (
	// ErrStopped is returned by Run on a Recorder that has already run: a
	// stopped recording task is never restarted; make a new one.
	ErrStopped = errors.New("hls: recorder already ran")
	// ErrRunning is returned by Run while another Run of the same Recorder
	// is still going.
	ErrRunning = errors.New("hls: recorder is already running")
	// ErrParserPanic reports a playlist that crashed the underlying parser
	// (grafov/m3u8 panics on some hostile inputs); the panic was recovered.
	ErrParserPanic = errors.New("hls: playlist parser panicked")
	// ErrTooLarge reports a playlist, segment, key or init section larger
	// than its configured limit.
	ErrTooLarge = errors.New("hls: response too large")
	// ErrVariantNotFound reports a variant name that the master playlist
	// does not offer (yet). The variant is retried; the others carry on.
	ErrVariantNotFound = errors.New("hls: variant not in master playlist")
	// ErrNotLive reports a stream whose master playlist is missing (HTTP
	// 404 or 410): the stream is not up. It is retried until it comes back.
	ErrNotLive = errors.New("hls: stream is not live")
)

// ConfigError reports a Config field that New refuses.
type ConfigError struct {
	Field  string
	Reason string
}

// Error names the field and the reason.
func (e *ConfigError) Error() string { return fmt.Sprintf("hls: config %s: %s", e.Field, e.Reason) }

// PlaylistError reports a playlist that airkeep refuses. URL is the
// playlist's URL, Line the 1-based line of the normalised playlist where
// the problem was found (0 when it concerns the whole body).
type PlaylistError struct {
	URL    string
	Line   int
	Reason string
	Err    error // cause, if any: ErrTooLarge, ErrParserPanic, a grafov error
}

// Error describes where the playlist was refused and why.
func (e *PlaylistError) Error() string {
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
func (e *PlaylistError) Unwrap() error { return e.Err }

// StatusError reports an HTTP response whose status is not a success.
type StatusError struct {
	URL  string
	Code int
}

// Error gives the URL and the status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("hls: GET %s: %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// Expired reports whether the status means the URL is gone for good
// (403 Forbidden, 404 Not Found, 410 Gone): an expired token or a segment
// that left the origin. Retrying the same URL cannot help.
func (e *StatusError) Expired() bool {
	return e.Code == http.StatusForbidden || e.Code == http.StatusNotFound || e.Code == http.StatusGone
}

// isExpired reports whether err is a StatusError for an expired URL.
func isExpired(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Expired()
}
