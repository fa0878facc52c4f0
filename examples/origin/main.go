// Command origin serves a simulated live HLS origin for tests, demos and
// benchmarks: channels of variants of synthetic MPEG-TS segments (ffmpeg
// reads them), a PDT on every segment, a clock that can run faster than
// real time, and scripted faults. It prints one line per published segment
// on stdout, with its SHA-256 as archive names write it:
//
//	published channel=demo variant=source epoch=0 msn=12 start=2026-11-23T10:00:24.000000Z duration=2.0 size=500080 sha256=…
//
// so a capture can be checked against what was published.
//
//	origin -listen 127.0.0.1:8080 -channels 2 -errors 0.1 -stalls 0.05 -token-ttl 60s
//
// It runs until SIGINT or SIGTERM. The origin itself is package
// hls/hlstest; this program only wires it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/hls/hlstest"
)

type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "origin:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "origin:", err)
		os.Exit(1)
	}
}

// parseVariants reads NAME[:WxH[:BITS]],… (bits per second).
func parseVariants(s string) ([]hlstest.VariantConfig, error) {
	var out []hlstest.VariantConfig
	for _, f := range strings.Split(s, ",") {
		p := strings.Split(f, ":")
		v := hlstest.VariantConfig{Name: p[0], Resolution: "1280x720", Bandwidth: 2_000_000}
		if len(p) > 3 || v.Name == "" {
			return nil, fmt.Errorf("bad variant %q: want NAME[:WxH[:BITS]]", f)
		}
		if len(p) > 1 {
			v.Resolution = p[1]
		}
		if len(p) > 2 {
			n, err := strconv.Atoi(p[2])
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("bad bandwidth in %q", f)
			}
			v.Bandwidth = n
		}
		out = append(out, v)
	}
	return out, nil
}

// run serves until ctx ends. ready, if set, receives the listening address.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("origin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on (loopback by default)")
	channels := fs.String("channels", "demo", "channel names, comma-separated, or a count (\"3\" means ch1,ch2,ch3)")
	variants := fs.String("variants", "source:1280x720:2000000,480p:854x480:800000", "variants NAME[:WxH[:BITS]], comma-separated; at least two")
	segment := fs.Duration("segment", 2*time.Second, "segment duration")
	window := fs.Int("window", 6, "segments in a live playlist")
	speed := fs.Float64("speed", 1, "run the origin's clock this many times faster than real time")
	seed := fs.Uint64("seed", 1, "seed of fault decisions and tokens")
	quiet := fs.Bool("quiet", false, "do not print published segments")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	var f hlstest.Faults
	fs.Float64Var(&f.ErrorRate, "errors", 0, "fraction of segment requests answered 500")
	fs.Float64Var(&f.PlaylistErrorRate, "playlist-errors", 0, "fraction of media playlist requests answered 500")
	fs.Float64Var(&f.StallRate, "stalls", 0, "fraction of segment responses that stall halfway for -stall-for, then close")
	fs.Float64Var(&f.SlowHeadersRate, "slow-headers", 0, "fraction of segment responses whose headers wait -stall-for")
	fs.Float64Var(&f.TruncateRate, "truncate", 0, "fraction of segment responses cut halfway")
	fs.DurationVar(&f.StallFor, "stall-for", 40*time.Second, "length of stalls")
	fs.DurationVar(&f.TokenTTL, "token-ttl", 0, "put tokens in URLs, valid this long after each master fetch (0: no tokens)")
	fs.DurationVar(&f.FreezeEvery, "freeze-every", 0, "freeze playlists served to old URLs once per this period")
	fs.DurationVar(&f.FreezeFor, "freeze-for", 0, "length of each freeze")
	fs.DurationVar(&f.EndEvery, "end-every", 0, "end the stream (ENDLIST) after this much streaming, then restart at sequence 0")
	fs.DurationVar(&f.EndFor, "end-for", 0, "how long the stream stays ended")
	fs.BoolVar(&f.MasterGoneWhenEnded, "master-404", false, "answer 404 for the master playlist while the stream is ended")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	vs, err := parseVariants(*variants)
	if err != nil {
		return usageError{err}
	}
	if len(vs) < 2 {
		return usageError{errors.New("-variants: give at least two")}
	}
	chs := strings.Split(*channels, ",")
	if n, err := strconv.Atoi(*channels); err == nil {
		if n < 1 || n > 100000 {
			return usageError{errors.New("-channels: count out of range")}
		}
		chs = chs[:0]
		for i := 1; i <= n; i++ {
			chs = append(chs, "ch"+strconv.Itoa(i))
		}
	}
	if *speed <= 0 {
		return usageError{errors.New("-speed must be positive")}
	}
	var clock airkeep.Clock = airkeep.SystemClock()
	if *speed != 1 {
		clock = hlstest.NewScaledClock(time.Now(), *speed)
	}
	out := bufio.NewWriter(stdout)
	var outMu sync.Mutex
	cfg := hlstest.Config{
		Channels: chs, Variants: vs, SegmentDuration: *segment, Window: *window,
		Clock: clock, Faults: f, Seed: *seed,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if !*quiet {
		cfg.OnPublish = func(p hlstest.Published) {
			outMu.Lock()
			defer outMu.Unlock()
			fmt.Fprintln(out, p.String())
			out.Flush()
		}
	}
	o, err := hlstest.New(cfg)
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: o.Handler(), ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stderr, "origin: serving %d channels of %d variants on %s (speed %gx)\n", len(chs), len(vs), base, *speed)
	for i, c := range chs {
		if i == 3 {
			fmt.Fprintf(stderr, "origin:   … and %d more\n", len(chs)-3)
			break
		}
		fmt.Fprintf(stderr, "origin:   %s%s\n", base, hlstest.MasterPath(c))
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
	}()
	go func() { defer wg.Done(); _ = o.Run(runCtx) }()
	var err2 error
	select {
	case <-ctx.Done():
	case err2 = <-serveErr:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close() // stalled responses: cut them
	}
	cancelRun()
	wg.Wait()
	fmt.Fprintf(stderr, "origin: stopped after %d requests\n", o.Requests())
	return err2
}
