package hls

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"golang.org/x/sync/singleflight"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/hls/playlist"
)

// manager is the channel manager of one stream: it holds the latest master
// playlist and turns variant names into media playlist URLs. It refetches
// the master only when a variant asks for a URL fresher than the one it
// has, at most once per Reload.MasterInterval (jittered), and every
// variant that asks at once shares that one fetch.
type manager struct {
	s   *settings
	ctx context.Context // the session's: a shared fetch outlives any one caller
	sf  singleflight.Group
	// wg counts the goroutines refresh starts; the session waits for them,
	// so that a master fetch (or Config.Source) never outlives Run.
	wg sync.WaitGroup

	mu          sync.Mutex
	master      *playlist.Master
	media       string // the source URL, when it is a media playlist
	fetchedAt   time.Time
	nextAllowed time.Time
	missing     map[string]bool // variants already reported missing
}

func newManager(ctx context.Context, s *settings) *manager {
	return &manager{s: s, ctx: ctx, missing: make(map[string]bool)}
}

// jitter returns d scaled by a random factor in [lo, hi).
func jitter(d time.Duration, lo, hi float64) time.Duration {
	return time.Duration(float64(d) * (lo + rand.Float64()*(hi-lo)))
}

// lookup returns the URL of a variant from what the manager holds. m.mu
// must be held.
func (m *manager) lookup(name string) (string, bool) {
	if m.media != "" {
		return m.media, name == m.s.variants[0]
	}
	if m.master == nil {
		return "", false
	}
	return m.master.Lookup(name)
}

// resolve returns the media playlist URL for a variant, and when the
// master (or media) playlist that gave it was fetched: a token in the URL
// is as old as that fetch. With fresh set, it wants a URL that differs
// from stale or comes from a master fetched at or after since; otherwise
// any URL it holds will do. It waits out the master interval between
// fetches and retries until ctx ends; only a permanent error from
// Config.Source is returned.
func (m *manager) resolve(ctx context.Context, name, stale string, fresh bool, since time.Time) (string, time.Time, error) {
	for {
		m.mu.Lock()
		u, found := m.lookup(name)
		issued := m.fetchedAt
		// Fresh means fetched after the request: a fetch that began at the
		// same instant may have served the very URL that failed.
		haveFresh := m.fetchedAt.After(since)
		usable := found && (!fresh || u != stale || haveFresh)
		wait := m.nextAllowed.Sub(m.s.clock.Now())
		m.mu.Unlock()
		if usable {
			return u, issued, nil
		}
		if wait > 0 {
			if err := airkeep.Sleep(ctx, m.s.clock, wait); err != nil {
				return "", time.Time{}, err
			}
		}
		if err := m.refresh(ctx); err != nil {
			var perm *backoff.PermanentError
			if errors.As(err, &perm) {
				return "", time.Time{}, err
			}
			if ctx.Err() != nil {
				return "", time.Time{}, ctx.Err()
			}
			continue // refresh set nextAllowed: the loop waits before trying again
		}
		m.mu.Lock()
		if _, ok := m.lookup(name); !ok && !m.missing[name] {
			m.missing[name] = true
			m.s.log.Warn("variant not in master playlist; retrying", "variant", name, "err", ErrVariantNotFound)
		} else if ok {
			delete(m.missing, name)
		}
		m.mu.Unlock()
	}
}

// refresh fetches the master playlist once, shared by concurrent callers.
// A caller whose ctx ends returns at once; the fetch goes on (it ends with
// the session) in a goroutine that wait accounts for, where DoChan's own
// would be owned by nobody.
func (m *manager) refresh(ctx context.Context) error {
	ch := make(chan error, 1)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		_, err, _ := m.sf.Do("master", func() (any, error) { return nil, m.fetch() })
		ch <- err
	}()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait returns when every fetch refresh started has returned. Call it once
// no variant can call refresh any more.
func (m *manager) wait() { m.wg.Wait() }

// fetchMasterBody GETs the master playlist. When a request has not
// answered within Timeouts.MasterSoft (a stalled connection, usually), a
// second one starts beside it, as wubloader's soft timeout does; the first
// success wins and cancels the other. A failure of the newest request ends
// the fetch at once: the older one is the stalled one.
func (m *manager) fetchMasterBody(src string) ([]byte, string, error) {
	s := m.s
	type result struct {
		body  []byte
		final string
		err   error
		n     int
	}
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel, below: the requests end with ctx
	ctx, cancel := context.WithCancel(m.ctx)
	defer cancel()
	results := make(chan result, 2)
	soft := make(chan struct{}, 1)
	start := func(n int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, final, err := s.fetchBody(ctx, src, nil, int64(s.Limits.PlaylistBytes), s.Timeouts.MasterSoft, s.Timeouts.MasterHard,
				func(string) {
					select {
					case soft <- struct{}{}:
					default:
					}
				})
			results <- result{body, final, err, n}
		}()
	}
	start(1)
	started, running := 1, 1
	for {
		select {
		case r := <-results:
			running--
			if r.err == nil || r.n == started || running == 0 {
				return r.body, r.final, r.err
			}
		case <-soft:
			if started == 1 {
				s.log.Debug("master playlist slow, starting a second request", "url", src)
				started++
				running++
				start(started)
			}
		}
	}
}

// errRetry tells the callers of a master fetch that it failed and is to be
// tried again after the master interval. The failure itself was logged by
// fetch, once however many variants shared the fetch: an error is either
// logged or returned, and only a permanent one (from Config.Source) is
// returned, for the Recorder to log as it restarts.
var errRetry = errors.New("hls: master playlist fetch failed; retrying")

// fetch fetches and parses the master playlist. It returns nil, errRetry
// or a permanent error from Config.Source.
func (m *manager) fetch() error {
	s := m.s
	start := s.clock.Now()
	defer func() {
		m.mu.Lock()
		m.nextAllowed = start.Add(jitter(s.Reload.MasterInterval, 0.9, 1.1))
		m.mu.Unlock()
	}()
	src := s.URL
	if s.Source != nil {
		var err error
		if src, err = s.Source(m.ctx); err != nil {
			err = fmt.Errorf("hls: source: %w", err)
			var perm *backoff.PermanentError
			if errors.As(err, &perm) {
				return err // the Recorder logs it as it restarts
			}
			s.log.Warn("source failed; retrying", "err", err)
			return errRetry
		}
	}
	body, final, err := m.fetchMasterBody(src)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone) {
			s.log.Debug("master playlist not found: stream is not live", "url", src, "err", fmt.Errorf("%w: %w", ErrNotLive, err))
		} else {
			s.log.Warn("master playlist fetch failed; retrying", "url", src, "err", err)
		}
		return errRetry
	}
	if playlist.Sniff(body) == playlist.KindMedia {
		m.mu.Lock()
		m.media, m.master, m.fetchedAt = final, nil, start
		m.mu.Unlock()
		return nil
	}
	mp, err := playlist.Parser{MaxBytes: s.Limits.PlaylistBytes}.Master(body, final)
	if err != nil {
		s.log.Warn("master playlist refused; retrying", "url", src, "err", err)
		return errRetry
	}
	m.mu.Lock()
	m.master, m.media, m.fetchedAt = mp, "", start
	m.mu.Unlock()
	s.log.Debug("master playlist fetched", "url", src, "variants", len(mp.Variants))
	return nil
}
