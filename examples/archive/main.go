// Command archive inspects and checks a segment archive laid out as
// wubloader lays it out, on a local disk or in an S3 bucket.
//
//	archive ls -dir DIR [-l] [-tombstones] [STREAM[/VARIANT[/HOUR]]]
//	archive best -dir DIR -stream S -variant V -start T -end T
//	archive verify -dir DIR [-workers N]
//	archive cut -dir DIR -stream S -variant V -start T -end T [-allow-holes] > out.ts
//	archive coverage -dir DIR -stream S -variant V [-start T -end T] [-nodes URL,URL]
//	archive prune -dir DIR -older-than 720h [-dry-run] [-streams a,b] [-variants a,b]
//	archive cut -dir DIR -stream S -variant V [-type rough|fast|smart|mpegts|webm|mp4]
//	            (-start T -end T | -range S,E [-range S,E ...]) [-transition TYPE,SECONDS ...] [-o FILE]
//	archive frame -dir DIR -stream S -variant V -at T [-o FILE.png]
//	archive waveform -dir DIR -stream S -variant V -start T -end T [-size WxH] [-o FILE.png]
//	archive demo -dir DIR
//
// Every command takes -store URL in place of -dir DIR: a path, file://PATH,
// or s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&insecure=1 with the
// credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (see
// archive/storeurl).
//
// Times are RFC 3339, fractional seconds allowed. Output formats are stable;
// scripts rely on them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/media"
	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/storeurl"
)

const usage = `usage: archive COMMAND [flags]

commands:
  ls      list streams, variants, hours or segments (one per line; -l adds sizes)
  best    print the best-segment timeline of a range (paths, and HOLE START END)
  verify  re-hash every segment; print mismatches and bad names; exit 1 if any
  cut     write a cut of one or more ranges to stdout or -o FILE (rough by default)
  frame   write the frame shown at a time as PNG (needs ffmpeg)
  waveform  write the audio waveform of a range as PNG (needs ffmpeg)
  coverage  print the coverage of a range hour by hour, and its holes
  prune   delete whole hours older than a cutoff (retention)
  demo    write a small sample archive and show it

Run "archive COMMAND -h" for the flags of a command.
`

// holeTime is how HOLE lines print their times: RFC 3339 in UTC with
// microseconds, the precision of segment names.
const holeTime = "2006-01-02T15:04:05.000000Z07:00"

// usageError marks bad flags or arguments: exit status 2.
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, message(err))
		os.Exit(2)
	case errors.Is(err, errFound):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, message(err))
		os.Exit(1)
	}
}

// message prefixes err with the command's name, unless the library's own
// "archive:" prefix is already there.
func message(err error) string {
	if s := err.Error(); strings.HasPrefix(s, "archive: ") {
		return s
	}
	return "archive: " + err.Error()
}

// errFound is returned by verify when it found problems it already printed.
var errFound = errors.New("problems found")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return usageError{errors.New("missing command")}
		}
		return nil
	}
	cmd, args := args[0], args[1:]
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"ls": runLs, "best": runBest, "verify": runVerify, "cut": runCut, "demo": runDemo,
		"coverage": runCoverage, "prune": runPrune,
		"frame": runFrame, "waveform": runWaveform,
	}
	runCmd, ok := commands[cmd]
	if !ok {
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Errorf("unknown command %q", cmd)}
	}
	if err := runCmd(ctx, args, stdout, stderr); !errors.Is(err, errHelp) {
		return err
	}
	return nil
}

// errHelp ends a command whose flags asked for -h: the flag package has
// printed the usage, and the exit status is 0.
var errHelp = errors.New("help requested")

// parse parses a command's flags, mapping problems to usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err}
	}
	return nil
}

// location is where a command finds the archive: -dir or -store.
type location struct{ dir, store *string }

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, location) {
	fs := flag.NewFlagSet("archive "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	loc := location{
		dir: fs.String("dir", "", "archive folder (this or -store is required)"),
		store: fs.String("store", "", "archive URL, in place of -dir: a path, file://PATH, or\n"+
			"s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&insecure=1 with credentials\n"+
			"in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
	}
	return fs, loc
}

// open opens the archive. Commands that read want it to exist; demo
// (create) makes a missing folder.
func (l location) open(ctx context.Context, create bool) (archive.Store, error) {
	u, err := storeurl.Location(*l.dir, *l.store)
	if err != nil {
		return nil, usageError{err}
	}
	// A person is waiting: give up on an unreachable server sooner than
	// a recorder would.
	return u.Open(ctx, storeurl.Config{MustExist: !create, S3: s3store.Config{RetryTimeout: 15 * time.Second}})
}

// name says where the archive is, for messages: the folder, or the URL.
func (l location) name(store archive.Store) string {
	if ds, ok := store.(*archive.DirStore); ok && *l.dir != "" {
		return ds.Root()
	}
	if u, err := storeurl.Location(*l.dir, *l.store); err == nil {
		return u.String()
	}
	return *l.store
}

func runLs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("ls", stderr)
	long := fs.Bool("l", false, "show sizes: bytes per segment, or segments and bytes per folder")
	tombstones := fs.Bool("tombstones", false, "also list tombstones, in an hour")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{errors.New("ls takes at most one STREAM[/VARIANT[/HOUR]] argument")}
	}
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	var parts []string
	if fs.NArg() == 1 && fs.Arg(0) != "" {
		parts = strings.Split(strings.Trim(fs.Arg(0), "/"), "/")
	}
	switch len(parts) {
	case 0:
		names, err := store.Streams(ctx)
		if err != nil {
			return err
		}
		return printFolders(ctx, stdout, store, names, *long, func(n string) []string { return []string{n} })
	case 1:
		names, err := store.Variants(ctx, parts[0])
		if err != nil {
			return err
		}
		return printFolders(ctx, stdout, store, names, *long, func(n string) []string { return []string{parts[0], n} })
	case 2:
		names, err := store.Hours(ctx, parts[0], parts[1])
		if err != nil {
			return err
		}
		return printFolders(ctx, stdout, store, names, *long, func(n string) []string { return []string{parts[0], parts[1], n} })
	case 3:
		l, err := store.List(ctx, parts[0], parts[1], parts[2])
		if err != nil {
			return err
		}
		if !*long {
			for _, n := range l.Names(*tombstones) {
				fmt.Fprintln(stdout, n)
			}
			return nil
		}
		sizes := make(map[string]int64, len(l.Segments))
		for _, e := range l.Segments {
			sizes[e.Name()] = e.Size
		}
		for _, n := range l.Names(*tombstones) {
			fmt.Fprintf(stdout, "%d %s\n", sizes[n], n)
		}
		return nil
	}
	return usageError{fmt.Errorf("bad argument %q: want STREAM[/VARIANT[/HOUR]]", fs.Arg(0))}
}

// printFolders prints folder names, with -l the number of segments and
// bytes under each.
func printFolders(ctx context.Context, w io.Writer, store archive.Store, names []string, long bool, path func(string) []string) error {
	for _, n := range names {
		if !long {
			fmt.Fprintln(w, n)
			continue
		}
		var segs, bytes int64
		if err := walk(ctx, store, path(n), func(l archive.Listing) {
			for _, e := range l.Segments {
				segs++
				bytes += e.Size
			}
		}); err != nil {
			return err
		}
		fmt.Fprintf(w, "%d %d %s\n", segs, bytes, n)
	}
	return nil
}

// walk calls fn with every hour listing under the folder named by parts.
func walk(ctx context.Context, store archive.Store, parts []string, fn func(archive.Listing)) error {
	switch len(parts) {
	case 1:
		variants, err := store.Variants(ctx, parts[0])
		if err != nil {
			return err
		}
		for _, v := range variants {
			if err := walk(ctx, store, []string{parts[0], v}, fn); err != nil {
				return err
			}
		}
	case 2:
		hours, err := store.Hours(ctx, parts[0], parts[1])
		if err != nil {
			return err
		}
		for _, h := range hours {
			if err := walk(ctx, store, []string{parts[0], parts[1], h}, fn); err != nil {
				return err
			}
		}
	case 3:
		l, err := store.List(ctx, parts[0], parts[1], parts[2])
		if err != nil {
			return err
		}
		fn(l)
	}
	return nil
}

// rangeFlags adds -stream, -variant, -start and -end.
type rangeFlags struct {
	stream, variant, start, end *string
}

func addRange(fs *flag.FlagSet) rangeFlags {
	return rangeFlags{
		stream:  fs.String("stream", "", "stream name (required)"),
		variant: fs.String("variant", "", "variant name (required)"),
		start:   fs.String("start", "", "range start, RFC 3339 (required)"),
		end:     fs.String("end", "", "range end, RFC 3339 (required)"),
	}
}

func (r rangeFlags) query() (archive.Query, error) {
	q := archive.Query{Stream: *r.stream, Variant: *r.variant}
	for _, f := range []struct {
		name, val string
	}{{"-stream", *r.stream}, {"-variant", *r.variant}, {"-start", *r.start}, {"-end", *r.end}} {
		if f.val == "" {
			return q, usageError{fmt.Errorf("%s is required", f.name)}
		}
	}
	var err error
	if q.Start, err = time.Parse(time.RFC3339Nano, *r.start); err != nil {
		return q, usageError{fmt.Errorf("-start: %w", err)}
	}
	if q.End, err = time.Parse(time.RFC3339Nano, *r.end); err != nil {
		return q, usageError{fmt.Errorf("-end: %w", err)}
	}
	if !q.End.After(q.Start) {
		return q, usageError{errors.New("-end must be after -start")}
	}
	if err := archive.ValidateComponent("stream", q.Stream); err != nil {
		return q, usageError{err}
	}
	if err := archive.ValidateComponent("variant", q.Variant); err != nil {
		return q, usageError{err}
	}
	return q, nil
}

func runBest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("best", stderr)
	r := addRange(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	q, err := r.query()
	if err != nil {
		return err
	}
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	tl, err := archive.Best(ctx, store, q)
	if err != nil {
		return err
	}
	for _, it := range tl.Items {
		if it.Hole {
			fmt.Fprintf(stdout, "HOLE %s %s\n", it.Start.UTC().Format(holeTime), it.End.UTC().Format(holeTime))
			continue
		}
		fmt.Fprintln(stdout, it.Segment.Path())
	}
	return nil
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("verify", stderr)
	workers := fs.Int("workers", 0, "segments hashed at once (0: one per CPU)")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	res, err := archive.Verify(ctx, store, archive.VerifyConfig{Workers: *workers}, func(p archive.Problem) {
		switch p.Kind {
		case archive.ProblemMismatch:
			fmt.Fprintf(stdout, "mismatch %s actual %s\n", p.Path, p.Actual)
		default:
			fmt.Fprintf(stdout, "%s %s: %v\n", p.Kind, p.Path, p.Err)
		}
	})
	fmt.Fprintf(stderr, "verified %d segments, %d bytes: %d problems\n", res.Segments, res.Bytes, res.Problems)
	if err != nil {
		return err
	}
	if res.Problems > 0 {
		return errFound
	}
	return nil
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runCut(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("cut", stderr)
	r := addRange(fs)
	allowHoles := fs.Bool("allow-holes", false, "cut across holes instead of refusing")
	typ := fs.String("type", "rough", "cut type: rough (whole segments, no ffmpeg), fast, smart, mpegts, webm or mp4")
	var ranges, transitions multiFlag
	fs.Var(&ranges, "range", "a range START,END to cut, in place of -start and -end; repeat for several, cut back to back")
	fs.Var(&transitions, "transition", "TYPE,SECONDS joining one -range to the next (an xfade name, e.g. fade,0.5), or \"\" for a hard cut;\nrepeat, in order (full encodes only)")
	outFile := fs.String("o", "", "write the cut to this file instead of stdout")
	ffmpeg := fs.String("ffmpeg", "", "ffmpeg program (default: found on PATH; ffprobe is looked for beside it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cutType, err := archive.ParseCutType(*typ)
	if err != nil {
		return usageError{err}
	}
	opts := archive.CutOptions{Type: cutType}
	for _, v := range transitions {
		tr, err := archive.ParseTransition(v)
		if err != nil {
			return usageError{err}
		}
		opts.Transitions = append(opts.Transitions, tr)
	}
	var queries []archive.Query
	if len(ranges) > 0 {
		if *r.start != "" || *r.end != "" {
			return usageError{errors.New("give -start and -end, or -range, not both")}
		}
		for _, v := range ranges {
			a, b, ok := strings.Cut(v, ",")
			if !ok {
				return usageError{fmt.Errorf("-range %q: want START,END", v)}
			}
			*r.start, *r.end = a, b
			q, err := r.query()
			if err != nil {
				return err
			}
			queries = append(queries, q)
		}
	} else {
		q, err := r.query()
		if err != nil {
			return err
		}
		queries = append(queries, q)
	}
	if len(opts.Transitions) > len(queries)-1 {
		return usageError{errors.New("at most one -transition between two ranges")}
	}
	var tools *media.FFmpeg
	if cutType != archive.CutRough {
		if tools, err = openMedia(ctx, *ffmpeg, "cut type "+*typ); err != nil {
			return err
		}
		defer tools.Close()
	}
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	var tls []archive.Timeline
	sel := archive.NewSelector(store, archive.SelectorConfig{})
	for _, q := range queries {
		q.NoHoles = !*allowHoles
		tl, err := sel.Best(ctx, q)
		if err != nil {
			if errors.Is(err, archive.ErrHoles) {
				return fmt.Errorf("%w (use -allow-holes to cut anyway)", err)
			}
			return err
		}
		if cutType.FullEncode() {
			if tl, err = sel.WithNext(ctx, tl); err != nil {
				return err
			}
		}
		tls = append(tls, tl)
	}
	return writeOutput(*outFile, stdout, func(w io.Writer) error {
		if tools != nil {
			cw := &countingWriter{w: w}
			if err := tools.Cut(ctx, store, tls, opts, cw); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "cut %d ranges, %d bytes, type %s\n", len(tls), cw.n, cutType)
			return nil
		}
		var total archive.CutResult
		for _, tl := range tls {
			res, err := archive.RoughCut(ctx, store, tl, w)
			if err != nil {
				return err
			}
			total.Segments += res.Segments
			total.Bytes += res.Bytes
			total.Holes = append(total.Holes, res.Holes...)
		}
		for _, h := range total.Holes {
			fmt.Fprintf(stderr, "HOLE %s %s\n", h.Start.UTC().Format(holeTime), h.End.UTC().Format(holeTime))
		}
		fmt.Fprintf(stderr, "cut %d segments, %d bytes, %d holes\n", total.Segments, total.Bytes, len(total.Holes))
		return nil
	})
}

// openMedia finds ffmpeg for what, saying what to install when it is
// missing.
func openMedia(ctx context.Context, ffmpeg, what string) (*media.FFmpeg, error) {
	tools, err := media.New(ctx, media.Config{FFmpeg: ffmpeg})
	if errors.Is(err, media.ErrNotInstalled) {
		return nil, fmt.Errorf("%s needs ffmpeg and ffprobe: install them (apt-get install ffmpeg) or give -ffmpeg PATH: %w", what, err)
	}
	return tools, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeOutput runs write into stdout, or into file through a temporary
// file beside it renamed into place on success, so a failed command leaves
// no partial file.
func writeOutput(file string, stdout io.Writer, write func(io.Writer) error) error {
	if file == "" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

// streamFlags adds the flags of frame: -stream, -variant, -o and -ffmpeg.
func streamFlags(fs *flag.FlagSet) (stream, variant, out, ffmpeg *string) {
	stream = fs.String("stream", "", "stream name (required)")
	variant = fs.String("variant", "", "variant name (required)")
	out = fs.String("o", "", "write the PNG to this file instead of stdout")
	ffmpeg = fs.String("ffmpeg", "", "ffmpeg program (default: found on PATH; ffprobe is looked for beside it)")
	return
}

func checkStream(stream, variant string) error {
	if stream == "" || variant == "" {
		return usageError{errors.New("-stream and -variant are required")}
	}
	if err := archive.ValidateComponent("stream", stream); err != nil {
		return usageError{err}
	}
	if err := archive.ValidateComponent("variant", variant); err != nil {
		return usageError{err}
	}
	return nil
}

func runFrame(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("frame", stderr)
	stream, variant, out, ffmpeg := streamFlags(fs)
	atFlag := fs.String("at", "", "the time whose frame to write, RFC 3339 (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkStream(*stream, *variant); err != nil {
		return err
	}
	if *atFlag == "" {
		return usageError{errors.New("-at is required")}
	}
	at, err := time.Parse(time.RFC3339Nano, *atFlag)
	if err != nil {
		return usageError{fmt.Errorf("-at: %w", err)}
	}
	tools, err := openMedia(ctx, *ffmpeg, "frame")
	if err != nil {
		return err
	}
	defer tools.Close()
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	tl, err := archive.Best(ctx, store, archive.Query{Stream: *stream, Variant: *variant, Start: at, End: at.Add(time.Microsecond)})
	if err != nil {
		return err
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		return tools.Frame(ctx, store, tl, at, w)
	})
}

func runWaveform(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, loc := newFlags("waveform", stderr)
	r := addRange(fs)
	out := fs.String("o", "", "write the PNG to this file instead of stdout")
	ffmpeg := fs.String("ffmpeg", "", "ffmpeg program (default: found on PATH; ffprobe is looked for beside it)")
	sizeFlag := fs.String("size", "1024x64", "image size WIDTHxHEIGHT, each side 1 to 4096")
	if err := parse(fs, args); err != nil {
		return err
	}
	q, err := r.query()
	if err != nil {
		return err
	}
	size, err := archive.ParseImageSize(*sizeFlag)
	if err != nil {
		return usageError{err}
	}
	if q.End.Sub(q.Start) > archive.MaxWaveformRange {
		return usageError{fmt.Errorf("a waveform's range may not be longer than %v", archive.MaxWaveformRange)}
	}
	tools, err := openMedia(ctx, *ffmpeg, "waveform")
	if err != nil {
		return err
	}
	defer tools.Close()
	store, err := loc.open(ctx, false)
	if err != nil {
		return err
	}
	tl, err := archive.Best(ctx, store, q)
	if err != nil {
		return err
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		return tools.Waveform(ctx, store, tl, size, w)
	})
}
