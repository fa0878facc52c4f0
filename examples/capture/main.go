// Command capture records a live HLS stream into a segment archive laid out
// as wubloader lays it out, until SIGINT or SIGTERM, then shuts down
// gracefully and prints a summary.
//
//	capture -url MASTER_URL -stream NAME -variants source,480p -dir ./segments
//	capture -demo -duration 30s -dir ./segments
//
// -url may be a master or a media playlist. -demo starts a simulated live
// origin in the same process (no network needed), captures it, ends the
// stream after -duration, and checks that every segment it published is in
// the archive byte for byte. All the work is done by package hls; this
// program only wires it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// usageError marks bad flags: exit status 2.
type usageError struct{ error }

// errCheck is returned by a demo whose archive misses published segments.
var errCheck = errors.New("the archive does not hold every published segment")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var ue usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "capture:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "capture:", err)
		os.Exit(1)
	}
}

type options struct {
	url, stream, variants, dir string
	demo, faults, verbose      bool
	duration, progress, maxAge time.Duration
	reload                     time.Duration
	speed                      float64
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("capture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "", "master or media playlist URL to record")
	fs.StringVar(&o.stream, "stream", "", "stream name: the archive's top folder (default \"demo\" with -demo)")
	fs.StringVar(&o.variants, "variants", "", "comma-separated variant names: NAME, 480p, 720p60, source (default \"source\"; \"source,480p\" with -demo)")
	fs.StringVar(&o.dir, "dir", "", "archive folder (required)")
	fs.BoolVar(&o.demo, "demo", false, "record a simulated live origin started in this process, then check the archive against it")
	fs.BoolVar(&o.faults, "faults", false, "with -demo: inject every fault (500s, stalls, truncated bodies, expiring tokens, frozen playlists, stream restarts)")
	fs.Float64Var(&o.speed, "speed", 1, "with -demo: run the origin's and the capture's clocks this many times faster than real time")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: until SIGINT; 30s with -demo)")
	fs.DurationVar(&o.progress, "progress", 5*time.Second, "interval between progress lines on stderr (0: none)")
	fs.DurationVar(&o.maxAge, "max-url-age", 0, "renew media playlist URLs after this long (0: 20h)")
	fs.DurationVar(&o.reload, "reload-interval", 0, "reload playlists at this fixed interval, as wubloader (0: RFC 8216 schedule)")
	fs.BoolVar(&o.verbose, "v", false, "log debug lines (every segment) on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if o.dir == "" {
		return o, usageError{errors.New("-dir is required")}
	}
	if o.demo {
		if o.url != "" {
			return o, usageError{errors.New("-demo and -url exclude each other")}
		}
		if o.stream == "" {
			o.stream = "demo"
		}
		if o.variants == "" {
			o.variants = "source,480p"
		}
		if o.duration == 0 {
			o.duration = 30 * time.Second
		}
		if o.speed <= 0 {
			return o, usageError{errors.New("-speed must be positive")}
		}
	} else {
		if o.url == "" {
			return o, usageError{errors.New("-url or -demo is required")}
		}
		if o.stream == "" {
			return o, usageError{errors.New("-stream is required")}
		}
		if o.faults || o.speed != 1 {
			return o, usageError{errors.New("-faults and -speed go with -demo")}
		}
	}
	if o.variants == "" {
		o.variants = "source"
	}
	if o.duration < 0 || o.progress < 0 {
		return o, usageError{errors.New("durations must not be negative")}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	store, err := archive.NewDirStore(archive.DirConfig{Root: o.dir})
	if err != nil {
		return err
	}
	cfg := hls.Config{
		Stream:    o.stream,
		URL:       o.url,
		Variants:  strings.Split(o.variants, ","),
		Store:     store,
		Logger:    logger,
		MaxURLAge: o.maxAge,
		Reload:    hls.Reload{Interval: o.reload},
	}

	var demo *demoOrigin
	if o.demo {
		if demo, err = startDemo(o, logger); err != nil {
			return err
		}
		defer demo.close()
		cfg.URL = demo.url
		cfg.Clock = demo.clock
		cfg.Reload.MasterInterval = 5 * time.Second
		if o.faults {
			cfg.MaxURLAge = 45 * time.Second // renew before the demo's 60 s tokens expire
		}
	}
	clock := airkeep.OrSystem(cfg.Clock)
	rec, err := hls.New(cfg)
	if err != nil {
		return usageError{err}
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if demo != nil {
		wg.Add(1)
		go func() { defer wg.Done(); _ = demo.origin.Run(runCtx) }()
	}
	runErr := make(chan error, 1)
	wg.Add(1)
	go func() { defer wg.Done(); runErr <- rec.Run(runCtx) }()

	began := clock.Now()
	progress := newProgress(stderr)
	var tick <-chan time.Time
	var ticker airkeep.Timer
	if o.progress > 0 {
		ticker = clock.NewTimer(o.progress)
		defer ticker.Stop()
		tick = ticker.C()
	}
	var end <-chan time.Time
	if o.duration > 0 {
		t := clock.NewTimer(o.duration)
		defer t.Stop()
		end = t.C()
	}
	var drain <-chan time.Time // polls for the end of a finished demo stream
	var drainTimer airkeep.Timer
	interrupted := false
loop:
	for {
		select {
		case <-ctx.Done():
			interrupted = true
			break loop
		case <-tick:
			progress.line(clock.Now().Sub(began), rec.Status())
			ticker.Reset(o.progress)
		case <-end:
			end = nil
			if demo == nil {
				break loop
			}
			// End the stream and let the capture take its last segments.
			demo.origin.Finish()
			drainTimer = clock.NewTimer(time.Second)
			defer drainTimer.Stop()
			drain = drainTimer.C()
		case <-drain:
			if rec.Status().Drained() {
				break loop
			}
			drainTimer.Reset(time.Second)
		}
	}
	cancel()
	wg.Wait()
	if err := <-runErr; err != nil {
		return err
	}
	progress.done()
	st := rec.Status()
	summary(stdout, o, clock.Now().Sub(began), st, interrupted)
	if demo != nil && !interrupted {
		res, err := hlstest.Check(context.Background(), store, o.stream, "demo", demo.published())
		if err != nil {
			return err
		}
		if !res.OK() {
			fmt.Fprintf(stdout, "check: %d of %d published segments stored byte-exact; missing %v; corrupt %v\n",
				res.Stored, res.Published, res.Missing, res.Corrupt)
			return errCheck
		}
		fmt.Fprintf(stdout, "check: all %d published segments stored byte-exact (re-hashed from %s)\n", res.Published, o.dir)
		fmt.Fprintf(stdout, "next:  go run ./examples/archive ls -l -dir %s %s\n", o.dir, o.stream)
	}
	return nil
}

// demoOrigin is the simulated origin of -demo, on loopback.
type demoOrigin struct {
	origin *hlstest.Origin
	srv    *httptest.Server
	url    string
	clock  airkeep.Clock
	mu     sync.Mutex
	pubs   []hlstest.Published
}

func startDemo(o options, logger *slog.Logger) (*demoOrigin, error) {
	d := &demoOrigin{clock: airkeep.SystemClock()}
	if o.speed != 1 {
		d.clock = hlstest.NewScaledClock(time.Now(), o.speed)
	}
	cfg := hlstest.Config{
		Clock: d.clock,
		OnPublish: func(p hlstest.Published) {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.pubs = append(d.pubs, p)
		},
	}
	if o.faults {
		cfg.Faults = hlstest.Faults{
			ErrorRate: 0.1, PlaylistErrorRate: 0.05, StallRate: 0.05, SlowHeadersRate: 0.05, TruncateRate: 0.05,
			StallFor: 40 * time.Second, TokenTTL: 60 * time.Second,
			FreezeEvery: 50 * time.Second, FreezeFor: 6 * time.Second,
			EndEvery: 70 * time.Second, EndFor: 15 * time.Second,
		}
	}
	origin, err := hlstest.New(cfg)
	if err != nil {
		return nil, err
	}
	d.origin = origin
	d.srv = httptest.NewServer(origin.Handler())
	d.url = d.srv.URL + hlstest.MasterPath("demo")
	logger.Info("demo origin started", "url", d.url, "faults", o.faults, "speed", o.speed)
	return d, nil
}

func (d *demoOrigin) published() []hlstest.Published {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]hlstest.Published(nil), d.pubs...)
}

func (d *demoOrigin) close() { d.srv.Close() }

// progress writes one status line: rewritten in place on a terminal,
// one line per tick otherwise.
type progress struct {
	w   io.Writer
	tty bool
	n   int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) line(elapsed time.Duration, st hls.Status) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", elapsed.Truncate(time.Second), st.State)
	for _, v := range st.Variants {
		fmt.Fprintf(&b, " | %s: %d segs %s %d partial %d gaps", v.Name, v.Segments(), mb(v.Bytes), v.Partial, v.Lost())
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%-*s", p.n, b.String())
		p.n = b.Len()
		return
	}
	fmt.Fprintln(p.w, b.String())
}

func (p *progress) done() {
	if p.tty && p.n > 0 {
		fmt.Fprintln(p.w)
	}
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func summary(w io.Writer, o options, elapsed time.Duration, st hls.Status, interrupted bool) {
	how := "finished"
	if interrupted {
		how = "interrupted"
	}
	fmt.Fprintf(w, "capture %s after %s: stream %q into %s, %d restarts\n", how, elapsed.Truncate(time.Second), o.stream, o.dir, st.Restarts)
	fmt.Fprintf(w, "%-10s %8s %8s %8s %8s %10s %6s %9s %8s %7s %6s\n",
		"variant", "segments", "full", "suspect", "partial", "bytes", "gaps", "given-up", "dropped", "resets", "hand")
	for _, v := range st.Variants {
		fmt.Fprintf(w, "%-10s %8d %8d %8d %8d %10d %6d %9d %8d %7d %6d\n",
			v.Name, v.Segments(), v.Full, v.Suspect, v.Partial, v.Bytes, v.Missing, v.GiveUps, v.Dropped, v.Resets, v.HandOvers)
	}
}
