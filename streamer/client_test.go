package streamer

import (
	"bufio"
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
)

// fakeServer is an in-process stand-in for Liquidsoap's command server,
// used only for what the real binary cannot be made to do on demand:
// truncated, endless, slow, huge or garbage replies, silence, goodbyes.
type fakeServer struct {
	path  string
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	lines []string
	n     atomic.Int32 // connections accepted
}

// newFakeServer serves each connection with handle, which gets the server,
// the connection's index (0 for the first) and the connection.
func newFakeServer(t *testing.T, handle func(s *fakeServer, i int, c net.Conn, r *bufio.Reader)) *fakeServer {
	t.Helper()
	s := &fakeServer{path: filepath.Join(shortDir(t), "fake.sock")}
	ln, err := net.Listen("unix", s.path)
	require.NoError(t, err)
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(s.n.Add(1)) - 1
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(s, i, c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// readLine reads one command and records it.
func (s *fakeServer) readLine(r *bufio.Reader) (string, bool) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", false
	}
	line = strings.TrimSuffix(line, "\n")
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.mu.Unlock()
	return line, true
}

func (s *fakeServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// answer serves like Liquidsoap: the instance probe, then replies from the
// table (by command name) or "OK".
func (s *fakeServer) answer(replies map[string]string) func(int, net.Conn, *bufio.Reader) {
	return func(_ int, c net.Conn, r *bufio.Reader) {
		for {
			line, ok := s.readLine(r)
			if !ok {
				return
			}
			name, _, _ := strings.Cut(line, " ")
			reply, ok := replies[name]
			if !ok {
				reply = "OK"
			}
			if _, err := c.Write([]byte(reply + terminator)); err != nil {
				return
			}
		}
	}
}

var fakeInstance = map[string]string{"uptime": "0d 00h 00m 03s", "version": "Liquidsoap 2.1.3"}

func newTestClient(t *testing.T, cfg ClientConfig) *Client {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestClientBadReplies covers replies the real server never sends but a
// broken or hostile one could: each must give a clear error in bounded
// time.
func TestClientBadReplies(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(s *fakeServer) func(int, net.Conn, *bufio.Reader)
		maxRepl int
		want    error
	}{
		{name: "truncated reply", want: ErrConnLost, handle: func(s *fakeServer) func(int, net.Conn, *bufio.Reader) {
			return func(_ int, c net.Conn, r *bufio.Reader) {
				if _, ok := s.readLine(r); ok {
					_, _ = c.Write([]byte("Liquidsoap 2.1"))
				}
			}
		}},
		{name: "never ends", want: ErrTimeout, handle: func(s *fakeServer) func(int, net.Conn, *bufio.Reader) {
			return func(_ int, c net.Conn, r *bufio.Reader) {
				s.readLine(r)
				for {
					if _, err := c.Write([]byte("more\n")); err != nil {
						return
					}
					// Real time: the client's deadline is on the socket,
					// which the kernel times, so the server paces its
					// lines on the real clock to outlive it.
					time.Sleep(10 * time.Millisecond)
				}
			}
		}},
		{name: "gigantic", maxRepl: 64 << 10, want: ErrReplyTooLarge, handle: func(s *fakeServer) func(int, net.Conn, *bufio.Reader) {
			return func(_ int, c net.Conn, r *bufio.Reader) {
				s.readLine(r)
				chunk := []byte(strings.Repeat("x", 4096) + "\n")
				for i := 0; i < 1024; i++ {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}
		}},
		{name: "garbage then close", want: ErrConnLost, handle: func(s *fakeServer) func(int, net.Conn, *bufio.Reader) {
			return func(_ int, c net.Conn, r *bufio.Reader) {
				s.readLine(r)
				_, _ = c.Write([]byte("\x00\xff\r\nEN\x00D\r\r\n\x1b[2J"))
			}
		}},
		{name: "accepts and never answers", want: ErrTimeout, handle: func(s *fakeServer) func(int, net.Conn, *bufio.Reader) {
			return func(_ int, c net.Conn, r *bufio.Reader) {
				s.readLine(r)
				_, _ = r.ReadByte() // until the client gives up
			}
		}},
		{name: "quit goodbye", want: ErrConnLost, handle: func(s *fakeServer) func(int, net.Conn, *bufio.Reader) {
			return func(_ int, c net.Conn, r *bufio.Reader) {
				s.readLine(r)
				_, _ = c.Write([]byte("Bye!\r\n"))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, func(s *fakeServer, i int, c net.Conn, r *bufio.Reader) { tt.handle(s)(i, c, r) })
			c := newTestClient(t, ClientConfig{Socket: s.path, Timeout: 300 * time.Millisecond, MaxReply: tt.maxRepl})
			start := time.Now()
			_, err := c.Command(context.Background(), "version")
			require.ErrorIs(t, err, tt.want)
			// Bounded by the timeout, with room for a loaded machine.
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestClientSlowBytes(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, func(s *fakeServer, _ int, c net.Conn, r *bufio.Reader) {
		for {
			if _, ok := s.readLine(r); !ok {
				return
			}
			for _, b := range []byte("0d 00h 00m 03s" + terminator) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				// Real time: a pause between bytes is what splits the
				// reply across the client's reads on a socket.
				time.Sleep(2 * time.Millisecond)
			}
		}
	})
	c := newTestClient(t, ClientConfig{Socket: s.path})
	up, err := c.Uptime(context.Background())
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, up)
}

func TestClientNoServer(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, ClientConfig{Socket: filepath.Join(shortDir(t), "absent.sock")})
	_, err := c.Version(context.Background())
	require.ErrorIs(t, err, ErrUnavailable)
	require.ErrorIs(t, err, syscall.ENOENT)
	require.Equal(t, uint64(0), c.Generation())
}

// TestClientBackoff checks that after a failed dial the client does not
// dial again before the backoff has passed, on the fake clock.
func TestClientBackoff(t *testing.T) {
	clock := airkeep.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	path := filepath.Join(shortDir(t), "late.sock")
	c := newTestClient(t, ClientConfig{Socket: path, RetryMin: time.Second, RetryMax: 4 * time.Second, Clock: clock})
	ctx := context.Background()

	_, err := c.Version(ctx)
	require.ErrorIs(t, err, syscall.ENOENT)

	// The server comes up, but the client is backing off: it fails fast
	// without dialling.
	served := make(chan struct{}, 1)
	s := newFakeServer(t, func(s *fakeServer, _ int, c net.Conn, r *bufio.Reader) {
		served <- struct{}{}
		s.answer(fakeInstance)(0, c, r)
	})
	require.NoError(t, syscall.Rename(s.path, path))
	_, err = c.Version(ctx)
	require.ErrorIs(t, err, ErrUnavailable)
	require.Contains(t, err.Error(), "backing off")
	require.Empty(t, served)

	clock.Advance(2 * time.Second) // past RetryMin with its jitter
	v, err := c.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, "Liquidsoap 2.1.3", v)
	require.Len(t, served, 1)
	require.Equal(t, uint64(1), c.Generation())
}

// TestClientIdleGoodbye: Liquidsoap says goodbye to a connection idle for
// settings.server.timeout without reading what was sent; the client
// re-sends on a new connection, even a push, since it never ran.
func TestClientIdleGoodbye(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, i int, c net.Conn, r *bufio.Reader) {
		if i == 0 {
			s.readLine(r) // the instance probe
			_, _ = c.Write([]byte(fakeInstance["uptime"] + terminator))
			s.readLine(r)
			_, _ = c.Write([]byte("Connection timed out.. Bye!\r\n"))
			return
		}
		s.answer(map[string]string{"uptime": fakeInstance["uptime"], "dealer.push": "7"})(i, c, r)
	})
	c := newTestClient(t, ClientConfig{Socket: s.path})
	rid, err := c.Push(context.Background(), "dealer", "/a.wav")
	require.NoError(t, err)
	require.Equal(t, 7, rid)
	require.Equal(t, []string{"uptime", "dealer.push /a.wav", "uptime", "dealer.push /a.wav"}, s.received())
}

// TestClientDeadConnection: a server that closed the connection since the
// last command (it restarted) is noticed before sending, so a push is sent
// exactly once, on a new connection.
func TestClientDeadConnection(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, i int, c net.Conn, r *bufio.Reader) {
		if i == 0 {
			for k := 0; k < 2; k++ { // probe and one command, then hang up
				s.readLine(r)
				_, _ = c.Write([]byte(fakeInstance["uptime"] + terminator))
			}
			return
		}
		s.answer(map[string]string{"uptime": fakeInstance["uptime"], "dealer.push": "8"})(i, c, r)
	})
	c := newTestClient(t, ClientConfig{Socket: s.path})
	ctx := context.Background()
	_, err := c.Command(ctx, "uptime")
	require.NoError(t, err)
	// Wait until the server side has closed.
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.conn != nil && !connAlive(c.conn)
	}, 5*time.Second, 5*time.Millisecond)
	rid, err := c.Push(ctx, "dealer", "/b.wav")
	require.NoError(t, err)
	require.Equal(t, 8, rid)
	pushes := 0
	for _, l := range s.received() {
		if strings.HasPrefix(l, "dealer.push") {
			pushes++
		}
	}
	require.Equal(t, 1, pushes)
}

// TestClientGenerationFromUptime: without an instance command, a new
// connection is the same process when now-uptime matches, a new one when
// it does not.
func TestClientGenerationFromUptime(t *testing.T) {
	clock := airkeep.NewFakeClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	var uptime atomic.Value
	uptime.Store("0d 00h 10m 00s")
	s := newFakeServer(t, func(s *fakeServer, _ int, c net.Conn, r *bufio.Reader) {
		for {
			line, ok := s.readLine(r)
			if !ok {
				return
			}
			reply := "Liquidsoap 2.1.3"
			if line == "uptime" {
				reply = uptime.Load().(string)
			}
			if _, err := c.Write([]byte(reply + terminator)); err != nil {
				return
			}
		}
	})
	c := newTestClient(t, ClientConfig{Socket: s.path, Clock: clock, IdleTimeout: time.Minute})
	ctx := context.Background()
	require.NoError(t, c.Ping(ctx))
	require.Equal(t, uint64(1), c.Generation())

	// Idle past IdleTimeout: redial, same process (uptime grew with time).
	clock.Advance(2 * time.Minute)
	uptime.Store("0d 00h 12m 00s")
	require.NoError(t, c.Ping(ctx))
	require.Equal(t, uint64(1), c.Generation())
	require.Equal(t, int32(2), s.n.Load())

	// Redial finds a process up for 2s: a restart.
	clock.Advance(2 * time.Minute)
	uptime.Store("0d 00h 00m 02s")
	require.NoError(t, c.Ping(ctx))
	require.Equal(t, uint64(2), c.Generation())
}

func TestClientServerErrors(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, i int, c net.Conn, r *bufio.Reader) {
		s.answer(map[string]string{
			"uptime":           fakeInstance["uptime"],
			"nosuch":           `ERROR: unknown command, type "help" to get a list of commands.`,
			"request.metadata": "No such request.",
			"dealer.push":      "garbage",
			"var.get":          "Variable not found.",
			"var.set":          "Syntax error or variable not found.",
			"music.reload":     "Something else",
		})(i, c, r)
	})
	c := newTestClient(t, ClientConfig{Socket: s.path})
	ctx := context.Background()

	_, err := c.Command(ctx, "nosuch")
	require.ErrorIs(t, err, ErrUnknownCommand)
	var se *ServerError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "nosuch", se.Command)

	_, err = c.Metadata(ctx, 99999)
	require.ErrorIs(t, err, ErrNoSuchRequest)

	_, err = c.Push(ctx, "dealer", "/a.wav")
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "garbage", pe.Reply)

	_, err = c.Var(ctx, "volume")
	require.ErrorIs(t, err, ErrVarNotFound)
	require.ErrorIs(t, c.SetVar(ctx, "volume", "0.5"), ErrVarNotFound)
	require.ErrorAs(t, c.Reload(ctx, "music"), &se)
}

// TestClientRefusesInjection: nothing reaches the server when an argument
// holds a control character.
func TestClientRefusesInjection(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, i int, c net.Conn, r *bufio.Reader) { s.answer(fakeInstance)(i, c, r) })
	c := newTestClient(t, ClientConfig{Socket: s.path})
	ctx := context.Background()
	var ae *ArgError
	_, err := c.Push(ctx, "dealer", "/a.wav\rdealer.skip")
	require.ErrorAs(t, err, &ae)
	require.Equal(t, '\r', ae.Char)
	_, err = c.Push(ctx, "dealer", "")
	require.ErrorAs(t, err, &ae)
	_, err = c.Push(ctx, "dealer x", "/a.wav")
	require.ErrorAs(t, err, &ae)
	_, err = c.Command(ctx, "version\nquit")
	require.ErrorAs(t, err, &ae)
	_, err = c.Command(ctx, "")
	require.ErrorAs(t, err, &ae)
	require.ErrorAs(t, c.SetVar(ctx, "title", "a=b"), &ae)
	require.ErrorAs(t, c.SetVar(ctx, "title", ""), &ae)
	require.ErrorAs(t, c.Skip(ctx, "out\x00"), &ae)
	require.Empty(t, s.received())
}

// TestClientOneCommandInFlight: concurrent callers share the connection
// one command at a time.
func TestClientOneCommandInFlight(t *testing.T) {
	var inFlight, most atomic.Int32
	s := newFakeServer(t, func(s *fakeServer, _ int, c net.Conn, r *bufio.Reader) {
		for {
			if _, ok := s.readLine(r); !ok {
				return
			}
			n := inFlight.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			// Real time: holding the reply a moment is what gives a
			// second, overlapping command on the socket a chance to show.
			time.Sleep(time.Millisecond)
			inFlight.Add(-1)
			if _, err := c.Write([]byte("0d 00h 00m 03s" + terminator)); err != nil {
				return
			}
		}
	})
	c := newTestClient(t, ClientConfig{Socket: s.path})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Uptime(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), most.Load())
	require.Equal(t, int32(1), s.n.Load())
}

// TestClientCloseAborts: Close interrupts a call waiting for a reply, and
// later calls fail with ErrClosed.
func TestClientCloseAborts(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, _ int, c net.Conn, r *bufio.Reader) {
		s.readLine(r)
		_, _ = c.Write([]byte(fakeInstance["uptime"] + terminator))
		s.readLine(r)
		_, _ = r.ReadByte() // never answer
	})
	c, err := NewClient(ClientConfig{Socket: s.path, Timeout: time.Minute})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := c.Command(context.Background(), "request.on_air")
		done <- err
	}()
	require.Eventually(t, func() bool { return len(s.received()) == 2 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, c.Close())
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not abort the call")
	}
	_, err = c.Command(context.Background(), "version")
	require.ErrorIs(t, err, ErrClosed)
}

func TestClientContextCancel(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, _ int, c net.Conn, r *bufio.Reader) {
		s.readLine(r)
		_, _ = c.Write([]byte(fakeInstance["uptime"] + terminator))
		s.readLine(r)
		_, _ = r.ReadByte()
	})
	c := newTestClient(t, ClientConfig{Socket: s.path, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		require.Eventually(t, func() bool { return len(s.received()) == 2 }, 5*time.Second, 5*time.Millisecond)
		cancel()
	}()
	_, err := c.Command(ctx, "request.on_air")
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewClientConfig(t *testing.T) {
	for _, tt := range []struct {
		cfg   ClientConfig
		field string
	}{
		{cfg: ClientConfig{}, field: "Socket"},
		{cfg: ClientConfig{Socket: "/a", Telnet: "127.0.0.1:1234"}, field: "Telnet"},
		{cfg: ClientConfig{Telnet: "localhost"}, field: "Telnet"},
		{cfg: ClientConfig{Socket: "/a", Timeout: -1}, field: "Timeout"},
		{cfg: ClientConfig{Socket: "/a", MaxReply: -1}, field: "MaxReply"},
		{cfg: ClientConfig{Socket: "/a", RetryMin: time.Second, RetryMax: time.Millisecond}, field: "RetryMax"},
		{cfg: ClientConfig{Socket: "/a", InstanceCommand: "x\ny"}, field: "InstanceCommand"},
	} {
		_, err := NewClient(tt.cfg)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, tt.field, ce.Field)
	}
	_, err := NewClient(ClientConfig{Telnet: "127.0.0.1:1234"})
	require.NoError(t, err)
	require.False(t, errors.Is(nil, ErrClosed))
}

// TestGenerationFromInstanceToken checks that clients of one process agree
// on its generation, whichever program made them and whenever, so that a
// monitor restarted beside a running player does not think the player
// restarted too; and that another process gets another generation.
func TestGenerationFromInstanceToken(t *testing.T) {
	serve := func(token string) *fakeServer {
		return newFakeServer(t, func(s *fakeServer, i int, c net.Conn, r *bufio.Reader) {
			s.answer(map[string]string{"airkeep.instance": token, "version": "Liquidsoap 2.1.3"})(i, c, r)
		})
	}
	first, second := serve("1795423362.00-0.5"), serve("1795423999.00-0.25")
	gen := func(path string) uint64 {
		c := newTestClient(t, ClientConfig{Socket: path, InstanceCommand: "airkeep.instance"})
		require.NoError(t, c.Ping(context.Background()))
		return c.Generation()
	}
	a, b := gen(first.path), gen(first.path)
	require.NotZero(t, a)
	require.Equal(t, a, b, "two clients of one process agree")
	require.NotEqual(t, a, gen(second.path), "another process, another generation")
}
