package streamer

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// checkName validates a source, queue or variable name used as a command
// prefix or argument: non-empty, no space (it would shift the arguments),
// no control character.
func checkName(s string) error {
	if s == "" {
		return &ArgError{Value: s, Index: -1, Reason: "empty name"}
	}
	if err := CheckArg(s); err != nil {
		return err
	}
	if i := strings.IndexAny(s, " ="); i >= 0 {
		return &ArgError{Value: s, Index: -1, Reason: "name contains a space or '='"}
	}
	return nil
}

// query runs an idempotent command, retried once if the connection was
// found dead, and returns the reply.
func (c *Client) query(ctx context.Context, line string) (string, error) {
	return c.do(ctx, line, true)
}

// Version returns the server's version line, such as "Liquidsoap 2.1.3".
func (c *Client) Version(ctx context.Context) (string, error) {
	return c.query(ctx, "version")
}

// Uptime returns how long the server process has been running, to the
// second.
func (c *Client) Uptime(ctx context.Context) (time.Duration, error) {
	body, err := c.query(ctx, "uptime")
	if err != nil {
		return 0, err
	}
	d, err := parseUptime(body)
	if err != nil {
		return 0, &ParseError{Command: "uptime", Reply: body, Err: err}
	}
	return d, nil
}

// List returns the sources and outputs that registered commands, sorted by
// id, with their kind inferred from those commands (Liquidsoap 2.x has no
// "list" command; "help" is what it offers).
func (c *Client) List(ctx context.Context) ([]Source, error) {
	body, err := c.query(ctx, "help")
	if err != nil {
		return nil, err
	}
	names, err := parseHelp(body)
	if err != nil {
		return nil, &ParseError{Command: "help", Reply: body, Err: err}
	}
	return sourcesFromCommands(names), nil
}

// OnAir returns the ids of the requests Liquidsoap considers on air. There
// may be several: a request interrupted by a fallback that is not
// track-sensitive stays "playing" (Controller.OnAir finds the one really
// heard).
func (c *Client) OnAir(ctx context.Context) ([]int, error) {
	return c.rids(ctx, "request.on_air")
}

// Alive returns the ids of every request not yet destroyed: queued,
// resolving, ready or playing.
func (c *Client) Alive(ctx context.Context) ([]int, error) {
	return c.rids(ctx, "request.alive")
}

// Queue returns the ids of the requests waiting in a request.queue, in play
// order. Liquidsoap leaves out the queue's current request, the one playing
// or, when the queue is not on air, the one loaded next.
func (c *Client) Queue(ctx context.Context, queue string) ([]int, error) {
	if err := checkName(queue); err != nil {
		return nil, err
	}
	return c.rids(ctx, queue+".queue")
}

func (c *Client) rids(ctx context.Context, line string) ([]int, error) {
	body, err := c.query(ctx, line)
	if err != nil {
		return nil, err
	}
	rids, err := parseRIDs(body)
	if err != nil {
		return nil, &ParseError{Command: line, Reply: body, Err: err}
	}
	return rids, nil
}

// Metadata returns the metadata of request rid. An unknown or destroyed
// request gives an error wrapping ErrNoSuchRequest.
func (c *Client) Metadata(ctx context.Context, rid int) (Metadata, error) {
	line := "request.metadata " + strconv.Itoa(rid)
	body, err := c.query(ctx, line)
	if err != nil {
		return Metadata{}, err
	}
	if body == "No such request." {
		return Metadata{}, &ServerError{Command: line, Reply: body}
	}
	m, err := parseMetadata(body, c.cfg.Location)
	if err != nil {
		return Metadata{}, &ParseError{Command: line, Reply: body, Err: err}
	}
	return m, nil
}

// Remaining returns the time left in the current track of source, through
// its "<source>.remaining" command (outputs have one; station scripts add
// one for their dealer and playlists). Infinite or unknown is Unbounded.
func (c *Client) Remaining(ctx context.Context, source string) (time.Duration, error) {
	if err := checkName(source); err != nil {
		return 0, err
	}
	line := source + ".remaining"
	body, err := c.query(ctx, line)
	if err != nil {
		return 0, err
	}
	d, err := parseRemaining(body)
	if err != nil {
		return 0, &ParseError{Command: line, Reply: body, Err: err}
	}
	return d, nil
}

// Push appends uri to a request.queue and returns the new request id. The
// whole rest of the line is the URI, so spaces, quotes and '#' need no
// escaping; control characters are refused (*ArgError), as is an empty URI
// (Liquidsoap would accept it and drop it). Liquidsoap resolves the URI
// later and silently drops a request it cannot resolve: Controller.Push
// checks files first and the request afterwards.
func (c *Client) Push(ctx context.Context, queue, uri string) (int, error) {
	if err := checkName(queue); err != nil {
		return 0, err
	}
	if uri == "" {
		return 0, &ArgError{Value: uri, Index: -1, Reason: "empty URI"}
	}
	if err := CheckArg(uri); err != nil {
		return 0, err
	}
	line := queue + ".push " + uri
	body, err := c.do(ctx, line, false)
	if err != nil {
		return 0, err
	}
	rid, err := parseRID(body)
	if err != nil {
		return 0, &ParseError{Command: line, Reply: body, Err: err}
	}
	return rid, nil
}

// Skip ends the current track of source (a queue, playlist or output).
func (c *Client) Skip(ctx context.Context, source string) error {
	return c.action(ctx, source, "skip")
}

// Flush empties a request.queue and skips its current track. (Liquidsoap
// 2.1.3 leaves the dropped requests alive, status "ready", in
// request.alive.)
func (c *Client) Flush(ctx context.Context, queue string) error {
	return c.action(ctx, queue, "flush_and_skip")
}

// Reload makes a playlist re-read its file or directory. Prefer this to
// changing the playlist's URI at runtime: "<playlist>.uri <directory>"
// crashes Liquidsoap 2.1.3.
func (c *Client) Reload(ctx context.Context, playlist string) error {
	return c.action(ctx, playlist, "reload")
}

// action runs "<name>.<verb>" and checks for the acknowledgements
// Liquidsoap gives ("OK", "Done.").
func (c *Client) action(ctx context.Context, name, verb string) error {
	if err := checkName(name); err != nil {
		return err
	}
	line := name + "." + verb
	body, err := c.do(ctx, line, false)
	if err != nil {
		return err
	}
	if body != "OK" && body != "Done." && body != "Done" {
		return &ServerError{Command: line, Reply: body}
	}
	return nil
}

// Vars returns the interactive variables the script defines
// (interactive.float and friends), by name, with their type.
func (c *Client) Vars(ctx context.Context) (map[string]string, error) {
	body, err := c.query(ctx, "var.list")
	if err != nil {
		return nil, err
	}
	vars, err := parseVarList(body)
	if err != nil {
		return nil, &ParseError{Command: "var.list", Reply: body, Err: err}
	}
	return vars, nil
}

// Var returns the value of an interactive variable as Liquidsoap prints it
// (floats with three decimals). An unknown name gives an error wrapping
// ErrVarNotFound.
func (c *Client) Var(ctx context.Context, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	line := "var.get " + name
	body, err := c.query(ctx, line)
	if err != nil {
		return "", err
	}
	if body == "Variable not found." {
		return "", &ServerError{Command: line, Reply: body}
	}
	return body, nil
}

// SetVar sets an interactive variable. Liquidsoap 2.1.3 splits the
// argument on every '=' and does not trim it (its help text "var.set
// <name> = <value>" fails as written), so the line sent is
// "var.set name=value", and a value that is empty or contains '=' cannot be
// represented and is refused (*ArgError). A value the variable's type does
// not accept, or an unknown name, gives ErrVarNotFound.
func (c *Client) SetVar(ctx context.Context, name, value string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if value == "" || strings.Contains(value, "=") {
		return &ArgError{Value: value, Index: -1, Reason: "a variable value must be non-empty and without '='"}
	}
	if err := CheckArg(value); err != nil {
		return err
	}
	line := "var.set " + name + "=" + value
	body, err := c.do(ctx, line, false)
	if err != nil {
		return err
	}
	if body != "Variable "+name+" set." {
		return &ServerError{Command: line, Reply: body}
	}
	return nil
}
