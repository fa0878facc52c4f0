package hls

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/airkeep/airkeep/hls/playlist"
)

// Errors that callers branch on.
var (
	// ErrStopped is returned by Run on a Recorder that has already run: a
	// stopped recording task is never restarted; make a new one.
	ErrStopped = errors.New("hls: recorder already ran")
	// ErrRunning is returned by Run while another Run of the same Recorder
	// is still going.
	ErrRunning = errors.New("hls: recorder is already running")
	// ErrTooLarge reports a playlist, segment, key or init section larger
	// than its configured limit. It is playlist.ErrTooLarge, so one
	// errors.Is covers what the parser refuses too.
	ErrTooLarge = playlist.ErrTooLarge
	// ErrVariantNotFound reports a variant name that the master playlist
	// does not offer (yet). The variant is retried; the others carry on.
	ErrVariantNotFound = errors.New("hls: variant not in master playlist")
	// ErrNotLive reports a stream whose master playlist is missing (HTTP
	// 404 or 410): the stream is not up. It is retried until it comes back.
	ErrNotLive = errors.New("hls: stream is not live")
)

// ConfigError reports a Config field that New refuses. Err is the cause
// when another check refused the value (an archive.NameError for a bad
// Stream or variant name).
type ConfigError struct {
	Field  string
	Reason string
	Err    error
}

// Error names the field and the reason.
func (e *ConfigError) Error() string { return fmt.Sprintf("hls: config %s: %s", e.Field, e.Reason) }

// Unwrap returns the cause, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// A refused playlist is a *playlist.Error (see package playlist), wrapped
// in the Event or error that reports it.

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

// clip shortens a URL before it goes into an error: a hostile server
// chooses its length.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// isExpired reports whether err is a StatusError for an expired URL.
func isExpired(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Expired()
}
