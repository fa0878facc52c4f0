package audio

import (
	"errors"
	"fmt"
	"io"
)

// ErrUnknownFormat is returned for bytes that are none of the formats the
// package reads (an MP4/M4A file, a text file, an Ogg stream of another
// codec).
var ErrUnknownFormat = errors.New("audio: unknown format")

// FormatError reports a file of a known format that cannot be read: a
// truncated header, a zero sample rate, a size that contradicts the file.
// Format is Unknown for an Ogg file broken before its codec is known.
type FormatError struct {
	Format Format
	Reason string
	Err    error // the cause, if any (io.ErrUnexpectedEOF for a truncated file)
}

func (e *FormatError) Error() string {
	s := "audio: bad file: " + e.Reason
	if e.Format != Unknown {
		s = fmt.Sprintf("audio: bad %s file: %s", e.Format, e.Reason)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// malformed returns a FormatError for f.
func malformed(f Format, format string, args ...any) *FormatError {
	return &FormatError{Format: f, Reason: fmt.Sprintf(format, args...)}
}

// readError turns the error of a read inside a file of format f into a
// FormatError when the file simply ended too soon, and passes any other
// (an I/O error of the reader) through unchanged.
func readError(f Format, what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FormatError{Format: f, Reason: "truncated " + what, Err: io.ErrUnexpectedEOF}
	}
	return fmt.Errorf("audio: read %s: %w", what, err)
}
