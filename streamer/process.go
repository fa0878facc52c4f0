//go:build unix

package streamer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/airkeep/airkeep/internal/atomicfile"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/airkeep/airkeep"
)

var (
	// ErrRestartBudget is returned by Process.Run when Liquidsoap crashed
	// more often than ProcessConfig.MaxRestarts allows; it wraps the last
	// crash.
	ErrRestartBudget = errors.New("streamer: restart budget spent")
	// ErrSocketInUse is returned by Process.Run when a server already
	// answers on the station's socket: a second Liquidsoap would silently
	// take the socket over from the first.
	ErrSocketInUse = errors.New("streamer: another server answers on the socket")
	// ErrAlreadyRunning is returned by a second call to Process.Run.
	ErrAlreadyRunning = errors.New("streamer: process already run")
)

// ProcessConfig configures a Process. Station, or Script with Socket or
// Telnet, is required; every other field has a documented zero-value
// default.
type ProcessConfig struct {
	// Station renders the script to run, and says where its server
	// listens and which directories its outputs need.
	Station *Station
	// Script is a hand-written script to run instead of Station's; Socket
	// or Telnet must then say where its command server listens.
	Script         string
	Socket, Telnet string
	// Binary is the liquidsoap executable. "" means "liquidsoap" looked up
	// in PATH.
	Binary string
	// Dir is where the script is written (as station.liq). "" means a
	// temporary directory removed when Run returns.
	Dir string
	// Env is added to Liquidsoap's environment (for example TZ, which sets
	// the zone of its log and on_air times), after the station's secrets.
	Env []string
	// ReadyTimeout bounds the wait for the server to answer after a
	// start. Liquidsoap 2.1 needs about 2s on an idle machine, several
	// times that on a loaded one. 0 means 60s.
	ReadyTimeout time.Duration
	// StopGrace is how long Liquidsoap has to exit after SIGTERM before it
	// is killed. 0 means 10s.
	StopGrace time.Duration
	// RestartMin and RestartMax bound the exponential backoff before a
	// restart after a crash; a run longer than a minute resets it. 0
	// means 1s and 1m.
	RestartMin, RestartMax time.Duration
	// MaxRestarts is how many restarts RestartWindow may hold before Run
	// gives up with ErrRestartBudget. 0 means 5; negative means no limit.
	MaxRestarts int
	// RestartWindow is the sliding window of MaxRestarts. 0 means 10m.
	RestartWindow time.Duration
	// OnEvent, when set, is called on every start, readiness, crash,
	// restart and stop, from Run's goroutine. It must return quickly and
	// must not call Run.
	OnEvent func(Event)
	// Clock drives backoff, the restart budget and the timeouts. nil means
	// airkeep.SystemClock().
	Clock airkeep.Clock
	// Logger receives the supervisor's events and every line Liquidsoap
	// prints (its level mapped: 1 error, 2 warn, 3 info, 4-5 debug).
	// nil means discard.
	Logger *slog.Logger
}

// State is where a Process is in its life.
type State int32

// States of a Process.
const (
	StateIdle     State = iota // Run not called yet
	StateStarting              // started, waiting for the server to answer
	StateReady                 // the server answers
	StateBackoff               // crashed, waiting before the restart
	StateStopping              // stopping on request
	StateStopped               // Run returned
)

func (s State) String() string {
	switch s {
	case StateIdle:
		return "idle"
	case StateStarting:
		return "starting"
	case StateReady:
		return "ready"
	case StateBackoff:
		return "backoff"
	case StateStopping:
		return "stopping"
	case StateStopped:
		return "stopped"
	}
	return fmt.Sprintf("State(%d)", int32(s))
}

// EventKind says what an Event reports.
type EventKind int

// Kinds of Event.
const (
	EventStart   EventKind = iota + 1 // a process was started (PID is set)
	EventReady                        // its server answered
	EventExit                         // it exited without being asked to (Err says how)
	EventRestart                      // the next start comes after Delay
	EventStop                         // it was stopped on request
)

func (k EventKind) String() string {
	switch k {
	case EventStart:
		return "start"
	case EventReady:
		return "ready"
	case EventExit:
		return "exit"
	case EventRestart:
		return "restart"
	case EventStop:
		return "stop"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event reports a change in a Process's life to ProcessConfig.OnEvent.
type Event struct {
	Kind  EventKind
	Time  time.Time
	PID   int           // the process concerned; 0 for EventRestart
	Start int           // 1 for the first start, 2 after the first restart, …
	Delay time.Duration // EventRestart: wait before the next start
	Err   error         // EventExit: a *ProcessError
}

// ProcessError reports a Liquidsoap process that failed: it could not be
// started, exited before its server answered (Op "start": a script error,
// running as root without AllowRoot, a port in use), did not answer in
// time (Op "ready"), or exited while running (Op "run"). Output holds the
// last lines it printed, which say why.
type ProcessError struct {
	Op     string
	PID    int
	Code   int // exit code, or -1 when killed by a signal or not exited
	Output string
	Err    error
}

func (e *ProcessError) Error() string {
	msg := fmt.Sprintf("streamer: liquidsoap %s", e.Op)
	if e.PID != 0 {
		msg += fmt.Sprintf(" (pid %d)", e.PID)
	}
	msg += ": " + e.Err.Error()
	if e.Output != "" {
		msg += "\n" + e.Output
	}
	return msg
}

func (e *ProcessError) Unwrap() error { return e.Err }

// Process supervises one Liquidsoap process: it writes the script, starts
// Liquidsoap in its own process group, forwards its output to the logger,
// waits until its server answers, restarts it after a crash (with backoff
// and a budget), and on cancellation stops it with SIGTERM, then SIGKILL
// after a grace period. The child also gets SIGKILL if the supervising
// thread dies, so no Liquidsoap outlives its supervisor.
type Process struct {
	cfg     ProcessConfig
	script  []byte
	env     []string
	dirs    []string
	hlsDir  string // playlists a dead process left are removed before a start
	clients ClientConfig
	clock   airkeep.Clock
	log     *slog.Logger
	tail    *outputTail

	ran    atomic.Bool
	state  atomic.Int32
	pid    atomic.Int64
	starts atomic.Int64
}

// NewProcess validates cfg (rendering the station's script) and returns a
// Process ready to Run. Errors are *ConfigError.
func NewProcess(cfg ProcessConfig) (*Process, error) {
	p := &Process{cfg: cfg, tail: &outputTail{max: 40}}
	switch {
	case cfg.Station != nil && cfg.Script != "":
		return nil, &ConfigError{Field: "Script", Reason: "set only one of Station and Script"}
	case cfg.Station != nil:
		script, err := cfg.Station.Script()
		if err != nil {
			return nil, err
		}
		p.script = script
		p.env = cfg.Station.Env()
		p.dirs = cfg.Station.Dirs()
		if cfg.Station.HLS != nil {
			p.hlsDir = cfg.Station.HLS.Dir
		}
		p.clients = cfg.Station.ClientConfig()
	case cfg.Script != "":
		p.script = []byte(cfg.Script)
		p.clients = ClientConfig{Socket: cfg.Socket, Telnet: cfg.Telnet}
		if cfg.Socket == "" && cfg.Telnet == "" {
			return nil, &ConfigError{Field: "Socket", Reason: "with Script, one of Socket and Telnet is required"}
		}
	default:
		return nil, &ConfigError{Field: "Station", Reason: "one of Station and Script is required"}
	}
	// Check the address now rather than at the first start.
	if _, err := NewClient(p.clients); err != nil {
		return nil, err
	}
	for _, e := range cfg.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return nil, &ConfigError{Field: "Env", Value: e, Reason: "want NAME=value"}
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ReadyTimeout", cfg.ReadyTimeout}, {"StopGrace", cfg.StopGrace}, {"RestartMin", cfg.RestartMin}, {"RestartMax", cfg.RestartMax}, {"RestartWindow", cfg.RestartWindow}} {
		if d.v < 0 {
			return nil, &ConfigError{Field: d.name, Value: d.v.String(), Reason: "negative"}
		}
	}
	p.cfg.ReadyTimeout = orDefault(cfg.ReadyTimeout, 60*time.Second)
	p.cfg.StopGrace = orDefault(cfg.StopGrace, 10*time.Second)
	p.cfg.RestartMin = orDefault(cfg.RestartMin, time.Second)
	p.cfg.RestartMax = orDefault(cfg.RestartMax, time.Minute)
	p.cfg.RestartWindow = orDefault(cfg.RestartWindow, 10*time.Minute)
	if p.cfg.RestartMax < p.cfg.RestartMin {
		return nil, &ConfigError{Field: "RestartMax", Value: cfg.RestartMax.String(), Reason: "below RestartMin"}
	}
	if cfg.MaxRestarts == 0 {
		p.cfg.MaxRestarts = 5
	}
	if cfg.Binary == "" {
		p.cfg.Binary = "liquidsoap"
	}
	p.clock = airkeep.OrSystem(cfg.Clock)
	p.log = orDiscard(cfg.Logger)
	return p, nil
}

// State returns where the process is in its life.
func (p *Process) State() State { return State(p.state.Load()) }

// PID returns the pid of the running Liquidsoap, or 0.
func (p *Process) PID() int { return int(p.pid.Load()) }

// Starts returns how many times Liquidsoap was started.
func (p *Process) Starts() int { return int(p.starts.Load()) }

// Script returns a copy of the script the process runs.
func (p *Process) Script() []byte { return bytes.Clone(p.script) }

// clearHLSPlaylists removes the HLS playlists a previous process left: a
// killed Liquidsoap leaves them behind, and a recorder reading them would
// take a dead stream for a live one until the new process rewrites them.
// Segments stay; their names never repeat across processes.
func (p *Process) clearHLSPlaylists() {
	if p.hlsDir == "" {
		return
	}
	stale, _ := filepath.Glob(filepath.Join(p.hlsDir, "*.m3u8"))
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			p.log.Warn("cannot remove a stale HLS playlist", "path", f, "err", err)
		}
	}
}

// Run supervises Liquidsoap until ctx ends (then it stops the process and
// returns nil) or a failure it cannot recover from: the first start fails
// (a *ProcessError with Liquidsoap's own message: the script error, the
// port in use), the restart budget is spent (ErrRestartBudget), another
// server holds the socket (ErrSocketInUse). It returns only when the
// process has exited. Run may be called once.
func (p *Process) Run(ctx context.Context) (err error) {
	if !p.ran.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer p.state.Store(int32(StateStopped))

	binary, err := exec.LookPath(p.cfg.Binary)
	if err != nil {
		return &ProcessError{Op: "start", Code: -1, Err: err}
	}
	dir := p.cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "airkeep-liquidsoap-"); err != nil {
			return fmt.Errorf("streamer: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	script := filepath.Join(dir, "station.liq")
	if err := atomicfile.WriteFile(script, p.script, 0o600); err != nil {
		return fmt.Errorf("streamer: %w", err)
	}
	for _, d := range p.dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("streamer: output directory: %w", err)
		}
	}
	if p.clients.Socket != "" {
		unlock, err := lockFile(p.clients.Socket + ".lock")
		if err != nil {
			return err
		}
		defer unlock()
	}

	budget := p.cfg.MaxRestarts
	if budget < 0 {
		budget = math.MaxInt
	}
	policy := newRestartPolicy(p.cfg.RestartMin, p.cfg.RestartMax, budget, p.cfg.RestartWindow)
	everReady := false
	for {
		started := p.clock.Now()
		ready, err := p.runOnce(ctx, binary, script)
		everReady = everReady || ready
		if ctx.Err() != nil {
			return nil
		}
		if !everReady || errors.Is(err, ErrSocketInUse) {
			return err
		}
		p.emit(Event{Kind: EventExit, Err: err})
		delay, ok := policy.crashed(p.clock.Now(), started)
		if !ok {
			// Returned, so not logged: the caller reports it.
			return fmt.Errorf("%w: %d restarts within %s: %w", ErrRestartBudget, p.cfg.MaxRestarts, p.cfg.RestartWindow, err)
		}
		// Handled here by a restart, so logged here.
		p.log.Error("liquidsoap exited", "err", err)
		p.state.Store(int32(StateBackoff))
		p.emit(Event{Kind: EventRestart, Delay: delay})
		p.log.Info("restarting liquidsoap", "delay", delay)
		if airkeep.Sleep(ctx, p.clock, delay) != nil {
			return nil
		}
	}
}

// runOnce starts Liquidsoap, waits for readiness, then for its exit or ctx.
// ready reports whether the server answered.
func (p *Process) runOnce(ctx context.Context, binary, script string) (ready bool, err error) {
	if err := p.clearSocket(ctx); err != nil {
		return false, err
	}
	p.clearHLSPlaylists()
	p.tail.reset()
	n := int(p.starts.Add(1))
	cmd := exec.Command(binary, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(append(os.Environ(), p.env...), p.cfg.Env...)
	cmd.SysProcAttr = sysProcAttr()
	log := p.log.With("start", n)
	stdout := &lineWriter{log: log, tail: p.tail}
	stderr := &lineWriter{log: log, tail: p.tail, stderr: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A grandchild keeping the pipes open must not keep Wait forever.
	cmd.WaitDelay = p.cfg.StopGrace
	p.state.Store(int32(StateStarting))
	if err := cmd.Start(); err != nil {
		return false, &ProcessError{Op: "start", Code: -1, Err: err}
	}
	pid := cmd.Process.Pid
	p.pid.Store(int64(pid))
	defer p.pid.Store(0)
	log = log.With("pid", pid)
	log.Info("liquidsoap started", "binary", binary)
	p.emit(Event{Kind: EventStart, PID: pid, Start: n})

	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		stdout.flush()
		stderr.flush()
		// Children of Liquidsoap (process: protocol helpers) go with it.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		exited <- err
	}()

	werr, early, readyErr := p.waitReady(ctx, exited)
	switch {
	case early:
		return false, &ProcessError{Op: "start", PID: pid, Code: exitCode(werr), Output: p.tail.String(), Err: exitReason(werr)}
	case readyErr == nil:
		ready = true
		p.state.Store(int32(StateReady))
		log.Info("liquidsoap ready")
		p.emit(Event{Kind: EventReady, PID: pid, Start: n})
	case ctx.Err() != nil:
		p.stop(pid, exited, log)
		p.emit(Event{Kind: EventStop, PID: pid, Start: n})
		return false, nil
	default:
		p.stop(pid, exited, log)
		return false, &ProcessError{Op: "ready", PID: pid, Code: -1, Output: p.tail.String(), Err: readyErr}
	}

	select {
	case werr := <-exited:
		return true, &ProcessError{Op: "run", PID: pid, Code: exitCode(werr), Output: p.tail.String(), Err: exitReason(werr)}
	case <-ctx.Done():
		p.stop(pid, exited, log)
		p.emit(Event{Kind: EventStop, PID: pid, Start: n})
		return true, nil
	}
}

// waitReady polls the command server until it answers, the process exits
// (early is true and werr is Wait's result), ReadyTimeout passes or ctx
// ends. A socket file is no sign of readiness: a stale one stays after
// every kind of exit.
func (p *Process) waitReady(ctx context.Context, exited <-chan error) (werr error, early bool, err error) {
	const poll = 100 * time.Millisecond
	cfg := p.clients
	cfg.Timeout = time.Second
	cfg.RetryMin, cfg.RetryMax = poll, poll
	cfg.Clock = p.clock
	cfg.Logger = p.log
	client, err := NewClient(cfg)
	if err != nil {
		return nil, false, err
	}
	defer client.Close()
	deadline := p.clock.NewTimer(p.cfg.ReadyTimeout)
	defer deadline.Stop()
	tick := p.clock.NewTimer(0)
	defer tick.Stop()
	for {
		select {
		case werr := <-exited:
			return werr, true, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-deadline.C():
			return nil, false, fmt.Errorf("%w: no answer within %s", ErrTimeout, p.cfg.ReadyTimeout)
		case <-tick.C():
		}
		if client.Ping(ctx) == nil {
			return nil, false, nil
		}
		tick.Reset(poll)
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after StopGrace,
// and waits for the exit. Liquidsoap exits with code 1 (sometimes after a
// "PANIC" line) on SIGTERM; either way it is a normal stop.
func (p *Process) stop(pid int, exited <-chan error, log *slog.Logger) {
	p.state.Store(int32(StateStopping))
	log.Info("stopping liquidsoap")
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	grace := p.clock.NewTimer(p.cfg.StopGrace)
	defer grace.Stop()
	select {
	case <-exited:
		return
	case <-grace.C():
		log.Warn("liquidsoap ignored SIGTERM; killing it", "grace", p.cfg.StopGrace)
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	<-exited
}

// clearSocket removes a socket file left by a dead predecessor, and refuses
// to start when a live server answers on it.
func (p *Process) clearSocket(ctx context.Context) error {
	path := p.clients.Socket
	if path == "" {
		return nil
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("streamer: socket: %w", err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return &ConfigError{Field: "Socket", Value: path, Reason: "exists and is not a socket"}
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "unix", path)
	if err == nil {
		_ = conn.Close()
		return fmt.Errorf("%w: %s", ErrSocketInUse, path)
	}
	p.log.Info("removing stale socket", "path", path, "dial", err)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("streamer: stale socket: %w", err)
	}
	return nil
}

func (p *Process) emit(e Event) {
	if p.cfg.OnEvent == nil {
		return
	}
	e.Time = p.clock.Now()
	if e.Start == 0 {
		e.Start = p.Starts()
	}
	p.cfg.OnEvent(e)
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err == nil {
		return 0
	}
	return -1
}

// exitReason turns a Wait result into an error; exit code 0 before the
// server answered is still a failure (Liquidsoap exits 0 when the telnet
// port is in use).
func exitReason(err error) error {
	if err == nil {
		return errors.New("exited with code 0")
	}
	return err
}
