// Command load measures how much live HLS one capture process keeps up
// with, against a baseline that does the least any capture must do with the
// same bytes from the same origin: an HTTP GET, a SHA-256 and a write.
//
//	go run ./examples/load                              # 500 channels × 2 variants at 10×, 60 s each run, on $TMPDIR
//	go run ./examples/load -dir /dev/shm/load -nosync   # on tmpfs
//	go run ./examples/load -channels 20 -duration 60s   # a quick look
//
// It serves a simulated origin (package hls/hlstest) in this process, on a
// clock running -speed times faster than real time, then runs each variant
// of the measurement in a child process of its own (this program, run
// again) so that each one's CPU time and peak RSS are its own:
//
//   - capture: one hls.Recorder per channel, as examples/capture runs them
//     (a shared HTTP client and per-host limit), for -duration of stream
//     time, then a stop; the archive is then checked against what the
//     origin published, byte for byte;
//   - baseline: every segment the origin publishes in the same span is
//     fetched by a pool of -per-host workers, hashed with SHA-256 and
//     written to a file (fsync'd unless -nosync).
//
// It prints one line per run (segments published, listed, stored, missed,
// dropped at stop; segments a second; CPU seconds per 1,000 segments; peak
// RSS per variant) and the capture's ratios to the baseline. The machine's
// load average is printed too: on a shared machine, read the ratios.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// roleEnv names the part a child process plays: "capture" or "baseline".
const roleEnv = "AIRKEEP_LOAD_ROLE"

type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if role := os.Getenv(roleEnv); role != "" {
		err = child(ctx, role, os.Args[1:], os.Stdin, os.Stdout)
	} else {
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	}
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	channels   int
	variants   string
	speed      float64
	duration   time.Duration
	dir        string
	noSync     bool
	perHost    int
	only       string
	cpuProfile string
	memProfile string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.channels, "channels", 500, "channels served by the origin and captured")
	fs.StringVar(&o.variants, "variants", "source:320x240:20000,480p:160x120:10000", "variants of every channel: NAME:WxH:BITS_PER_SECOND,…")
	fs.Float64Var(&o.speed, "speed", 10, "run the origin's and the capture's clock this many times faster than real time")
	fs.DurationVar(&o.duration, "duration", 600*time.Second, "stream time of each run (wall time is this divided by -speed)")
	fs.StringVar(&o.dir, "dir", "", "folder for the archives, emptied first (default: a new folder in $TMPDIR, removed after)")
	fs.BoolVar(&o.noSync, "nosync", false, "do not fsync (both runs)")
	fs.IntVar(&o.perHost, "per-host", 64, "segment downloads in flight to the origin (both runs)")
	fs.StringVar(&o.only, "only", "", "run only \"capture\" or \"baseline\"")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the capture run's CPU profile to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "write the capture run's heap profile (allocations included) to this file at its end")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return o, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case o.channels < 1 || o.channels > 100000:
		return o, usageError{errors.New("-channels out of range")}
	case o.speed <= 0:
		return o, usageError{errors.New("-speed must be positive")}
	case o.duration <= 0:
		return o, usageError{errors.New("-duration must be positive")}
	case o.perHost < 1:
		return o, usageError{errors.New("-per-host must be at least 1")}
	case o.only != "" && o.only != "capture" && o.only != "baseline":
		return o, usageError{errors.New(`-only is "capture" or "baseline"`)}
	}
	if _, err := parseVariants(o.variants); err != nil {
		return o, usageError{err}
	}
	return o, nil
}

// parseVariants reads NAME:WxH:BITS,…
func parseVariants(s string) ([]hlstest.VariantConfig, error) {
	var out []hlstest.VariantConfig
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(part, ":")
		if len(f) != 3 {
			return nil, fmt.Errorf("-variants: %q is not NAME:WxH:BITS", part)
		}
		bits, err := strconv.Atoi(f[2])
		if err != nil || bits <= 0 {
			return nil, fmt.Errorf("-variants: bad bit rate in %q", part)
		}
		out = append(out, hlstest.VariantConfig{Name: f[0], Resolution: f[1], Bandwidth: bits})
	}
	return out, nil
}

// childConfig is what the parent tells a child, as JSON in its arguments.
type childConfig struct {
	Base       string    // origin URL
	Channels   []string  // channel names
	Variants   []string  // variant names
	Speed      float64   // clock factor
	Start      time.Time // the origin clock's reading at Real0
	Real0      time.Time // wall time of Start
	Duration   time.Duration
	Dir        string
	NoSync     bool
	PerHost    int
	CPUProfile string
	MemProfile string
}

// report is what a child prints on stdout when it is done.
type report struct {
	Stored      int64         // segments stored whole
	Partial     int64         // stored as partial
	Dropped     int64         // dropped at the stop
	GiveUps     int64         // given up (gone from the origin)
	Gaps        int64         // media sequence numbers never listed
	Attempts    int64         // download attempts
	Retries     int64         // of those, after the first (soft timeouts, failures)
	Failed      int64         // baseline: fetches or writes that failed
	Wall        time.Duration // from start to the end of the stop
	StopLatency time.Duration // from the stop to Run's return
}

// result is a finished run, as the parent saw it.
type result struct {
	name      string
	rep       report
	published int // segments the origin published during the run
	listed    int // of those, listed by some playlist fetch
	stored    int // of those, stored byte-exact (checked)
	cpu       time.Duration
	maxRSS    int64         // bytes
	originCPU time.Duration // this process (the origin) during the run
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, self []string) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if self == nil {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		self = []string{exe}
	}
	vcs, _ := parseVariants(o.variants)
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "airkeep-load-*"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	channels := make([]string, o.channels)
	for i := range channels {
		channels[i] = "ch" + strconv.Itoa(i+1)
	}
	var names []string
	for _, v := range vcs {
		names = append(names, v.Name)
	}

	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := hlstest.NewScaledClock(start, o.speed)
	real0 := time.Now()
	pub := &publications{}
	origin, err := hlstest.New(hlstest.Config{
		Channels: channels, Variants: vcs, Clock: clock, Window: 10, Start: start,
		OnPublish: pub.add,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: origin.Handler(), ReadHeaderTimeout: 10 * time.Second}
	octx, stopOrigin := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	go func() { defer wg.Done(); _ = origin.Run(octx) }()
	defer func() { stopOrigin(); srv.Close(); wg.Wait() }()

	load := loadAverage()
	fmt.Fprintf(stdout, "load: %d channels × %d variants (%d variants), %g× clock, %v of stream (%v wall) per run, per-host %d, fsync %v, %s\n",
		o.channels, len(vcs), o.channels*len(vcs), o.speed, o.duration, time.Duration(float64(o.duration)/o.speed).Round(time.Millisecond), o.perHost, !o.noSync, dir)
	fmt.Fprintf(stdout, "machine: %d CPUs, load average before %s\n", runtime.NumCPU(), load)
	fmt.Fprintf(stdout, "%-9s %9s %9s %9s %7s %8s %8s %9s %10s %11s %8s\n",
		"run", "published", "listed", "stored", "missed", "dropped", "given-up", "segs/s", "cpu-s/1k", "rss/var-KB", "stop-ms")
	var results []result
	for _, role := range []string{"capture", "baseline"} {
		if o.only != "" && o.only != role {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rdir := filepath.Join(dir, role)
		cc := childConfig{
			Base: "http://" + ln.Addr().String(), Channels: channels, Variants: names, Speed: o.speed,
			Start: clock.Now(), Real0: time.Now(), Duration: o.duration, Dir: rdir, NoSync: o.noSync, PerHost: o.perHost,
		}
		if role == "capture" {
			cc.CPUProfile = o.cpuProfile
			cc.MemProfile = o.memProfile
		}
		_ = real0
		res, err := runChild(ctx, self, role, cc, pub, origin)
		if err != nil {
			return fmt.Errorf("%s run: %w", role, err)
		}
		if role == "capture" {
			store, err := archive.NewDirStore(archive.DirConfig{Root: rdir, CacheHours: -1})
			if err != nil {
				return err
			}
			for _, ch := range channels {
				pubs := pub.between(ch, cc.Start, cc.Start.Add(o.duration), origin)
				cr, err := hlstest.Check(ctx, store, ch, ch, pubs)
				if err != nil {
					return err
				}
				res.stored += cr.Stored
			}
		} else {
			res.stored = int(res.rep.Stored)
		}
		perVar := res.maxRSS / int64(o.channels*len(vcs))
		rate := float64(res.stored) / res.rep.Wall.Seconds()
		cpuK := 0.0
		if res.stored > 0 {
			cpuK = res.cpu.Seconds() / float64(res.stored) * 1000
		}
		fmt.Fprintf(stdout, "%-9s %9d %9d %9d %7d %8d %8d %9.0f %10.3f %11d %8d\n",
			role, res.published, res.listed, res.stored, res.listed-res.stored, res.rep.Dropped, res.rep.GiveUps,
			rate, cpuK, perVar/1024, res.rep.StopLatency.Milliseconds())
		if res.rep.Failed > 0 || res.rep.Partial > 0 || int64(res.stored) != res.rep.Stored {
			fmt.Fprintf(stdout, "%-9s counted stored %d (the first playlist's older segments too), partial %d, failed fetches %d\n", "", res.rep.Stored, res.rep.Partial, res.rep.Failed)
		}
		fmt.Fprintf(stdout, "%-9s the origin used %.1f cpu-s (%.2f cores) serving this run\n", "", res.originCPU.Seconds(), res.originCPU.Seconds()/res.rep.Wall.Seconds())
		if res.rep.Attempts > 0 {
			fmt.Fprintf(stdout, "%-9s %d download attempts, %d of them retries or parallel attempts after a soft timeout; %d gaps (sequence numbers never listed)\n", "", res.rep.Attempts, res.rep.Retries, res.rep.Gaps)
		}
		os.RemoveAll(rdir)
		results = append(results, res)
	}
	fmt.Fprintf(stdout, "machine: load average after %s\n", loadAverage())
	if len(results) == 2 {
		c, b := results[0], results[1]
		ratio := func(x, y float64) string {
			if y == 0 {
				return "n/a"
			}
			return fmt.Sprintf("%.2f", x/y)
		}
		perK := func(r result) float64 { return r.cpu.Seconds() / float64(max(r.stored, 1)) }
		fmt.Fprintf(stdout, "capture/baseline: cpu per segment %s×, peak RSS %s×, segments/s %s×\n",
			ratio(perK(c), perK(b)), ratio(float64(c.maxRSS), float64(b.maxRSS)),
			ratio(float64(c.stored)/c.rep.Wall.Seconds(), float64(b.stored)/b.rep.Wall.Seconds()))
	}
	return nil
}

// runChild runs one measurement in a child process and waits for it.
func runChild(ctx context.Context, self []string, role string, cc childConfig, pub *publications, origin *hlstest.Origin) (result, error) {
	res := result{name: role}
	arg, err := json.Marshal(cc)
	if err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, self[0], append(self[1:], string(arg))...)
	cmd.Env = append(os.Environ(), roleEnv+"="+role)
	cmd.Stderr = os.Stderr
	var out strings.Builder
	cmd.Stdout = &out
	var feed io.WriteCloser
	if role == "baseline" {
		if feed, err = cmd.StdinPipe(); err != nil {
			return res, err
		}
	}
	before := selfCPU()
	if err := cmd.Start(); err != nil {
		return res, err
	}
	if feed != nil {
		// The baseline fetches what the origin publishes, as it is published.
		stop := pub.follow(func(p hlstest.Published) {
			if !p.Start.Before(cc.Start) && p.Start.Before(cc.Start.Add(cc.Duration)) {
				fmt.Fprintln(feed, p.Path)
			}
		})
		defer stop()
		go func() {
			// The origin publishes as its clock passes each segment's end,
			// late when it lacks CPU: the feed ends once it has published
			// past the window (or 10 windows later).
			wall := time.Duration(float64(cc.Duration) / cc.Speed)
			<-time.After(wall)
			for give := time.Now().Add(10 * wall); !pub.reached(cc.Start.Add(cc.Duration)) && time.Now().Before(give); {
				time.Sleep(100 * time.Millisecond)
			}
			stop()
			feed.Close()
		}()
	}
	if err := cmd.Wait(); err != nil {
		return res, err
	}
	res.originCPU = selfCPU() - before
	if err := json.Unmarshal([]byte(out.String()), &res.rep); err != nil {
		return res, fmt.Errorf("child report %q: %w", out.String(), err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ok {
		res.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		res.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	for _, ch := range cc.Channels {
		ps := pub.between(ch, cc.Start, cc.Start.Add(cc.Duration), nil)
		res.published += len(ps)
		if role == "capture" {
			res.listed += len(pub.between(ch, cc.Start, cc.Start.Add(cc.Duration), origin))
		}
	}
	if role == "baseline" {
		res.listed = res.published
	}
	return res, nil
}

// publications keeps what the origin published, by channel.
type publications struct {
	mu       sync.Mutex
	byCh     map[string][]hlstest.Published
	watchers map[int]func(hlstest.Published)
	next     int
	last     time.Time // start of the latest publication
}

func (p *publications) add(pb hlstest.Published) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byCh == nil {
		p.byCh = make(map[string][]hlstest.Published)
	}
	p.byCh[pb.Channel] = append(p.byCh[pb.Channel], pb)
	if pb.Start.After(p.last) {
		p.last = pb.Start
	}
	for _, w := range p.watchers {
		w(pb)
	}
}

// reached reports whether a segment starting at t or later was published.
func (p *publications) reached(t time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.last.Before(t)
}

// follow calls f for every later publication until the returned stop.
func (p *publications) follow(f func(hlstest.Published)) (stop func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.watchers == nil {
		p.watchers = make(map[int]func(hlstest.Published))
	}
	id := p.next
	p.next++
	p.watchers[id] = f
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.watchers, id)
	}
}

// between returns a channel's segments starting in [from, to), those some
// playlist listed when origin is set.
func (p *publications) between(ch string, from, to time.Time, origin *hlstest.Origin) []hlstest.Published {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []hlstest.Published
	for _, pb := range p.byCh[ch] {
		if pb.Start.Before(from) || !pb.Start.Before(to) {
			continue
		}
		if origin != nil && !origin.Listed(pb) {
			continue
		}
		out = append(out, pb)
	}
	return out
}

// selfCPU returns the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage returns /proc/loadavg's first three fields, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// child runs one measurement and prints its report as JSON.
func child(ctx context.Context, role string, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{errors.New("a child takes its configuration as one argument")}
	}
	var cc childConfig
	if err := json.Unmarshal([]byte(args[0]), &cc); err != nil {
		return usageError{err}
	}
	var rep report
	var err error
	switch role {
	case "capture":
		rep, err = runCapture(ctx, cc)
	case "baseline":
		rep, err = runBaseline(ctx, cc, stdin)
	default:
		return usageError{fmt.Errorf("unknown role %q", role)}
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(rep)
}

// runBaseline fetches every path read from stdin: GET, SHA-256, write.
func runBaseline(ctx context.Context, cc childConfig, stdin io.Reader) (report, error) {
	var rep report
	if err := os.MkdirAll(cc.Dir, 0o755); err != nil {
		return rep, err
	}
	client := hls.DefaultHTTPClient(cc.PerHost)
	defer client.CloseIdleConnections()
	paths := make(chan string, 1<<16)
	var stored, failed atomic.Int64
	began := time.Now()
	var wg sync.WaitGroup
	for range cc.PerHost {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for p := range paths {
				if err := fetchOne(ctx, client, cc, p, buf); err != nil {
					failed.Add(1)
					continue
				}
				stored.Add(1)
			}
		}()
	}
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		paths <- sc.Text()
	}
	close(paths)
	wg.Wait()
	rep.Wall = time.Since(began)
	rep.Stored, rep.Failed = stored.Load(), failed.Load()
	return rep, sc.Err()
}

func fetchOne(ctx context.Context, client *http.Client, cc childConfig, path string, buf []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cc.Base+path, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	f, err := os.CreateTemp(cc.Dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(f, h), resp.Body, buf); err != nil {
		f.Close()
		return err
	}
	if !cc.NoSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(cc.Dir, hex.EncodeToString(h.Sum(nil))+".ts"))
}
