package listeners

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/airkeep/airkeep"
)

// Sample is the listener count of one mount at one instant, UTC.
type Sample struct {
	At        time.Time
	Mount     string
	Listeners int
}

// Sink stores samples; a schedule store does.
type Sink interface {
	Record(ctx context.Context, samples []Sample) error
}

// Config configures a Sampler.
type Config struct {
	URL      string        // the Icecast server, "http://127.0.0.1:8000"; required
	Mounts   []string      // the mounts counted; empty means every mount listed
	Interval time.Duration // between samples; 0 means 30s
	Timeout  time.Duration // of one fetch; 0 means 5s, and never more than Interval
	MaxBody  int64         // bytes of a status document; 0 means 1 MiB
	Client   *http.Client  // nil means a client of the sampler's own
	Sink     Sink          // required
	// Observe, if set, is called after each attempt with the samples
	// recorded or the error that left a gap (to export a gauge, say).
	Observe func(samples []Sample, err error)
	Clock   airkeep.Clock // nil means airkeep.SystemClock()
	Logger  *slog.Logger  // nil means discard
}

// ConfigError names a bad field of a Config.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("listeners: bad config %s: %s", e.Field, e.Reason)
}

// ErrUnavailable wraps a failure to get the status: Icecast down, slow,
// answering with an error status or a body too big.
var ErrUnavailable = errors.New("listeners: Icecast status unavailable")

// Sampler samples the listener counts of an Icecast server.
type Sampler struct {
	cfg    Config
	status string // the status URL
	clock  airkeep.Clock
	log    *slog.Logger
}

// New checks cfg and returns a Sampler.
func New(cfg Config) (*Sampler, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &ConfigError{Field: "URL", Reason: fmt.Sprintf("%q is not an http(s) URL", cfg.URL)}
	}
	for _, m := range cfg.Mounts {
		if !validMount(m) {
			return nil, &ConfigError{Field: "Mounts", Reason: fmt.Sprintf("%q: %v", m, ErrMount)}
		}
	}
	switch {
	case cfg.Sink == nil:
		return nil, &ConfigError{Field: "Sink", Reason: "required"}
	case cfg.Interval < 0 || cfg.Timeout < 0 || cfg.MaxBody < 0:
		return nil, &ConfigError{Field: "Interval", Reason: "negative interval, timeout or body size"}
	}
	if cfg.Interval == 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	cfg.Timeout = min(cfg.Timeout, cfg.Interval)
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	cfg.Mounts = slices.Clone(cfg.Mounts)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/status-json.xsl"
	return &Sampler{cfg: cfg, status: u.String(), clock: airkeep.OrSystem(cfg.Clock), log: log}, nil
}

// Sample fetches the status once and returns the counts of the configured
// mounts (or of every mount listed), dated now. Errors wrap
// ErrUnavailable, or are a *StatusError.
func (s *Sampler) Sample(ctx context.Context) ([]Sample, error) {
	at := s.clock.Now().UTC()
	b, err := s.fetch(ctx)
	if err != nil {
		return nil, err
	}
	mounts, err := ParseStatus(b)
	if err != nil {
		return nil, err
	}
	var out []Sample
	if len(s.cfg.Mounts) == 0 {
		for _, m := range mounts {
			out = append(out, Sample{At: at, Mount: m.Mount, Listeners: m.Listeners})
		}
		return out, nil
	}
	for _, name := range s.cfg.Mounts {
		n := 0
		if i := slices.IndexFunc(mounts, func(m Mount) bool { return m.Mount == name }); i >= 0 {
			n = mounts[i].Listeners
		}
		out = append(out, Sample{At: at, Mount: name, Listeners: n})
	}
	return out, nil
}

// fetch gets the status document, within Timeout on the sampler's clock
// and MaxBody bytes.
func (s *Sampler) fetch(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	timer := s.clock.NewTimer(s.cfg.Timeout)
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-timer.C():
			cancel(fmt.Errorf("no answer within %v", s.cfg.Timeout))
		case <-done:
		}
	}()
	defer func() {
		close(done)
		timer.Stop()
		wg.Wait()
		cancel(nil)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.status, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, causeOr(ctx, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", ErrUnavailable, s.status, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, causeOr(ctx, err))
	}
	if int64(len(b)) > s.cfg.MaxBody {
		return nil, fmt.Errorf("%w: status larger than %d bytes", ErrUnavailable, s.cfg.MaxBody)
	}
	return b, nil
}

// causeOr is the reason ctx was cancelled, if it was, else err.
func causeOr(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
		return c
	}
	return err
}

// Run samples every Interval until ctx ends, recording each success in
// the Sink; it returns nil when ctx ends. Failures leave a gap: no
// sample, no zero.
func (s *Sampler) Run(ctx context.Context) error {
	failing := false
	timer := s.clock.NewTimer(0)
	defer timer.Stop()
	next := s.clock.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C():
		}
		samples, err := s.Sample(ctx)
		if err == nil {
			err = s.cfg.Sink.Record(ctx, samples)
		}
		if ctx.Err() != nil {
			return nil
		}
		if s.cfg.Observe != nil {
			s.cfg.Observe(samples, err)
		}
		switch {
		case err != nil && !failing:
			failing = true
			s.log.Warn("listener figures unavailable until Icecast answers", "url", s.status, "err", err)
		case err != nil:
			s.log.Debug("listener sample failed", "url", s.status, "err", err)
		case failing:
			failing = false
			s.log.Info("listener figures back", "url", s.status)
		}
		// The next tick on the grid from the first, skipping ticks a
		// slow fetch ate.
		now := s.clock.Now()
		for next = next.Add(s.cfg.Interval); !next.After(now); next = next.Add(s.cfg.Interval) {
		}
		timer.Reset(next.Sub(now))
	}
}
