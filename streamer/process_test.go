package streamer

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
)

func TestRestartPolicy(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type crash struct {
		at, started time.Duration // since t0
		delay       time.Duration
		ok          bool
	}
	tests := []struct {
		name    string
		budget  int
		window  time.Duration
		crashes []crash
	}{
		{name: "backoff doubles up to max", budget: 10, window: time.Hour, crashes: []crash{
			{at: 5 * time.Second, delay: time.Second, ok: true},
			{at: 10 * time.Second, started: 6 * time.Second, delay: 2 * time.Second, ok: true},
			{at: 15 * time.Second, started: 12 * time.Second, delay: 4 * time.Second, ok: true},
			{at: 25 * time.Second, started: 19 * time.Second, delay: 8 * time.Second, ok: true},
			{at: 40 * time.Second, started: 33 * time.Second, delay: 8 * time.Second, ok: true},
		}},
		{name: "a stable run resets the backoff", budget: 10, window: time.Hour, crashes: []crash{
			{at: 5 * time.Second, delay: time.Second, ok: true},
			{at: 10 * time.Second, started: 6 * time.Second, delay: 2 * time.Second, ok: true},
			{at: 2 * time.Hour, started: 12 * time.Second, delay: time.Second, ok: true},
		}},
		{name: "budget spent within the window", budget: 2, window: time.Minute, crashes: []crash{
			{at: 5 * time.Second, delay: time.Second, ok: true},
			{at: 10 * time.Second, started: 6 * time.Second, delay: 2 * time.Second, ok: true},
			{at: 20 * time.Second, started: 12 * time.Second, ok: false},
		}},
		{name: "old restarts leave the window", budget: 2, window: time.Minute, crashes: []crash{
			{at: 5 * time.Second, delay: time.Second, ok: true},
			{at: 10 * time.Second, started: 6 * time.Second, delay: 2 * time.Second, ok: true},
			{at: 70 * time.Second, started: 12 * time.Second, delay: 4 * time.Second, ok: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newRestartPolicy(time.Second, 8*time.Second, tt.budget, tt.window)
			for i, c := range tt.crashes {
				delay, ok := p.crashed(t0.Add(c.at), t0.Add(c.started))
				require.Equal(t, c.ok, ok, "crash %d", i)
				if ok {
					require.Equal(t, c.delay, delay, "crash %d", i)
				}
			}
		})
	}
}

// TestProcessRestart kills Liquidsoap with SIGKILL and watches the
// supervisor restart it, the controller report a new generation and empty
// queues, then spend its budget on the second kill. It also starts over a
// stale socket file, as left by a killed predecessor.
func TestProcessRestart(t *testing.T) {
	bin := needLiquidsoap(t)
	t.Parallel()
	st := testStation(t)
	// A stale socket: bound, then closed without unlinking.
	ln, err := net.Listen("unix", st.Socket)
	require.NoError(t, err)
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	require.NoError(t, ln.Close())
	_, err = os.Lstat(st.Socket)
	require.NoError(t, err)

	events := make(chan Event, 64)
	p, err := NewProcess(ProcessConfig{
		Station: st, Binary: bin, RestartMin: 10 * time.Millisecond, RestartMax: 50 * time.Millisecond,
		MaxRestarts: 1, OnEvent: func(e Event) { events <- e },
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	first := waitEvent(t, events, EventReady, 90*time.Second)
	require.Equal(t, 1, first.Start)
	ctl, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	defer ctl.Close()
	gen, err := ctl.Generation(ctx)
	require.NoError(t, err)
	require.NotZero(t, gen)
	// Another controller, as a restarted monitor would make, agrees.
	again, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	defer again.Close()
	same, err := again.Generation(ctx)
	require.NoError(t, err)
	require.Equal(t, gen, same)
	jingle := filepath.Join(filepath.Dir(st.Socket), "j.wav")
	writeWAV(t, jingle, 30*time.Second, 500)
	require.NoError(t, ctl.Push(ctx, jingle, jingle))

	require.NoError(t, syscall.Kill(first.PID, syscall.SIGKILL))
	exit := waitEvent(t, events, EventExit, 30*time.Second)
	var pe *ProcessError
	require.ErrorAs(t, exit.Err, &pe)
	require.Equal(t, "run", pe.Op)
	require.Equal(t, -1, pe.Code) // killed by a signal
	restart := waitEvent(t, events, EventRestart, 10*time.Second)
	require.Equal(t, 10*time.Millisecond, restart.Delay)
	second := waitEvent(t, events, EventReady, 90*time.Second)
	require.Equal(t, 2, second.Start)
	require.NotEqual(t, first.PID, second.PID)
	require.Equal(t, second.PID, p.PID())
	require.Equal(t, StateReady, p.State())
	require.Equal(t, 2, p.Starts())

	eventually(t, 10*time.Second, func() bool {
		now, err := ctl.Generation(ctx)
		return err == nil && now != 0 && now != gen
	}, "generation did not change after the restart")
	q, err := ctl.DealerQueue(ctx)
	require.NoError(t, err)
	require.Empty(t, q, "a restarted Liquidsoap has lost its queue")

	// MaxRestarts is 1: the next crash ends Run.
	require.NoError(t, syscall.Kill(second.PID, syscall.SIGKILL))
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrRestartBudget)
		require.ErrorAs(t, err, &pe)
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not give up")
	}
	require.Equal(t, StateStopped, p.State())
	require.ErrorIs(t, syscall.Kill(first.PID, 0), syscall.ESRCH)
	require.ErrorIs(t, syscall.Kill(second.PID, 0), syscall.ESRCH)
	_, err = ctl.Generation(ctx)
	require.ErrorIs(t, err, ErrUnavailable)
	require.ErrorIs(t, p.Run(ctx), ErrAlreadyRunning)
}

// TestProcessStartFailures: what stops Liquidsoap from starting reaches the
// caller as a *ProcessError carrying its own words, without hanging.
func TestProcessStartFailures(t *testing.T) {
	bin := needLiquidsoap(t)
	tests := []struct {
		name   string
		cfg    func(dir string) ProcessConfig
		code   int
		output string
		is     error
	}{
		{
			name: "missing binary",
			cfg: func(dir string) ProcessConfig {
				return ProcessConfig{Binary: filepath.Join(dir, "no-liquidsoap"), Script: "x", Socket: dir + "/s.sock"}
			},
			code: -1, is: fs.ErrNotExist,
		},
		{
			name: "script rejected",
			cfg: func(dir string) ProcessConfig {
				return ProcessConfig{Binary: bin, Script: "settings.log.stdout := true\n", Socket: dir + "/s.sock"}
			},
			code: 1, output: "line 1",
		},
		{
			name: "no output",
			cfg: func(dir string) ProcessConfig {
				return ProcessConfig{Binary: bin, Script: "settings.init.allow_root.set(true)\n", Socket: dir + "/s.sock"}
			},
			code: 1, output: "No output defined",
		},
		{
			name: "exits at once with code 0",
			cfg: func(dir string) ProcessConfig {
				return ProcessConfig{Binary: "/bin/true", Script: "x", Socket: dir + "/s.sock"}
			},
			code: 0,
		},
	}
	if os.Geteuid() == 0 {
		tests = append(tests, struct {
			name   string
			cfg    func(dir string) ProcessConfig
			code   int
			output string
			is     error
		}{
			name: "root without AllowRoot",
			cfg: func(dir string) ProcessConfig {
				return ProcessConfig{Binary: bin, Station: &Station{Name: "x", Socket: dir + "/s.sock", Dummy: true}}
			},
			code: 255, output: "allow_root",
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg(shortDir(t))
			// What is tested is how a start fails, not how fast: on a
			// loaded machine Liquidsoap can take over a minute to load its
			// library before it refuses the script, so the readiness
			// bound (60s by default) must not be what ends the run.
			cfg.ReadyTimeout = 4 * time.Minute
			p, err := NewProcess(cfg)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			err = p.Run(ctx)
			var pe *ProcessError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "start", pe.Op)
			require.Equal(t, tt.code, pe.Code)
			require.Contains(t, pe.Output, tt.output)
			require.Contains(t, err.Error(), tt.output)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
			require.NoError(t, ctx.Err(), "Run hung")
			require.Equal(t, StateStopped, p.State())
		})
	}
}

func TestProcessSocketInUse(t *testing.T) {
	t.Parallel()
	dir := shortDir(t)
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer ln.Close()
	p, err := NewProcess(ProcessConfig{Binary: "/bin/true", Script: "x", Socket: sock})
	require.NoError(t, err)
	require.ErrorIs(t, p.Run(t.Context()), ErrSocketInUse)
	require.Zero(t, p.Starts(), "nothing started")

	// Another supervisor holds the lock: refused before anything else.
	unlock, err := lockFile(filepath.Join(dir, "t.sock.lock"))
	require.NoError(t, err)
	defer unlock()
	p, err = NewProcess(ProcessConfig{Binary: "/bin/true", Script: "x", Socket: filepath.Join(dir, "t.sock")})
	require.NoError(t, err)
	require.ErrorIs(t, p.Run(t.Context()), ErrSocketInUse)
	require.Zero(t, p.Starts())
}

// TestProcessReadyTimeout: a process that never opens its server is killed
// after ReadyTimeout (a shell stands in for a Liquidsoap stuck at start).
func TestProcessReadyTimeout(t *testing.T) {
	t.Parallel()
	dir := shortDir(t)
	script := filepath.Join(dir, "stuck.sh")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho starting\nexec sleep 600\n"), 0o755))
	var pid int
	p, err := NewProcess(ProcessConfig{
		Binary: script, Script: "x", Socket: filepath.Join(dir, "s.sock"), ReadyTimeout: 300 * time.Millisecond,
		OnEvent: func(e Event) {
			if e.Kind == EventStart {
				pid = e.PID
			}
		},
	})
	require.NoError(t, err)
	err = p.Run(t.Context())
	var pe *ProcessError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "ready", pe.Op)
	require.ErrorIs(t, err, ErrTimeout)
	require.Contains(t, pe.Output, "starting")
	require.NotZero(t, pid)
	require.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "stuck process left behind")
}

// TestProcessStopEscalates: a process that ignores SIGTERM is killed once
// StopGrace has passed on the clock.
func TestProcessStopEscalates(t *testing.T) {
	clock := airkeep.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p, err := NewProcess(ProcessConfig{Binary: "/bin/sh", Script: "x", Socket: "/unused.sock", StopGrace: 5 * time.Second, Clock: clock})
	require.NoError(t, err)
	cmd := exec.Command("/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 600")
	cmd.SysProcAttr = sysProcAttr()
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	buf := make([]byte, 6)
	_, err = out.Read(buf) // the trap is set
	require.NoError(t, err)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stopped := make(chan struct{})
	go func() {
		p.stop(cmd.Process.Pid, exited, p.log)
		close(stopped)
	}()
	clock.BlockUntil(1) // the grace timer
	require.Equal(t, StateStopping, p.State())
	require.NoError(t, syscall.Kill(cmd.Process.Pid, 0), "gone before the grace period")
	select {
	case <-stopped:
		t.Fatal("stop returned before the grace period")
	default:
	}
	clock.Advance(5 * time.Second)
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("SIGKILL not sent after the grace period")
	}
	require.ErrorIs(t, syscall.Kill(cmd.Process.Pid, 0), syscall.ESRCH)
}

func TestNewProcessConfig(t *testing.T) {
	for _, tt := range []struct {
		cfg   ProcessConfig
		field string
	}{
		{cfg: ProcessConfig{}, field: "Station"},
		{cfg: ProcessConfig{Script: "x"}, field: "Socket"},
		{cfg: ProcessConfig{Script: "x", Station: &Station{}}, field: "Script"},
		{cfg: ProcessConfig{Station: &Station{Name: "x"}}, field: "Socket"},
		{cfg: ProcessConfig{Script: "x", Socket: "/s", Env: []string{"NOEQUALS"}}, field: "Env"},
		{cfg: ProcessConfig{Script: "x", Socket: "/s", StopGrace: -1}, field: "StopGrace"},
		{cfg: ProcessConfig{Script: "x", Socket: "/s", RestartMin: time.Minute, RestartMax: time.Second}, field: "RestartMax"},
	} {
		_, err := NewProcess(tt.cfg)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, "%+v", tt.cfg)
		require.Equal(t, tt.field, ce.Field)
	}
	require.False(t, errors.Is(nil, ErrSocketInUse))
}
