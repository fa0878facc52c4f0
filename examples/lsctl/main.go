// Command lsctl controls a running Liquidsoap through its command server,
// what operators otherwise do with nc -U and hand-typed commands, safely:
// arguments holding control characters (which would inject a second
// command) are refused, every call has a timeout, and errors the server
// reports in band end in a non-zero exit.
//
//	lsctl -socket PATH | -telnet HOST:PORT [-timeout D] COMMAND [ARGS]
//
// Commands and their output (stable; scripts rely on it):
//
//	on-air              one line per request on air: RID SOURCE TIME URI
//	                    (TIME in RFC 3339 with the local offset, "-" if none),
//	                    oldest first: the last line went on air last
//	push QUEUE URI...   pushes each URI in order; prints each request id
//	queue QUEUE         one line per waiting request: RID URI
//	skip SOURCE         skips SOURCE's current track
//	remaining SOURCE    seconds left in SOURCE's track, or "inf" if unknown
//	reload PLAYLIST     makes PLAYLIST re-read its file or directory
//	metadata RID        the request's metadata as key=value lines, by key
//	list                one line per source: ID KIND ("-" when unknown)
//	version             the server's version line
//	raw LINE...         sends the words as one command line; prints the reply
//
// A URI is the rest of its line; control characters in printed values are
// written as Go escapes (\n, \t, \x01). Exit status: 0 on success, 1 when
// the server is absent, times out or reports an error, 2 on bad usage or a
// refused argument.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/airkeep/airkeep/streamer"
)

const usage = `usage: lsctl -socket PATH | -telnet HOST:PORT [-timeout D] COMMAND [ARGS]

commands:
  on-air              requests on air: RID SOURCE TIME URI
  push QUEUE URI...   push URIs in order, print each request id
  queue QUEUE         waiting requests: RID URI
  skip SOURCE         skip the current track
  remaining SOURCE    seconds left in the current track ("inf" if unknown)
  reload PLAYLIST     re-read the playlist's file or directory
  metadata RID        a request's metadata, key=value
  list                sources: ID KIND
  version             the server's version
  raw LINE...         send one command line, print the reply

flags:
`

// usageError marks bad flags or arguments: exit status 2.
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "lsctl:", err)
	}
	os.Exit(exitCode(ctx, err))
}

// exitCode maps run's result to the exit status: 2 for usage errors and
// refused arguments, 0 for success or -h, 0 when interrupted, 1 otherwise.
func exitCode(ctx context.Context, err error) int {
	var ue usageError
	var ae *streamer.ArgError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue), errors.As(err, &ae):
		return 2
	case ctx.Err() != nil:
		return 0
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lsctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	socket := fs.String("socket", "", "path of Liquidsoap's unix command socket")
	telnet := fs.String("telnet", "", "host:port of Liquidsoap's telnet server")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of each command")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{errors.New("no command")}
	}
	if (*socket == "") == (*telnet == "") {
		return usageError{errors.New("give one of -socket and -telnet")}
	}
	if *timeout <= 0 {
		return usageError{errors.New("-timeout must be positive")}
	}
	cmd, cargs := fs.Arg(0), fs.Args()[1:]
	// Refuse control characters before connecting: a CR in a URI would
	// run a second command on the server.
	for _, a := range cargs {
		if err := streamer.CheckArg(a); err != nil {
			return err
		}
	}
	nargs := map[string]int{"on-air": 0, "queue": 1, "skip": 1, "remaining": 1, "reload": 1, "metadata": 1, "list": 0, "version": 0}
	switch n, fixed := nargs[cmd]; {
	case fixed && len(cargs) != n:
		return usageError{fmt.Errorf("%s takes %d argument(s), got %d", cmd, n, len(cargs))}
	case cmd == "push" && len(cargs) < 2:
		return usageError{errors.New("push takes a queue and at least one URI")}
	case cmd == "raw" && len(cargs) == 0:
		return usageError{errors.New("raw takes a command line")}
	case !fixed && cmd != "push" && cmd != "raw":
		return usageError{fmt.Errorf("unknown command %q (see lsctl -h)", cmd)}
	}

	c, err := streamer.NewClient(streamer.ClientConfig{Socket: *socket, Telnet: *telnet, Timeout: *timeout})
	if err != nil {
		return usageError{err}
	}
	defer c.Close()

	switch cmd {
	case "on-air":
		return onAir(ctx, c, stdout)
	case "push":
		for _, uri := range cargs[1:] {
			rid, err := c.Push(ctx, cargs[0], uri)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, rid)
		}
		return nil
	case "queue":
		rids, err := c.Queue(ctx, cargs[0])
		if err != nil {
			return err
		}
		for _, rid := range rids {
			m, err := c.Metadata(ctx, rid)
			if errors.Is(err, streamer.ErrNoSuchRequest) {
				continue // played or dropped meanwhile
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, rid, printable(m.URI))
		}
		return nil
	case "skip":
		return c.Skip(ctx, cargs[0])
	case "remaining":
		d, err := c.Remaining(ctx, cargs[0])
		if err != nil {
			return err
		}
		if d == streamer.Unbounded {
			fmt.Fprintln(stdout, "inf")
		} else {
			fmt.Fprintln(stdout, strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
		}
		return nil
	case "reload":
		return c.Reload(ctx, cargs[0])
	case "metadata":
		rid, err := strconv.Atoi(cargs[0])
		if err != nil || rid < 0 {
			return usageError{fmt.Errorf("request id %q: want a non-negative integer", cargs[0])}
		}
		m, err := c.Metadata(ctx, rid)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(m.Fields)) {
			fmt.Fprintf(stdout, "%s=%s\n", printable(k), printable(m.Fields[k]))
		}
		return nil
	case "list":
		sources, err := c.List(ctx)
		if err != nil {
			return err
		}
		for _, s := range sources {
			kind := s.Kind
			if kind == "" {
				kind = "-"
			}
			fmt.Fprintln(stdout, s.ID, kind)
		}
		return nil
	case "version":
		v, err := c.Version(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, v)
		return nil
	default: // raw
		reply, err := c.Command(ctx, strings.Join(cargs, " "))
		if reply != "" {
			fmt.Fprintln(stdout, reply)
		}
		return err
	}
}

// onAir prints one line per request on air, oldest air time first.
func onAir(ctx context.Context, c *streamer.Client, stdout io.Writer) error {
	rids, err := c.OnAir(ctx)
	if err != nil {
		return err
	}
	var reqs []streamer.Metadata
	for _, rid := range rids {
		m, err := c.Metadata(ctx, rid)
		if errors.Is(err, streamer.ErrNoSuchRequest) {
			continue // ended meanwhile
		}
		if err != nil {
			return err
		}
		reqs = append(reqs, m)
	}
	slices.SortStableFunc(reqs, func(a, b streamer.Metadata) int { return a.AirTime.Compare(b.AirTime) })
	for _, m := range reqs {
		at := "-"
		if !m.AirTime.IsZero() {
			at = m.AirTime.Local().Format(time.RFC3339)
		}
		source := m.Source
		if source == "" {
			source = "-"
		}
		fmt.Fprintln(stdout, m.RID, printable(source), at, printable(m.URI))
	}
	return nil
}

// printable writes control characters as Go escapes so that one value
// stays on one line; everything else, backslashes included, is verbatim.
func printable(s string) string {
	if streamer.CheckArg(s) == nil {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
