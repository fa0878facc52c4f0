package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/storeurl"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/internal/progress"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/listeners"
	"github.com/airkeep/airkeep/schedule/seal"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
	"github.com/airkeep/airkeep/schedule/stationapi"
	"github.com/airkeep/airkeep/schedule/stationfile"
	"github.com/airkeep/airkeep/streamer"
)

// streamer's Controller is the playout the monitor drives (the contract
// is schedule.Player; neither package imports the other). Its generation
// comes from the Liquidsoap process's own token, so a monitor started
// again with radio run tells whether Liquidsoap restarted too.
var _ schedule.Player = (*streamer.Controller)(nil)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radio run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stationPath := fs.String("station", "", "station file (TOML) (required)")
	db := fs.String("db", "", "schedule database made by radio import (required)")
	listen := fs.String("listen", "", "address of the page and API, host:port (default: the station file's http.listen, or "+stationfile.DefaultListen+")")
	progress := fs.Duration("progress", 10*time.Second, "interval between progress lines on stderr (0: none)")
	verbose := fs.Bool("v", false, "log debug lines")
	listeners := fs.Duration("listeners", 30*time.Second, "interval between listener samples from the station's Icecast outputs (0: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("station", "db")(fs); err != nil {
		return err
	}
	cfg, warns, err := stationfile.Load(*stationPath, stationfile.ForRun)
	if err != nil {
		return err
	}
	printWarnings(stderr, warns)
	if *listen != "" {
		cfg.Listen = *listen
	}
	logger := newLogger(stderr, *verbose)
	r, err := newRunner(ctx, runnerConfig{Station: cfg, DB: *db, Logger: logger, Progress: *progress, Stderr: stderr, Listeners: *listeners})
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintf(stderr, "radio: station %s on http://%s/\n", cfg.Slug, r.Addr())
	err = r.Run(ctx)
	r.summary(stdout)
	return err
}

type runnerConfig struct {
	Station  *stationfile.Station
	DB       string
	Logger   *slog.Logger
	Progress time.Duration // 0: no progress line
	Stderr   io.Writer
	// Listener, when set, is used instead of listening on Station.Listen.
	Listener net.Listener
	// Listeners is the interval between listener samples; 0: none.
	Listeners time.Duration
}

// runner is one run of a station: every component, built and wired, ready
// to Run.
type runner struct {
	cfg      *stationfile.Station
	log      *slog.Logger
	store    *sqlitestore.Store
	station  schedule.Station
	proc     *streamer.Process
	ctl      *streamer.Controller
	mon      *schedule.Monitor
	air      *schedule.Air
	events   *procEvents
	capture  *capture // nil when the station does not record itself
	sealer   *seal.Sealer
	gen      *schedule.Generator
	samplers []*listeners.Sampler // one per Icecast server of the outputs
	arch     archive.Store        // nil likewise
	ln       net.Listener
	srv      *http.Server
	api      *stationapi.Handler
	started  time.Time
	stderr   io.Writer
	every    time.Duration
}

func newRunner(ctx context.Context, rc runnerConfig) (_ *runner, err error) {
	c := rc.Station
	r := &runner{cfg: c, log: rc.Logger, started: time.Now(), stderr: rc.Stderr, every: rc.Progress}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	if r.store, err = openStore(ctx, rc.DB); err != nil {
		return nil, err
	}
	if r.station, err = r.store.Station(ctx, c.Slug); err != nil {
		if errors.Is(err, schedule.ErrNotFound) {
			return nil, fmt.Errorf("station %q is not in %s: run radio import first", c.Slug, rc.DB)
		}
		return nil, err
	}
	if err := c.MakeDirs(); err != nil {
		return nil, err
	}
	r.events = newProcEvents()
	if c.Streamer.AllowRoot && os.Geteuid() == 0 {
		r.log.Warn("running Liquidsoap as root: its own root check is disabled (liquidsoap.allow_root)")
	}
	pc := c.ProcessConfig()
	pc.OnEvent, pc.Logger = r.events.onEvent, r.log.With("component", "liquidsoap")
	if r.proc, err = streamer.NewProcess(pc); err != nil {
		return nil, err
	}
	cc := c.ControllerConfig()
	cc.Logger = r.log.With("component", "controller")
	if r.ctl, err = streamer.NewController(cc); err != nil {
		return nil, err
	}
	if err := c.WritePlaylists(ctx, r.store, r.station.ID, r.ctl); err != nil {
		return nil, err
	}
	mc := c.MonitorConfig(r.store, r.ctl, r.station.ID)
	mc.Logger = r.log.With("component", "monitor")
	if r.mon, err = schedule.New(mc); err != nil {
		return nil, err
	}

	if r.air, err = r.newAir(ctx); err != nil {
		return nil, err
	}
	r.ln = rc.Listener
	if r.ln == nil {
		if r.ln, err = net.Listen("tcp", c.Listen); err != nil {
			return nil, err
		}
	}
	if c.Record != nil {
		if r.arch, err = storeurl.Open(ctx, c.Record.Store, storeurl.Config{}); err != nil {
			return nil, fmt.Errorf("record.store: %w", err)
		}
		url := "http://" + loopback(r.ln.Addr()) + "/hls/" + c.Record.Playlist
		r.capture = &capture{
			cfg:    captureConfig(c.Record.Stream, url, hls.Config{Store: r.arch, Logger: r.log.With("component", "hls")}),
			events: r.events, log: r.log,
		}
	}
	sc := seal.Config{Store: r.store, StationID: r.station.ID, Loc: c.Location, Logger: r.log.With("component", "seal")}
	if r.arch != nil {
		sc.Archive, sc.Stream, sc.Variant = r.arch, c.Record.Stream, "source"
	}
	if r.sealer, err = seal.NewSealer(sc); err != nil {
		return nil, err
	}
	if r.gen, err = schedule.NewGenerator(schedule.GeneratorConfig{Store: r.store, StationID: r.station.ID, Ahead: time.Duration(c.Weeks) * 7 * 24 * time.Hour,
		Logger: r.log}); err != nil {
		return nil, err
	}
	if r.samplers, err = c.Samplers(r.store, r.station.ID, rc.Listeners, r.log.With("component", "listeners")); err != nil {
		return nil, err
	}
	if r.api, err = stationapi.New(stationapi.Config{Store: r.store, Station: r.station, Player: r.ctl,
		Extend: func(_ context.Context, n stationapi.Now) any { return r.nowState(n) }, Logger: r.log}); err != nil {
		return nil, err
	}
	r.srv = &http.Server{Handler: r.handler(), ReadHeaderTimeout: 10 * time.Second}
	return r, nil
}

// loopback returns the address to reach a listener from this host.
func loopback(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
}

// Addr is where the page and the API are served.
func (r *runner) Addr() string { return loopback(r.ln.Addr()) }

// Run runs the station until ctx ends or Liquidsoap cannot be kept
// running. It stops in this order: the monitor (nothing new is pushed),
// the recording (it fetches the last segments while Liquidsoap still
// serves them: Liquidsoap deletes its HLS files when it stops), the web
// server, then Liquidsoap. It returns after every goroutine has ended and
// Liquidsoap has exited; nil after a clean stop.
func (r *runner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	procCtx, stopProc := context.WithCancel(context.WithoutCancel(ctx))
	defer stopProc()
	procDone := make(chan error, 1)
	go func() {
		err := r.proc.Run(procCtx)
		if err != nil {
			cancel(err) // Liquidsoap cannot be kept running: stop the rest
		}
		procDone <- err
	}()

	g, gctx := errgroup.WithContext(ctx)
	captureDone := make(chan struct{})
	g.Go(func() error { return r.mon.Run(gctx) })
	g.Go(func() error { _ = r.air.Run(gctx); return nil })
	g.Go(func() error { return r.watchAir(gctx) })
	g.Go(func() error {
		defer close(captureDone)
		if r.capture == nil {
			return nil
		}
		return r.capture.Run(gctx)
	})
	g.Go(func() error {
		if err := r.srv.Serve(r.ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		<-captureDone // the recorder reads the HLS files through this server
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return r.srv.Shutdown(sctx)
	})
	g.Go(func() error { return r.sealer.Run(gctx) })
	for _, s := range r.samplers {
		g.Go(func() error { return s.Run(gctx) })
	}
	g.Go(func() error { return r.gen.Run(gctx) })
	g.Go(func() error { return r.progress(gctx) })
	gerr := g.Wait()
	// Everything that writes the as-run log has stopped: seal what its last
	// seconds wrote, so a clean stop leaves nothing unsealed.
	sealCtx, sealDone := context.WithTimeout(context.Background(), 10*time.Second)
	if _, err := r.sealer.Seal(sealCtx); err != nil {
		r.log.Warn("sealing the as-run log at the stop failed; the next start seals it", "err", err)
	}
	sealDone()
	stopProc()
	perr := <-procDone
	switch {
	case perr != nil:
		return perr
	case gerr != nil && !errors.Is(gerr, context.Canceled):
		return gerr
	}
	return nil
}

// progress writes one status line on stderr every r.every: rewritten in
// place on a terminal, one line each time otherwise.
func (r *runner) progress(ctx context.Context) error {
	if r.every <= 0 || r.stderr == nil {
		return nil
	}
	pl := progress.New(r.stderr)
	defer pl.Done()
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pl.Print(r.statusLine(ctx))
	}
}

func (r *runner) statusLine(ctx context.Context) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s liquidsoap %s", time.Since(r.started).Truncate(time.Second), r.proc.State())
	if pid := r.proc.PID(); pid > 0 {
		fmt.Fprintf(&b, " (pid %d, %d starts)", pid, r.proc.Starts())
	}
	if now, err := r.api.Now(ctx, time.Now()); err == nil {
		if oa := now.OnAir; oa != nil && oa.URI != "" {
			fmt.Fprintf(&b, " | on air: %s %s", oa.Source, oa.Title)
			if oa.Diffusion != nil {
				fmt.Fprintf(&b, " (%s)", oa.Diffusion.Program)
			}
		}
		if now.Next != nil {
			fmt.Fprintf(&b, " | next: %s %s", now.Next.Program, now.Next.Start[11:19])
		}
	}
	s := r.mon.Stats()
	fmt.Fprintf(&b, " | %d started %d missed %d cancelled %d re-pushed", s.Starts, s.Missed, s.Cancels, s.Repushes)
	if r.capture != nil {
		cs := r.capture.status()
		fmt.Fprintf(&b, " | capture %s: %d segments %.1f MB %d lost", cs.State, cs.Counters.Segments(), float64(cs.Counters.Bytes)/1e6, cs.Counters.Lost())
	}
	// Last, and only once there was some: the line's earlier fields stay
	// where scripts read them.
	if a := r.air.Stats(); a.DeadAir > 0 || a.DeadAirOpen > 0 {
		fmt.Fprintf(&b, " | dead air %d (%d now)", a.DeadAir, a.DeadAirOpen)
	}
	return b.String()
}

// summary prints what the run did, on stdout, when it ends.
func (r *runner) summary(w io.Writer) {
	s := r.mon.Stats()
	fmt.Fprintf(w, "radio run of %s stopped after %s: liquidsoap started %d times; %d diffusions started, %d missed, %d cancelled, %d re-pushed\n",
		r.cfg.Slug, time.Since(r.started).Truncate(time.Second), r.proc.Starts(), s.Starts, s.Missed, s.Cancels, s.Repushes)
	if r.capture != nil {
		cs := r.capture.status()
		fmt.Fprintf(w, "recorded into %s (stream %s): %d segments, %d bytes, %d partial, %d lost, %d recorders\n",
			r.cfg.Record.Store, r.cfg.Record.Stream, cs.Counters.Segments(), cs.Counters.Bytes, cs.Counters.Partial, cs.Counters.Lost(), cs.Starts)
	}
}

// Close releases what newRunner opened. Call it after Run returned.
func (r *runner) Close() {
	if r.ctl != nil {
		_ = r.ctl.Close()
	}
	if r.ln != nil {
		_ = r.ln.Close()
	}
	if r.store != nil {
		_ = r.store.Close()
	}
}
