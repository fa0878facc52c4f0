package hls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/hls/playlist"
)

// ErrTimeout reports a request cut by its hard timeout.
var ErrTimeout = errors.New("hls: hard timeout")

// HostLimiter bounds the segment downloads in flight to each host. Share one between
// Recorders (Config.Hosts) that read the same origin: the field reports
// 401s and 403s from CDNs when too many parallel requests reach them.
//
// Slots are handed out first come, first served. A variant whose segments
// wait for a slot waits in the limiter's line without a goroutine: a
// capture that falls behind holds a queue of segments, not thousands of
// blocked downloads whose stacks the garbage collector would scan.
type HostLimiter struct {
	perHost int
	mu      sync.Mutex
	hosts   map[string]*hostLine
}

// hostLine is one host's slots in use and its line of waiters.
type hostLine struct {
	busy    int
	waiters []*hostWaiter
}

// hostWaiter waits for a slot: a blocked acquire (ready is closed when the
// slot is its own) or a callback (wake is called with the slot).
type hostWaiter struct {
	ready   chan struct{}
	wake    func()
	granted bool
	removed bool
}

// NewHostLimiter returns a limiter of perHost requests per host (at least 1).
func NewHostLimiter(perHost int) *HostLimiter {
	return &HostLimiter{perHost: max(perHost, 1), hosts: make(map[string]*hostLine)}
}

// lineLocked returns host's line, making it. h.mu held.
func (h *HostLimiter) lineLocked(host string) *hostLine {
	l := h.hosts[host]
	if l == nil {
		l = &hostLine{}
		h.hosts[host] = l
	}
	return l
}

// acquire waits for a slot for host and returns its release.
func (h *HostLimiter) acquire(ctx context.Context, host string) (func(), error) {
	h.mu.Lock()
	l := h.lineLocked(host)
	if l.busy < h.perHost && len(l.waiters) == 0 {
		l.busy++
		h.mu.Unlock()
		return h.releaser(host), nil
	}
	w := &hostWaiter{ready: make(chan struct{})}
	l.waiters = append(l.waiters, w)
	h.mu.Unlock()
	select {
	case <-w.ready:
		return h.releaser(host), nil
	case <-ctx.Done():
		h.mu.Lock()
		granted := w.granted
		w.removed = true
		h.mu.Unlock()
		if granted {
			h.release(host) // the slot came as ctx ended: pass it on
		}
		return nil, ctx.Err()
	}
}

// reserve takes a slot for host at once if one is free and returns true;
// otherwise it puts wake in line and returns false together with a cancel
// function. wake is called, on the goroutine of some release, with a slot
// the caller now holds and must release. cancel takes wake out of line and
// reports whether it was still waiting; when it returns false, wake has
// been or is being called.
func (h *HostLimiter) reserve(host string, wake func()) (bool, func() bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.lineLocked(host)
	if l.busy < h.perHost && len(l.waiters) == 0 {
		l.busy++
		return true, nil
	}
	w := &hostWaiter{wake: wake}
	l.waiters = append(l.waiters, w)
	return false, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		if w.granted || w.removed {
			return false
		}
		w.removed = true
		return true
	}
}

func (h *HostLimiter) releaser(host string) func() {
	var once sync.Once
	return func() { once.Do(func() { h.release(host) }) }
}

// release frees a slot of host, or hands it to the first in line. Idle
// hosts are forgotten, so the map holds only hosts in use.
func (h *HostLimiter) release(host string) {
	h.mu.Lock()
	l := h.hosts[host]
	for len(l.waiters) > 0 {
		w := l.waiters[0]
		l.waiters[0] = nil
		l.waiters = l.waiters[1:]
		if w.removed {
			continue
		}
		w.granted = true
		h.mu.Unlock()
		if w.wake != nil {
			w.wake()
		} else {
			close(w.ready)
		}
		return
	}
	l.busy--
	if l.busy == 0 {
		delete(h.hosts, host)
	}
	h.mu.Unlock()
}

// deadline is one step of a watchdog.
type deadline struct {
	after   time.Duration // from the watchdog's start
	hard    bool
	headers bool // cancelled once response headers arrive
	what    string
}

// watchdog runs soft and hard deadlines for one request on the Clock, one
// at a time, with callbacks rather than a goroutine of its own (a capture
// arms one per request, thousands a second): soft deadlines call onSoft, a
// hard one cancels the request with ErrTimeout.
type watchdog struct {
	clock  airkeep.Clock
	start  time.Time
	steps  []deadline
	onSoft func(what string)
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	next    int
	gen     uint64 // bumped whenever the armed deadline changes: a late call is ignored
	disarm  func() bool
	headers bool // the response headers arrived
	stopped bool
	calling sync.WaitGroup // onSoft calls under way, which stop waits for
}

func startWatchdog(ctx context.Context, clock airkeep.Clock, steps []deadline, onSoft func(what string)) (context.Context, *watchdog) {
	wctx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{clock: clock, start: clock.Now(), steps: steps, onSoft: onSoft, cancel: cancel}
	w.mu.Lock()
	w.armLocked()
	w.mu.Unlock()
	return wctx, w
}

// armLocked arms the next deadline that still applies. w.mu held.
func (w *watchdog) armLocked() {
	for w.next < len(w.steps) && w.steps[w.next].headers && w.headers {
		w.next++
	}
	w.gen++
	if w.next == len(w.steps) {
		w.disarm = nil
		return
	}
	gen := w.gen
	w.disarm = airkeep.AfterFunc(w.clock, w.steps[w.next].after-w.clock.Now().Sub(w.start), func() { w.fire(gen) })
}

func (w *watchdog) fire(gen uint64) {
	w.mu.Lock()
	if w.stopped || gen != w.gen {
		w.mu.Unlock()
		return
	}
	s := w.steps[w.next]
	w.next++
	if s.hard {
		w.stopped = true
		w.mu.Unlock()
		w.cancel(fmt.Errorf("%w: %s", ErrTimeout, s.what))
		return
	}
	w.armLocked()
	w.calling.Add(1)
	w.mu.Unlock()
	defer w.calling.Done()
	if w.onSoft != nil {
		w.onSoft(s.what)
	}
}

// gotHeaders tells the watchdog the response headers arrived: the
// deadlines for them no longer apply.
func (w *watchdog) gotHeaders() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.headers || w.stopped {
		return
	}
	w.headers = true
	if w.next < len(w.steps) && w.steps[w.next].headers {
		w.disarm()
		w.armLocked()
	}
}

// stop ends the watchdog and releases its context. Once it returns,
// onSoft is not running and will not be called.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.disarm != nil {
		w.disarm()
	}
	w.mu.Unlock()
	w.calling.Wait()
	w.cancel(nil)
}

// cause returns the error that ended ctx: ErrTimeout from a watchdog, or
// the context's own error.
func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && errors.Is(c, ErrTimeout) {
		return c
	}
	return err
}

// get issues a GET for rawURL (with a byte range if br is set) and checks
// the status. The caller closes the body.
func (s *settings) get(ctx context.Context, rawURL string, br *playlist.ByteRange) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return nil, fmt.Errorf("hls: refusing URL %q", clip(rawURL))
	}
	u := req.URL
	req.Header.Set("User-Agent", "airkeep-hls/1")
	if br != nil {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(br.Offset, 10)+"-"+strconv.FormatInt(br.Offset+br.Length-1, 10))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	// Redirects may not leave http(s) nor downgrade https.
	if fu := resp.Request.URL; fu.Scheme != "http" && fu.Scheme != "https" || u.Scheme == "https" && fu.Scheme == "http" {
		resp.Body.Close()
		return nil, fmt.Errorf("hls: %s redirected to %s", clip(rawURL), clip(fu.String()))
	}
	ok := resp.StatusCode == http.StatusOK || br != nil && resp.StatusCode == http.StatusPartialContent
	if !ok {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // keep the connection reusable
		resp.Body.Close()
		return nil, &StatusError{URL: rawURL, Code: resp.StatusCode}
	}
	return resp, nil
}

// hostOf returns the host part of a URL, for the host limiter.
func hostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Host
	}
	return rawURL
}

// fetchBody GETs a small resource (playlist, key, init section) whole,
// under soft and hard timeouts, refusing more than limit bytes. It returns
// the body and the final URL after redirects. Playlists are not held back
// by the host limiter: a variant has at most two workers, and a reload that
// waited behind segment downloads would let segments slip out of the window.
func (s *settings) fetchBody(ctx context.Context, rawURL string, br *playlist.ByteRange, limit int64, soft, hard time.Duration, onSoft func(string)) ([]byte, string, error) {
	var steps []deadline
	if soft > 0 && soft < hard {
		steps = append(steps, deadline{after: soft, what: "soft timeout"})
	}
	steps = append(steps, deadline{after: hard, hard: true, what: "hard timeout"})
	wctx, wd := startWatchdog(ctx, s.clock, steps, onSoft)
	defer wd.stop()
	resp, err := s.get(wctx, rawURL, br)
	if err != nil {
		return nil, "", cause(wctx, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, "", fmt.Errorf("%s: %d bytes: %w", clip(rawURL), resp.ContentLength, ErrTooLarge)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", cause(wctx, err)
	}
	if int64(len(body)) > limit {
		return nil, "", fmt.Errorf("%s: over %d bytes: %w", clip(rawURL), limit, ErrTooLarge)
	}
	if br != nil && resp.StatusCode == http.StatusOK {
		// The server ignored the range: cut it out ourselves.
		if br.Offset+br.Length > int64(len(body)) {
			return nil, "", fmt.Errorf("%s: range beyond the %d-byte body", clip(rawURL), len(body))
		}
		body = body[br.Offset : br.Offset+br.Length]
	}
	return body, resp.Request.URL.String(), nil
}
