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

	"golang.org/x/sync/semaphore"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/hls/playlist"
)

// ErrTimeout reports a request cut by its hard timeout.
var ErrTimeout = errors.New("hls: hard timeout")

// HostLimiter bounds the segment downloads in flight to each host. Share one between
// Recorders (Config.Hosts) that read the same origin: the field reports
// 401s and 403s from CDNs when too many parallel requests reach them.
type HostLimiter struct {
	perHost int64
	mu      sync.Mutex
	hosts   map[string]*hostSem
}

type hostSem struct {
	sem   *semaphore.Weighted
	users int
}

// NewHostLimiter returns a limiter of perHost requests per host (at least 1).
func NewHostLimiter(perHost int) *HostLimiter {
	return &HostLimiter{perHost: int64(max(perHost, 1)), hosts: make(map[string]*hostSem)}
}

// acquire waits for a slot for host and returns its release. Idle hosts
// are forgotten, so the map holds only hosts with requests in flight or
// waiting.
func (h *HostLimiter) acquire(ctx context.Context, host string) (func(), error) {
	h.mu.Lock()
	hs := h.hosts[host]
	if hs == nil {
		hs = &hostSem{sem: semaphore.NewWeighted(h.perHost)}
		h.hosts[host] = hs
	}
	hs.users++
	h.mu.Unlock()
	done := func() {
		h.mu.Lock()
		if hs.users--; hs.users == 0 {
			delete(h.hosts, host)
		}
		h.mu.Unlock()
	}
	if err := hs.sem.Acquire(ctx, 1); err != nil {
		done()
		return nil, err
	}
	return func() { hs.sem.Release(1); done() }, nil
}

// deadline is one step of a watchdog.
type deadline struct {
	after   time.Duration // from the watchdog's start
	hard    bool
	headers bool // cancelled once response headers arrive
	what    string
}

// watchdog runs soft and hard deadlines for one request on the Clock with a
// single timer: soft deadlines call onSoft, a hard one cancels the request
// with ErrTimeout. It owns one goroutine, stopped by stop.
type watchdog struct {
	headers chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

func startWatchdog(ctx context.Context, clock airkeep.Clock, steps []deadline, onSoft func(what string)) (context.Context, *watchdog) {
	wctx, cancel := context.WithCancelCause(ctx)
	// headers is buffered: the watchdog may have returned (its context
	// ended) when the headers arrive, and nobody would receive.
	w := &watchdog{headers: make(chan struct{}, 1), done: make(chan struct{})}
	start := clock.Now()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer cancel(nil)
		gotHeaders := false
		hc := w.headers
		next := 0
		var t airkeep.Timer
		defer func() {
			if t != nil {
				t.Stop()
			}
		}()
		for {
			for next < len(steps) && steps[next].headers && gotHeaders {
				next++
			}
			var c <-chan time.Time
			if next < len(steps) {
				d := steps[next].after - clock.Now().Sub(start)
				if t == nil {
					t = clock.NewTimer(d)
				} else {
					t.Reset(d)
				}
				c = t.C()
			}
			select {
			case <-c:
				s := steps[next]
				next++
				if s.hard {
					cancel(fmt.Errorf("%w: %s", ErrTimeout, s.what))
					return
				}
				if onSoft != nil {
					onSoft(s.what)
				}
			case <-hc:
				gotHeaders = true
				hc = nil
			case <-w.done:
				return
			case <-wctx.Done():
				return
			}
		}
	}()
	return wctx, w
}

// gotHeaders tells the watchdog the response headers arrived.
func (w *watchdog) gotHeaders() {
	select {
	case w.headers <- struct{}{}:
	default:
	}
}

// stop ends the watchdog and waits for its goroutine.
func (w *watchdog) stop() {
	w.once.Do(func() { close(w.done) })
	w.wg.Wait()
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
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("hls: refusing URL %q", clip(rawURL))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
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
