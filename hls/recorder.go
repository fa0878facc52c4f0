package hls

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/airkeep/airkeep"
)

// Recorder is a recording task: it keeps the chosen variants of one live
// stream in an archive for as long as Run runs. When the stream ends it
// waits for it to come back; when something fatal happens it restarts,
// backing off. It runs once: a stopped Recorder is never restarted.
type Recorder struct {
	s *settings

	mu       sync.Mutex
	ran      bool
	state    State
	since    time.Time
	restarts int
	lastErr  error
	counters map[string]*Counters
	sess     *session
	spill    *spill
	// fatal ends Run: set once by a permanent store refusal.
	fatal context.CancelCauseFunc
}

// New validates cfg and returns a Recorder. The Config is copied; a bad
// field gives a *ConfigError naming it.
func New(cfg Config) (*Recorder, error) {
	s, err := newSettings(cfg)
	if err != nil {
		return nil, err
	}
	r := &Recorder{s: s, counters: make(map[string]*Counters)}
	r.spill = newSpill(s, func(err error) {
		r.mu.Lock()
		fatal := r.fatal
		r.mu.Unlock()
		if fatal != nil {
			fatal(err)
		}
	})
	for _, v := range s.variants {
		r.counters[v] = new(Counters)
	}
	return r, nil
}

// Run records until ctx ends, then stops within Timeouts.Shutdown:
// workers at once; the segments already listed are still downloaded and
// the segments in the Spill buffer written during the grace; then
// downloads are cut (saving what they received as partial) and what is
// still buffered is counted as lost, by name. It returns nil after a clean
// stop, once every goroutine it started has returned; a *StoreError when
// the store refused a write for good; ErrRunning or ErrStopped if the
// Recorder is running or has run.
func (r *Recorder) Run(parent context.Context) error {
	r.mu.Lock()
	if r.ran {
		st := r.state
		r.mu.Unlock()
		if st == Stopped {
			return ErrStopped
		}
		return ErrRunning
	}
	r.ran = true
	ctx, fatal := context.WithCancelCause(parent)
	defer fatal(nil)
	r.fatal = fatal
	r.mu.Unlock()
	r.s.log.Info("recording task started", "variants", r.s.variants)

	// The grace of a stop counts from the end of ctx, for downloads and
	// buffered writes alike.
	var stopMu sync.Mutex
	var stopAt time.Time
	stopWatch := context.AfterFunc(ctx, func() {
		stopMu.Lock()
		stopAt = r.s.clock.Now()
		stopMu.Unlock()
	})
	defer stopWatch()
	spCtx, stopSpill := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSpill()
	stopping := make(chan struct{})
	var spWG sync.WaitGroup
	spWG.Add(1)
	go func() { defer spWG.Done(); r.spill.run(spCtx, stopping) }()
	r.setState(WaitingForLive, nil)

	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = time.Second
	bo.MaxInterval = 5 * time.Minute
	bo.MaxElapsedTime = 0
	bo.Reset()
	for {
		sess := newSession(r)
		r.mu.Lock()
		r.sess = sess
		r.mu.Unlock()
		began := r.s.clock.Now()
		err := sess.run(ctx)
		r.mu.Lock()
		r.sess = nil
		r.mu.Unlock()
		if ctx.Err() != nil {
			break
		}
		if r.s.clock.Now().Sub(began) > 10*time.Minute {
			bo.Reset() // it ran well for a while: start the backoff over
		}
		r.mu.Lock()
		r.restarts++
		r.lastErr = err
		r.mu.Unlock()
		wait := bo.NextBackOff()
		r.s.log.Warn("recording task failed; restarting", "err", err, "in", wait)
		r.setState(Restarting, err)
		if airkeep.Sleep(ctx, r.s.clock, wait) != nil {
			break
		}
		r.setState(WaitingForLive, nil)
	}
	close(stopping)
	var serr *StoreError
	if errors.As(context.Cause(ctx), &serr) {
		stopSpill()
		spWG.Wait()
		r.spill.close("the store refuses writes for good")
		r.mu.Lock()
		r.lastErr = serr
		r.mu.Unlock()
		r.setState(Stopped, serr)
		r.s.log.Info("recording task stopped", "err", serr)
		return serr
	}
	if !r.spill.empty() {
		stopMu.Lock()
		left := r.s.Timeouts.Shutdown - r.s.clock.Now().Sub(stopAt)
		stopMu.Unlock()
		r.s.log.Info("writing buffered segments before stopping", "within", max(left, 0), "buffered", r.spill.status().Buffered)
		grace := r.s.clock.NewTimer(max(left, 0))
		for !r.spill.empty() {
			select {
			case <-r.spill.emptied:
				continue
			case <-grace.C():
			}
			break
		}
		grace.Stop()
	}
	stopSpill()
	spWG.Wait()
	r.spill.close("stopped before the store took it")
	r.setState(Stopped, nil)
	r.s.log.Info("recording task stopped")
	return nil
}

func (r *Recorder) setState(to State, err error) {
	r.mu.Lock()
	from := r.state
	if from == to || from == Stopped {
		r.mu.Unlock()
		return
	}
	at := r.s.clock.Now()
	r.state, r.since = to, at
	r.mu.Unlock()
	if to != Restarting {
		r.s.log.Info("state", "from", from.String(), "to", to.String())
	}
	if r.s.OnStateChange != nil {
		r.s.OnStateChange(StateChange{From: from, To: to, Time: at, Err: err})
	}
}

// State returns the current state.
func (r *Recorder) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// Status returns the state and every variant's counters. It is safe to
// call from any goroutine, including event and state hooks.
func (r *Recorder) Status() Status {
	r.mu.Lock()
	st := Status{Stream: r.s.Stream, State: r.state, Since: r.since, Restarts: r.restarts, LastErr: r.lastErr, Store: r.spill.status()}
	sess := r.sess
	names := make([]string, 0, len(r.counters))
	for n := range r.counters {
		names = append(names, n)
	}
	r.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		vs := VariantStatus{Name: n, CountersSnapshot: r.counters[n].Snapshot()}
		if sess != nil {
			if v := sess.variants[n]; v != nil {
				vs.URL, vs.Workers, vs.Live = v.info()
			}
		}
		st.Variants = append(st.Variants, vs)
	}
	return st
}

// session is one run of the channel manager and its variants, from a
// (re)start to the end of Run's context or a fatal error.
type session struct {
	r        *Recorder
	s        *settings
	mgr      *manager
	variants map[string]*variant
	cancel   context.CancelCauseFunc

	mu     sync.Mutex
	failed error
	// liveMu orders state changes computed by concurrent variants.
	liveMu sync.Mutex
}

func newSession(r *Recorder) *session {
	s := &session{r: r, s: r.s, variants: make(map[string]*variant)}
	for _, name := range r.s.variants {
		s.variants[name] = newVariant(s, name, r.counters[name])
	}
	return s
}

// run runs every variant until ctx ends (nil) or one fails (the error).
func (s *session) run(ctx context.Context) error {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.cancel = cancel
	s.mgr = newManager(sctx, s.s)
	var wg sync.WaitGroup
	for _, v := range s.variants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.run(sctx)
		}()
	}
	wg.Wait()
	// The variants are done, and so is every caller of the manager; a
	// master fetch they left behind ends with sctx.
	cancel(nil)
	s.mgr.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	if s.failed == nil {
		return errors.New("hls: session ended without cause")
	}
	return s.failed
}

// fail ends the session with a fatal error.
func (s *session) fail(err error) {
	s.mu.Lock()
	if s.failed == nil {
		s.failed = fmt.Errorf("hls: %w", err)
	}
	s.mu.Unlock()
	s.cancel(err)
}

// liveChanged recomputes the Recorder's state from its variants: recording
// while any variant has a worker on a live playlist.
func (s *session) liveChanged() {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	live := false
	for _, v := range s.variants {
		v.mu.Lock()
		live = live || v.live
		v.mu.Unlock()
	}
	s.r.mu.Lock()
	cur := s.r.state
	s.r.mu.Unlock()
	if cur == Stopped || cur == Restarting {
		return
	}
	if live {
		s.r.setState(Recording, nil)
	} else {
		s.r.setState(WaitingForLive, nil)
	}
}
