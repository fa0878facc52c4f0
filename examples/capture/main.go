// Command capture records a live HLS stream into a segment archive laid out
// as wubloader lays it out, until SIGINT or SIGTERM, then shuts down
// gracefully and prints a summary.
//
//	capture -url MASTER_URL -stream NAME -variants source,480p -dir ./segments
//	capture -demo -duration 30s -dir ./segments
//
//	capture -url 'http://host/live/{channel}/master.m3u8' -channels bbc1,bbc2 -store s3://bucket/seg?endpoint=…
//
// -url may be a master or a media playlist. -channels records several
// streams at once, one per name, each named after its channel, with {channel}
// in -url replaced by the name. -demo starts a simulated live origin in the
// same process (no network needed), captures it, ends the stream after
// -duration, and checks that every segment it published is in the archive
// byte for byte. All the work is done by package hls; this program only
// wires it.
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
	"net/http/httptest"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/storeurl"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
	"github.com/airkeep/airkeep/internal/memnet"
	"github.com/airkeep/airkeep/internal/progress"
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
	store, channels            string
	streams                    []string
	demo, faults, verbose      bool
	noSync                     bool
	cpuProfile, memProfile     string
	perHost                    int
	metrics                    string
	duration, progress, maxAge time.Duration
	reload                     time.Duration
	speed                      float64
	spillBytes                 int64
	spillDir                   string
	grace                      time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("capture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "", "master or media playlist URL to record")
	fs.StringVar(&o.stream, "stream", "", "stream name: the archive's top folder (default \"demo\" with -demo)")
	fs.StringVar(&o.variants, "variants", "", "comma-separated variant names: NAME, 480p, 720p60, source (default \"source\"; \"source,480p\" with -demo)")
	fs.StringVar(&o.dir, "dir", "", "archive folder (or -store)")
	fs.StringVar(&o.store, "store", "", "archive URL: a path, file:///path or s3://bucket/prefix?endpoint=host:port (instead of -dir)")
	fs.BoolVar(&o.noSync, "nosync", false, "do not fsync segment files (faster; a power cut may lose the last ones)")
	fs.StringVar(&o.channels, "channels", "", "record several streams: comma-separated names, or a count N for ch1..chN; {channel} in -url is replaced by each")
	fs.BoolVar(&o.demo, "demo", false, "record a simulated live origin started in this process, then check the archive against it")
	fs.BoolVar(&o.faults, "faults", false, "with -demo: inject every fault (500s, stalls, truncated bodies, expiring tokens, frozen playlists, stream restarts)")
	fs.Float64Var(&o.speed, "speed", 1, "run the capture's clock (and the -demo origin's) this many times faster than real time: for load tests against a sped-up origin")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: until SIGINT; 30s with -demo)")
	fs.DurationVar(&o.progress, "progress", 5*time.Second, "interval between progress lines on stderr (0: none)")
	fs.DurationVar(&o.maxAge, "max-url-age", 0, "renew media playlist URLs after this long (0: 20h)")
	fs.DurationVar(&o.reload, "reload-interval", 0, "reload playlists at this fixed interval, as wubloader (0: RFC 8216 schedule)")
	fs.BoolVar(&o.verbose, "v", false, "log debug lines (every segment) on stderr")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile to this file when the capture stops")
	fs.IntVar(&o.perHost, "per-host", 64, "segment downloads in flight to one host, over all streams")
	fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9101), at /metrics")
	fs.Int64Var(&o.spillBytes, "spill-bytes", 256<<20, "per stream, bytes of downloaded segments held while the store refuses writes (full disk, S3 outage); beyond it the oldest are lost")
	fs.StringVar(&o.spillDir, "spill-dir", "", "hold those segments in files in this folder (best on another disk) instead of memory")
	fs.DurationVar(&o.grace, "grace", 10*time.Second, "on stop, time left to listed segments' downloads and to buffered segments' writes")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	switch {
	case o.dir == "" && o.store == "":
		return o, usageError{errors.New("-dir or -store is required")}
	case o.dir != "" && o.store != "":
		return o, usageError{errors.New("-dir and -store exclude each other")}
	case o.store == "":
		o.store = o.dir
	}
	if o.speed <= 0 {
		return o, usageError{errors.New("-speed must be positive")}
	}
	if o.perHost < 1 {
		return o, usageError{errors.New("-per-host must be at least 1")}
	}
	if o.spillBytes < 1 {
		return o, usageError{errors.New("-spill-bytes must be positive")}
	}
	if o.grace <= 0 {
		return o, usageError{errors.New("-grace must be positive")}
	}
	if o.channels != "" {
		if n, err := strconv.Atoi(o.channels); err == nil {
			if n < 1 || n > 100000 {
				return o, usageError{errors.New("-channels: count out of range")}
			}
			for i := 1; i <= n; i++ {
				o.streams = append(o.streams, "ch"+strconv.Itoa(i))
			}
		} else {
			o.streams = strings.Split(o.channels, ",")
		}
		if o.stream != "" {
			return o, usageError{errors.New("-stream and -channels exclude each other: streams are named after channels")}
		}
		if !o.demo && !strings.Contains(o.url, "{channel}") {
			return o, usageError{errors.New("-channels needs {channel} in -url")}
		}
	}
	if o.demo {
		if o.url != "" {
			return o, usageError{errors.New("-demo and -url exclude each other")}
		}
		if o.stream == "" && o.streams == nil {
			o.stream = "demo"
		}
		if o.variants == "" {
			o.variants = "source,480p"
		}
		if o.duration == 0 {
			o.duration = 30 * time.Second
		}
	} else {
		if o.url == "" {
			return o, usageError{errors.New("-url or -demo is required")}
		}
		if o.stream == "" && o.streams == nil {
			return o, usageError{errors.New("-stream is required")}
		}
		if o.faults {
			return o, usageError{errors.New("-faults goes with -demo")}
		}
	}
	if o.streams == nil {
		o.streams = []string{o.stream}
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
	return runOn(ctx, args, stdout, stderr, nil)
}

// runOn is run on a given network: nil is the machine's; tests pass an
// in-memory one, on which the demo origin, the capture's requests and the
// metrics server all run inside a testing/synctest bubble.
func runOn(ctx context.Context, args []string, stdout, stderr io.Writer, mem *memnet.Network) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	store, err := storeurl.Open(ctx, o.store, storeurl.Config{Dir: archive.DirConfig{NoSync: o.noSync}, Logger: logger})
	if err != nil {
		var se *storeurl.Error
		if errors.As(err, &se) {
			return usageError{err}
		}
		return err
	}

	var clock airkeep.Clock = airkeep.SystemClock()
	if o.speed != 1 {
		clock = hlstest.NewScaledClock(time.Now(), o.speed)
	}
	var demo *demoOrigin
	if o.demo {
		if demo, err = startDemo(o, clock, logger, mem); err != nil {
			return err
		}
		defer demo.close()
	}
	// One Recorder per stream; they share connections and per-host limits.
	client := hls.DefaultHTTPClient(o.perHost)
	if mem != nil {
		client = mem.Client()
	}
	defer client.CloseIdleConnections()
	hosts := hls.NewHostLimiter(o.perHost)
	recs := make([]*hls.Recorder, len(o.streams))
	for i, name := range o.streams {
		cfg := hls.Config{
			Stream:     name,
			URL:        strings.ReplaceAll(o.url, "{channel}", name),
			Variants:   strings.Split(o.variants, ","),
			Store:      store,
			HTTPClient: client,
			Hosts:      hosts,
			Clock:      clock,
			Logger:     logger,
			MaxURLAge:  o.maxAge,
			Reload:     hls.Reload{Interval: o.reload},
			Timeouts:   hls.Timeouts{Shutdown: o.grace},
			Spill:      hls.Spill{Bytes: o.spillBytes, Dir: o.spillDir},
		}
		if demo != nil {
			cfg.URL = demo.base + hlstest.MasterPath(demo.channel(i))
			cfg.Reload.MasterInterval = 5 * time.Second
			if o.faults {
				cfg.MaxURLAge = 45 * time.Second // renew before the demo's 60 s tokens expire
			}
		}
		if recs[i], err = hls.New(cfg); err != nil {
			return usageError{err}
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if demo != nil {
		wg.Add(1)
		go func() { defer wg.Done(); _ = demo.origin.Run(runCtx) }()
	}
	if o.metrics != "" {
		var ln net.Listener
		if mem != nil {
			ln = mem.Listen()
		} else if ln, err = net.Listen("tcp", o.metrics); err != nil {
			return err
		}
		srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/metrics" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			_ = hls.WriteMetrics(w, statuses(recs)...)
		})}
		wg.Add(2)
		go func() { defer wg.Done(); _ = srv.Serve(ln) }()
		go func() { defer wg.Done(); <-runCtx.Done(); srv.Close() }()
		logger.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	}
	runErrs := make(chan error, len(recs))
	for _, rec := range recs {
		wg.Add(1)
		go func() { defer wg.Done(); runErrs <- rec.Run(runCtx) }()
	}

	began := clock.Now()
	pl := progress.New(stderr)
	ticker := clock.NewTimer(o.progress)
	defer ticker.Stop()
	var tick <-chan time.Time
	if o.progress > 0 {
		tick = ticker.C()
	}
	var end <-chan time.Time
	if o.duration > 0 {
		t := clock.NewTimer(o.duration)
		defer t.Stop()
		end = t.C()
	}
	poll := clock.NewTimer(time.Hour)
	defer poll.Stop()
	var drain <-chan time.Time // polls for the end of a finished demo stream
	var drainEnd time.Time     // when to stop waiting for it
	interrupted := false
loop:
	for {
		select {
		case <-ctx.Done():
			interrupted = true
			break loop
		case <-tick:
			pl.Print(progressLine(clock.Now().Sub(began), statuses(recs)))
			ticker.Reset(o.progress)
		case <-end:
			end = nil
			if demo == nil {
				break loop
			}
			// End the stream and let the capture take its last segments.
			demo.origin.Finish()
			poll.Reset(time.Second)
			drain = poll.C()
			// A store that keeps failing holds segments in the spill
			// buffer: the stop's grace gives them their last chance.
			drainEnd = clock.Now().Add(demoDrain)
		case <-drain:
			if drained(recs) || stuck(recs) || !clock.Now().Before(drainEnd) {
				break loop
			}
			poll.Reset(time.Second)
		}
	}
	if o.memProfile != "" {
		// Taken before the shutdown, while the recorders hold their state.
		if f, err := os.Create(o.memProfile); err == nil {
			pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	cancel()
	wg.Wait()
	close(runErrs)
	for err := range runErrs {
		if err != nil {
			return err
		}
	}
	pl.Done()
	sts := statuses(recs)
	summary(stdout, o, clock.Now().Sub(began), sts, interrupted)
	if demo != nil && !interrupted {
		pubs, unlisted := demo.listed()
		ok, total := true, 0
		for i, name := range o.streams {
			res, err := hlstest.Check(context.Background(), store, name, demo.channel(i), pubs)
			if err != nil {
				return err
			}
			total += res.Published
			if !res.OK() {
				ok = false
				fmt.Fprintf(stdout, "check %s: %d of %d published segments stored byte-exact; missing %v; corrupt %v\n",
					name, res.Stored, res.Published, res.Missing, res.Corrupt)
			}
		}
		if !ok {
			return errCheck
		}
		fmt.Fprintf(stdout, "check: all %d published segments stored byte-exact (re-hashed from %s)\n", total, o.store)
		if unlisted > 0 {
			fmt.Fprintf(stdout, "check: %d older segments had left the live window before the first playlist fetch; not counted\n", unlisted)
		}
		if o.dir != "" {
			fmt.Fprintf(stdout, "next:  go run ./examples/archive ls -l -dir %s %s\n", o.dir, o.streams[0])
		}
	}
	return nil
}

// stuck reports whether every download is done but the store refuses the
// buffered segments: waiting longer than the stop's grace is no use.
func stuck(recs []*hls.Recorder) bool {
	for _, r := range recs {
		st := r.Status()
		t := st.Total()
		if st.State == hls.Recording || t.InFlight > 0 || t.Queued > 0 || (t.Buffered > 0 && !st.Store.Failing) {
			return false
		}
	}
	return true
}

// demoDrain bounds the wait for a finished demo stream's last segments.
const demoDrain = 30 * time.Second

func statuses(recs []*hls.Recorder) []hls.Status {
	out := make([]hls.Status, len(recs))
	for i, r := range recs {
		out[i] = r.Status()
	}
	return out
}

func drained(recs []*hls.Recorder) bool {
	for _, r := range recs {
		if !r.Status().Drained() {
			return false
		}
	}
	return true
}

// demoOrigin is the simulated origin of -demo, on loopback (in tests, on
// an in-memory network).
type demoOrigin struct {
	origin *hlstest.Origin
	close  func()
	base   string
	names  []string
	mu     sync.Mutex
	pubs   []hlstest.Published
}

func startDemo(o options, clock airkeep.Clock, logger *slog.Logger, mem *memnet.Network) (*demoOrigin, error) {
	d := &demoOrigin{names: o.streams}
	cfg := hlstest.Config{
		Channels: o.streams,
		Clock:    clock,
		// The window is full from the start, so its oldest segment leaves
		// one segment duration later: a longer window gives a slow first
		// fetch (a high -speed on a busy machine) more to catch up on.
		Window: 10,
		OnPublish: func(p hlstest.Published) {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.pubs = append(d.pubs, p)
		},
	}
	if len(o.streams) > 10 {
		// Many channels: small segments, so the origin's memory stays out
		// of the way of what is measured.
		cfg.Variants = []hlstest.VariantConfig{{Name: "source", Resolution: "1280x720", Bandwidth: 64_000}, {Name: "480p", Resolution: "854x480", Bandwidth: 32_000}}
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
	if mem != nil {
		srv := mem.NewServer(origin.Handler())
		d.base, d.close = srv.URL, srv.Close
	} else {
		srv := httptest.NewServer(origin.Handler())
		d.base, d.close = srv.URL, srv.Close
	}
	logger.Info("demo origin started", "url", d.base+hlstest.MasterPath(o.streams[0]), "channels", len(o.streams), "faults", o.faults, "speed", o.speed)
	return d, nil
}

func (d *demoOrigin) channel(i int) string { return d.names[i] }

// listed returns the published segments that some media playlist offered,
// and how many others slid out of the live window before the capture's
// first fetch of their variant (a slow start on a loaded machine at a
// high -speed).
func (d *demoOrigin) listed() (pubs []hlstest.Published, unlisted int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.pubs {
		if d.origin.Listed(p) {
			pubs = append(pubs, p)
		} else {
			unlisted++
		}
	}
	return pubs, unlisted
}

// progressLine formats the status line: the state, then each variant's
// segments, bytes, partials and gaps.
func progressLine(elapsed time.Duration, sts []hls.Status) string {
	var b strings.Builder
	live := 0
	for _, st := range sts {
		if st.State == hls.Recording {
			live++
		}
	}
	if len(sts) == 1 {
		fmt.Fprintf(&b, "%s %s", elapsed.Truncate(time.Second), sts[0].State)
	} else {
		fmt.Fprintf(&b, "%s %d/%d recording", elapsed.Truncate(time.Second), live, len(sts))
	}
	for _, v := range byVariant(sts) {
		fmt.Fprintf(&b, " | %s: %d segs %s %d partial %d gaps", v.Name, v.Segments(), mb(v.Bytes), v.Partial, v.Lost())
	}
	b.WriteString(storeProgress(sts))
	return b.String()
}

// storeProgress is the progress line's store part: empty while the store
// has never failed, so the line stays as it always was.
func storeProgress(sts []hls.Status) string {
	var buffered, bytes, lost, late int64
	failing := ""
	for _, st := range sts {
		buffered += st.Store.Buffered
		bytes += st.Store.BufferedBytes
		lost += st.Store.Lost
		late += st.Store.StoredLate
		if st.Store.Failing && failing == "" {
			failing = st.Store.Kind // the log has the store's whole error
		}
	}
	switch {
	case failing != "":
		return fmt.Sprintf(" | STORE FAILING (%s): %d buffered %s, %d lost", failing, buffered, mb(bytes), lost)
	case buffered > 0 || lost > 0 || late > 0:
		return fmt.Sprintf(" | store: %d buffered %s, %d stored late, %d lost", buffered, mb(bytes), late, lost)
	}
	return ""
}

// byVariant sums each variant's counters over every stream.
func byVariant(sts []hls.Status) []hls.VariantStatus {
	var out []hls.VariantStatus
	idx := map[string]int{}
	for _, st := range sts {
		for _, v := range st.Variants {
			i, ok := idx[v.Name]
			if !ok {
				i = len(out)
				idx[v.Name] = i
				out = append(out, hls.VariantStatus{Name: v.Name})
			}
			out[i].CountersSnapshot = out[i].Add(v.CountersSnapshot)
		}
	}
	return out
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func summary(w io.Writer, o options, elapsed time.Duration, sts []hls.Status, interrupted bool) {
	how := "finished"
	if interrupted {
		how = "interrupted"
	}
	restarts := 0
	for _, st := range sts {
		restarts += st.Restarts
	}
	what := fmt.Sprintf("stream %q", o.streams[0])
	if len(sts) > 1 {
		what = fmt.Sprintf("%d streams", len(sts))
	}
	fmt.Fprintf(w, "capture %s after %s: %s into %s, %d restarts\n", how, elapsed.Truncate(time.Second), what, o.store, restarts)
	fmt.Fprintf(w, "%-10s %8s %8s %8s %8s %12s %6s %9s %8s %7s %6s\n",
		"variant", "segments", "full", "suspect", "partial", "bytes", "gaps", "given-up", "dropped", "resets", "hand")
	for _, v := range byVariant(sts) {
		fmt.Fprintf(w, "%-10s %8d %8d %8d %8d %12d %6d %9d %8d %7d %6d\n",
			v.Name, v.Segments(), v.Full, v.Suspect, v.Partial, v.Bytes, v.Missing, v.GiveUps, v.Dropped, v.Resets, v.HandOvers)
	}
	// Only when the store failed: the table above stays as it always was.
	var late, lost int64
	for _, v := range byVariant(sts) {
		late += v.StoredLate
		lost += v.StoreLost
	}
	if late > 0 || lost > 0 {
		fmt.Fprintf(w, "store: the store refused writes for a while: %d segments stored late from the spill buffer, %d lost (named in the log)\n", late, lost)
		for _, v := range byVariant(sts) {
			if v.StoredLate > 0 || v.StoreLost > 0 {
				fmt.Fprintf(w, "%-10s %8d stored late %8d lost\n", v.Name, v.StoredLate, v.StoreLost)
			}
		}
	}
}
