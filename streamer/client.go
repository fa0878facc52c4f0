package streamer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/airkeep/airkeep"
)

// ClientConfig configures a Client. Exactly one of Socket and Telnet is
// required; every other field has a documented zero-value default.
type ClientConfig struct {
	// Socket is the path of Liquidsoap's unix command socket
	// (settings.server.socket.path).
	Socket string
	// Telnet is the host:port of Liquidsoap's telnet server
	// (settings.server.telnet.bind_addr and .port).
	Telnet string
	// Timeout bounds each call whose context has no earlier deadline,
	// connecting included. 0 means 5s.
	Timeout time.Duration
	// MaxReply bounds the size of one reply in bytes. 0 means 1 MiB.
	MaxReply int
	// IdleTimeout is how long an unused connection is kept. Liquidsoap
	// closes connections idle for settings.server.timeout (30s by default);
	// the client redials before that so that a command never races the
	// server's goodbye. 0 means 20s.
	IdleTimeout time.Duration
	// RetryMin and RetryMax bound the exponential backoff between failed
	// connection attempts. While backing off, calls fail at once with
	// ErrUnavailable instead of hammering a server that is restarting.
	// 0 means 100ms and 2s.
	RetryMin, RetryMax time.Duration
	// InstanceCommand names a command whose reply identifies the running
	// Liquidsoap process (scripts rendered by Station register
	// "airkeep.instance"). The client runs it on every new connection to
	// notice restarts. "" means the instance is recognised by its start
	// time, derived from "uptime" (to within about 1.5s).
	InstanceCommand string
	// Location is the zone in which Liquidsoap writes local times (the
	// on_air metadata), used when on_air_timestamp is missing. nil means
	// time.Local.
	Location *time.Location
	// Clock drives backoff and idle tracking. nil means
	// airkeep.SystemClock(). Network deadlines always use real time.
	Clock airkeep.Clock
	// Logger receives connection events. nil means discard.
	Logger *slog.Logger
}

// Client talks to Liquidsoap's command server over a unix socket or telnet.
// It keeps one connection and sends one command at a time on it; concurrent
// calls wait their turn (or their context). A lost connection is redialled
// on the next call, with backoff, and Generation tells callers when the
// server they reach is a new process, whose queues are empty.
//
// A Client is safe for concurrent use. Close it when done.
type Client struct {
	cfg     ClientConfig
	network string
	addr    string
	clock   airkeep.Clock
	log     *slog.Logger

	// sem holds the right to use the connection: one command in flight.
	sem  chan struct{}
	done chan struct{}
	gen  atomic.Uint64
	// restarts counts processes told apart by uptime alone, for
	// generations of servers without an instance command.
	restarts uint64

	// Guarded by sem.
	rd       *bufio.Reader
	lastUse  time.Time
	bo       *backoff.ExponentialBackOff
	retryAt  time.Time
	dialErr  error
	instance instanceID
	known    bool // instance is set
	scratch  []byte

	// mu guards conn and closed, so that Close can abort a call in flight.
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// NewClient validates cfg and returns a Client. It does not connect: the
// first call does.
func NewClient(cfg ClientConfig) (*Client, error) {
	c := &Client{cfg: cfg, sem: make(chan struct{}, 1), done: make(chan struct{})}
	switch {
	case cfg.Socket != "" && cfg.Telnet != "":
		return nil, &ConfigError{Field: "Telnet", Value: cfg.Telnet, Reason: "set only one of Socket and Telnet"}
	case cfg.Socket != "":
		c.network, c.addr = "unix", cfg.Socket
	case cfg.Telnet != "":
		if _, _, err := net.SplitHostPort(cfg.Telnet); err != nil {
			return nil, &ConfigError{Field: "Telnet", Value: cfg.Telnet, Reason: "want host:port"}
		}
		c.network, c.addr = "tcp", cfg.Telnet
	default:
		return nil, &ConfigError{Field: "Socket", Reason: "one of Socket and Telnet is required"}
	}
	if cfg.InstanceCommand != "" {
		if err := checkLine(cfg.InstanceCommand); err != nil {
			return nil, &ConfigError{Field: "InstanceCommand", Value: cfg.InstanceCommand, Err: err}
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Timeout", cfg.Timeout}, {"IdleTimeout", cfg.IdleTimeout}, {"RetryMin", cfg.RetryMin}, {"RetryMax", cfg.RetryMax}} {
		if d.v < 0 {
			return nil, &ConfigError{Field: d.name, Value: d.v.String(), Reason: "negative"}
		}
	}
	if cfg.MaxReply < 0 {
		return nil, &ConfigError{Field: "MaxReply", Value: fmt.Sprint(cfg.MaxReply), Reason: "negative"}
	}
	c.cfg.Timeout = orDefault(cfg.Timeout, 5*time.Second)
	c.cfg.IdleTimeout = orDefault(cfg.IdleTimeout, 20*time.Second)
	c.cfg.RetryMin = orDefault(cfg.RetryMin, 100*time.Millisecond)
	c.cfg.RetryMax = orDefault(cfg.RetryMax, 2*time.Second)
	if c.cfg.RetryMax < c.cfg.RetryMin {
		return nil, &ConfigError{Field: "RetryMax", Value: cfg.RetryMax.String(), Reason: "below RetryMin"}
	}
	if cfg.MaxReply == 0 {
		c.cfg.MaxReply = 1 << 20
	}
	if cfg.Location == nil {
		c.cfg.Location = time.Local
	}
	c.clock = airkeep.OrSystem(cfg.Clock)
	c.log = orDiscard(cfg.Logger).With("server", c.addr)
	c.bo = &backoff.ExponentialBackOff{
		InitialInterval:     c.cfg.RetryMin,
		RandomizationFactor: 0.2,
		Multiplier:          2,
		MaxInterval:         c.cfg.RetryMax,
		Stop:                backoff.Stop,
		Clock:               c.clock,
	}
	c.bo.Reset()
	return c, nil
}

// Addr returns the address the client dials, for messages.
func (c *Client) Addr() string { return c.addr }

// Generation identifies the server process the client last reached (0
// before the first successful connection), and changes when a new
// connection finds a different process: a restart, which lost every queue.
// With a station script of this package (ClientConfig.InstanceCommand) it
// is derived from the process's own token, so every client, in any
// program, run after run, gives the same value for the same process: a
// monitor that recorded it can tell after its own restart whether the
// player restarted too. Without the command it is a per-client counter
// (1, 2, ...) of processes told apart by their uptime. It does not contact
// the server; Ping does.
func (c *Client) Generation() uint64 { return c.gen.Load() }

// Ping checks that the server answers, connecting if needed, and so brings
// Generation up to date.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.do(ctx, "version", true)
	return err
}

// Command sends one raw command line and returns the reply body, without
// its END terminator. The line must not contain control characters
// (*ArgError) and must not be empty. A reply starting with "ERROR:" is
// returned as a *ServerError. Command never re-sends a line: after a lost
// connection the caller decides whether repeating it is safe.
func (c *Client) Command(ctx context.Context, line string) (string, error) {
	return c.do(ctx, line, false)
}

// Close closes the connection, aborting a call in flight, and makes every
// later call fail with ErrClosed. It waits until no call uses the
// connection.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	if c.conn != nil {
		_ = c.conn.Close()
	}
	c.mu.Unlock()
	// Wait for a call in flight to notice.
	c.sem <- struct{}{}
	c.rd = nil
	return nil
}

// do runs line with the connection held. idempotent commands are retried
// once on a fresh connection when the old one turns out to be dead.
func (c *Client) do(ctx context.Context, line string, idempotent bool) (string, error) {
	if err := checkLine(line); err != nil {
		return "", err
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	if err := c.acquire(ctx, line); err != nil {
		return "", err
	}
	defer func() { <-c.sem }()

	for attempt := 0; ; attempt++ {
		conn, err := c.connect(ctx)
		if err != nil {
			return "", err
		}
		body, n, err := c.roundTrip(ctx, conn, line)
		if err == nil {
			c.lastUse = c.clock.Now()
			if strings.HasPrefix(body, "ERROR:") {
				return body, &ServerError{Command: line, Reply: body}
			}
			return body, nil
		}
		c.drop(conn)
		// The server said goodbye for idleness before reading the line, or
		// (for a command safe to repeat) the connection was already dead:
		// try once more on a new connection.
		goodbye := isGoodbye(body)
		if attempt == 0 && ctx.Err() == nil && (goodbye || (idempotent && n == 0 && errors.Is(err, ErrConnLost))) {
			c.log.Debug("retrying on a new connection", "command", line, "err", err)
			continue
		}
		return "", err
	}
}

func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	// The real clock, not a Clock: a context deadline and the socket
	// deadline derived from it are both on the system clock.
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= c.cfg.Timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.cfg.Timeout)
}

func (c *Client) acquire(ctx context.Context, line string) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	select {
	case c.sem <- struct{}{}:
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("%w: %s: waiting for the connection: %w", ErrTimeout, line, ctx.Err())
	}
	select {
	case <-c.done:
		<-c.sem
		return ErrClosed
	default:
		return nil
	}
}

// connect returns a live connection, dialling if needed. c.sem is held.
func (c *Client) connect(ctx context.Context) (net.Conn, error) {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		idle := c.clock.Now().Sub(c.lastUse)
		if idle < c.cfg.IdleTimeout && c.rd.Buffered() == 0 && connAlive(conn) {
			return conn, nil
		}
		c.log.Debug("dropping connection", "idle", idle)
		c.drop(conn)
	}
	if now := c.clock.Now(); now.Before(c.retryAt) {
		return nil, fmt.Errorf("%w: %s: backing off for %s after: %w", ErrUnavailable, c.addr, c.retryAt.Sub(now).Round(time.Millisecond), c.dialErr)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		c.dialErr = err
		c.retryAt = c.clock.Now().Add(c.bo.NextBackOff())
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: connect %s: %w", ErrTimeout, c.addr, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		_ = conn.Close()
		return nil, ErrClosed
	}
	c.conn = conn
	c.mu.Unlock()
	if c.rd == nil {
		c.rd = bufio.NewReaderSize(conn, 16<<10)
	} else {
		c.rd.Reset(conn)
	}
	c.lastUse = c.clock.Now()
	if err := c.identify(ctx, conn); err != nil {
		c.drop(conn)
		return nil, err
	}
	c.bo.Reset()
	c.retryAt = time.Time{}
	return conn, nil
}

// identify learns which server process answers on a new connection and
// bumps the generation when it is not the one seen before.
func (c *Client) identify(ctx context.Context, conn net.Conn) error {
	id, err := c.probeInstance(ctx, conn)
	if err != nil {
		return err
	}
	if c.known && c.instance.same(id) {
		return nil
	}
	var gen uint64
	if id.token != "" {
		gen = tokenGeneration(id.token)
	} else {
		c.restarts++
		gen = c.restarts
	}
	c.gen.Store(gen)
	if c.known {
		c.log.Info("server restarted", "generation", gen)
	} else {
		c.log.Debug("connected", "generation", gen)
	}
	c.instance, c.known = id, true
	return nil
}

func (c *Client) probeInstance(ctx context.Context, conn net.Conn) (instanceID, error) {
	if cmd := c.cfg.InstanceCommand; cmd != "" {
		body, _, err := c.roundTrip(ctx, conn, cmd)
		if err != nil {
			return instanceID{}, err
		}
		body = strings.TrimSpace(body)
		if body != "" && !strings.HasPrefix(body, "ERROR:") {
			return instanceID{token: body}, nil
		}
		// Not a script of ours after all: fall back to uptime.
	}
	body, _, err := c.roundTrip(ctx, conn, "uptime")
	if err != nil {
		return instanceID{}, err
	}
	up, err := parseUptime(body)
	if err != nil {
		return instanceID{}, &ParseError{Command: "uptime", Reply: body, Err: err}
	}
	return instanceID{boot: c.clock.Now().Add(-up)}, nil
}

// roundTrip sends line and reads its reply on conn. It returns the body (or
// the partial data before an error) and the number of reply bytes read.
func (c *Client) roundTrip(ctx context.Context, conn net.Conn, line string) (string, int, error) {
	dl, _ := ctx.Deadline()
	if err := conn.SetDeadline(dl); err != nil {
		return "", 0, fmt.Errorf("%w: %s: %w", ErrConnLost, line, err)
	}
	// Cancelling ctx unblocks the read at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c.scratch = append(append(c.scratch[:0], line...), '\n')
	if _, err := conn.Write(c.scratch); err != nil {
		return "", 0, c.ioError(ctx, line, err)
	}
	body, scratch, err := readReply(c.rd, c.cfg.MaxReply, c.scratch)
	c.scratch = scratch
	if err != nil {
		return string(body), len(body), c.ioError(ctx, line, err)
	}
	return string(body), len(body), nil
}

func (c *Client) ioError(ctx context.Context, line string, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s: %w", ErrTimeout, line, ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The deadline comes from ctx, whose own timer may lag by a hair.
		return fmt.Errorf("%w: %s: %w", ErrTimeout, line, context.DeadlineExceeded)
	case errors.Is(err, ErrReplyTooLarge):
		return fmt.Errorf("%w: %s: more than %d bytes", ErrReplyTooLarge, line, c.cfg.MaxReply)
	default:
		// EOF before END, reset, broken pipe: the server went away.
		return fmt.Errorf("%w: %s: %w", ErrConnLost, line, err)
	}
}

func (c *Client) drop(conn net.Conn) {
	c.mu.Lock()
	if c.conn == conn {
		c.conn = nil
	}
	c.mu.Unlock()
	_ = conn.Close()
}

// isGoodbye reports whether partial is the line Liquidsoap sends before it
// closes an idle connection; the command that met it was never read.
func isGoodbye(partial string) bool {
	return strings.HasPrefix(partial, "Connection timed out.. Bye!")
}

// tokenGeneration maps an instance token to a generation: FNV-1a, with the
// top bit set so that it is never 0 and never one of the small counter
// values of token-less servers.
func tokenGeneration(token string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(token))
	return h.Sum64() | 1<<63
}

// instanceID identifies a server process: by the token its script reports,
// or else by its start time estimated from uptime (which has a resolution
// of one second).
type instanceID struct {
	token string
	boot  time.Time
}

func (a instanceID) same(b instanceID) bool {
	if a.token != "" || b.token != "" {
		return a.token == b.token
	}
	d := a.boot.Sub(b.boot)
	return d < 1500*time.Millisecond && d > -1500*time.Millisecond
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
