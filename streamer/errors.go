package streamer

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers branch on. Errors returned by this package wrap
// them (errors.Is) together with the operation and, where there is one, the
// underlying cause.
var (
	// ErrClosed is returned by a Client or Controller used after Close.
	ErrClosed = errors.New("streamer: client closed")
	// ErrUnavailable means the command server could not be reached: the
	// socket does not exist, nothing listens, or the client is backing off
	// after a failed attempt. Nothing was sent.
	ErrUnavailable = errors.New("streamer: server unavailable")
	// ErrTimeout means a command did not complete before its deadline. The
	// connection is dropped because its state is unknown.
	ErrTimeout = errors.New("streamer: timed out")
	// ErrConnLost means the server closed the connection before the reply
	// ended with END. A command that changes state (push, skip) may or may
	// not have been executed; the client never re-sends it on its own.
	ErrConnLost = errors.New("streamer: connection lost before END")
	// ErrReplyTooLarge means a reply exceeded ClientConfig.MaxReply.
	ErrReplyTooLarge = errors.New("streamer: reply too large")
	// ErrUnknownCommand is Liquidsoap's "ERROR: unknown command": the
	// server has no such command (a source id that does not exist, or a
	// command of another Liquidsoap version).
	ErrUnknownCommand = errors.New("streamer: unknown command")
	// ErrNoSuchRequest is Liquidsoap's "No such request.": the request id
	// is unknown or the request was destroyed (for a pushed URI: it failed
	// to resolve).
	ErrNoSuchRequest = errors.New("streamer: no such request")
	// ErrVarNotFound is returned when an interactive variable does not
	// exist or the server refused the value.
	ErrVarNotFound = errors.New("streamer: variable not found or value refused")
)

// ArgError reports a command line or argument refused before anything was
// sent. Liquidsoap's server splits commands on CR and LF and never answers
// an empty line, so a name containing one would run a second command or
// hang the connection.
type ArgError struct {
	Value  string // the refused value
	Index  int    // byte offset of Char in Value, or -1
	Char   rune   // the offending character, or 0 when the whole value is refused
	Reason string // why, when Char is 0
}

func (e *ArgError) Error() string {
	if e.Char != 0 || e.Index >= 0 {
		return fmt.Sprintf("streamer: refused %q: control character %s at byte %d", e.Value, CharName(e.Char), e.Index)
	}
	return fmt.Sprintf("streamer: refused %q: %s", e.Value, e.Reason)
}

// CharName names a character for error messages, such as "U+000A (LF)".
func CharName(r rune) string {
	name := ""
	switch r {
	case 0:
		name = "NUL"
	case '\a':
		name = "BEL"
	case '\b':
		name = "BS"
	case '\t':
		name = "TAB"
	case '\n':
		name = "LF"
	case '\v':
		name = "VT"
	case '\f':
		name = "FF"
	case '\r':
		name = "CR"
	case 0x1b:
		name = "ESC"
	case 0x7f:
		name = "DEL"
	case 0x85:
		name = "NEL"
	default:
		return fmt.Sprintf("U+%04X", r)
	}
	return fmt.Sprintf("U+%04X (%s)", r, name)
}

// ServerError is an error Liquidsoap reported in band: the server has no
// status codes, so errors are replies such as "ERROR: unknown command, …"
// or "No such request.". Unwrap maps the known ones to ErrUnknownCommand,
// ErrNoSuchRequest and ErrVarNotFound.
type ServerError struct {
	Command string // the command line sent
	Reply   string // the raw reply body
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("streamer: %s: server said %q", e.Command, e.Reply)
}

// Unwrap returns the sentinel matching the reply, or nil.
func (e *ServerError) Unwrap() error {
	switch {
	case strings.HasPrefix(e.Reply, "ERROR: unknown command"):
		return ErrUnknownCommand
	case e.Reply == "No such request.":
		return ErrNoSuchRequest
	case e.Reply == "Variable not found.", e.Reply == "Syntax error or variable not found.":
		return ErrVarNotFound
	}
	return nil
}

// ParseError reports a reply that does not have the expected form. It
// carries the raw reply so that the caller can log what the server said.
type ParseError struct {
	Command string // the command line sent
	Reply   string // the raw reply body
	Reason  string // what was wrong; "" when Err says it
	Err     error  // the parser's error, if one said what was wrong
}

func (e *ParseError) Error() string {
	reply := e.Reply
	if len(reply) > 200 {
		reply = reply[:200] + "…"
	}
	return fmt.Sprintf("streamer: %s: unexpected reply %q: %s", e.Command, reply, reason(e.Reason, e.Err))
}

// Unwrap returns the parser's error.
func (e *ParseError) Unwrap() error { return e.Err }

// ConfigError reports an invalid configuration field. Field names the field
// as a Go selector from the config's root, such as "Playlists[1].Path".
type ConfigError struct {
	Field  string
	Value  string
	Reason string // why; "" when Err says it
	Err    error  // the cause, if a check below this one refused the value
}

func (e *ConfigError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("streamer: bad %s: %s", e.Field, reason(e.Reason, e.Err))
	}
	return fmt.Sprintf("streamer: bad %s %q: %s", e.Field, e.Value, reason(e.Reason, e.Err))
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// reason is a typed error's reason: its own words, its cause's, or both.
func reason(r string, err error) string {
	switch {
	case err == nil:
		return r
	case r == "":
		return err.Error()
	}
	return r + ": " + err.Error()
}
