package hls

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls/playlist"
)

// job is one segment to fetch.
type job struct {
	seg     playlist.Segment
	start   time.Time // archive start time
	suspect bool      // its worker saw PDT skew
	maps    *blobCache
	seen    time.Time // when it was first listed; the give-up clock starts here
	host    string    // of seg.URI, for the host limiter
}

// errSuperseded cancels attempts made pointless by a sibling's success.
var errSuperseded = errors.New("hls: another attempt stored the segment")

// attemptResult is how one attempt ended.
type attemptResult struct {
	stored    bool  // committed full or suspect, or buffered for the store
	permanent bool  // the URL is gone (403/404/410) or the body is refused
	storeFail bool  // the store refused the write for a reason that passes
	err       error // nil when stored
}

// getter fetches one segment into the archive, wubloader-style: attempts
// run under soft and hard timeouts, a soft timeout starts a parallel
// attempt while the slow one goes on, failures are retried with jittered
// exponential backoff until the give-up time, and every interrupted
// attempt that received bytes is kept as partial.
type getter struct {
	v        *variant
	j        *job
	stopping <-chan struct{} // closed when the recording stops: no new attempts
	slot     func()          // releases the host slot taken for the first attempt
}

func (g *getter) run(ctx context.Context) {
	s := g.v.s
	clock := s.clock
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 500 * time.Millisecond
	bo.MaxInterval = 15 * time.Second
	bo.MaxElapsedTime = 0 // the give-up timer bounds the whole
	bo.Reset()

	giveUp := clock.NewTimer(s.Timeouts.GiveUp - clock.Now().Sub(g.j.seen))
	defer giveUp.Stop()
	var retry <-chan time.Time
	var retryTimer interface{ Stop() bool }
	defer func() {
		if retryTimer != nil {
			retryTimer.Stop()
		}
	}()

	results := make(chan attemptResult, s.Limits.Attempts)
	soft := make(chan struct{}, s.Limits.Attempts)
	var wg sync.WaitGroup
	var cancels []context.CancelCauseFunc
	active, n := 0, 0
	stored, permanent, stopping := false, false, false
	var lastErr error
	var cancelAll func(error)
	// A download the store refused is done again at once, into the spill
	// buffer, while the origin still has it; once, then the backoff rules.
	reloaded := false
	defer func() {
		if g.slot != nil {
			g.slot()
		}
	}()
	start := func() {
		if g.v.hasFull(g.j) {
			// Another getter (a renewed token, a new worker) stored it.
			stored = true
			cancelAll(errSuperseded)
			return
		}
		actx, cancel := context.WithCancelCause(ctx)
		cancels = append(cancels, cancel)
		active++
		n++
		g.v.c.Attempts.Add(1)
		if n > 1 {
			g.v.c.Retries.Add(1)
		}
		slot := g.slot
		g.slot = nil
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			results <- g.attempt(actx, n, slot, func() {
				select {
				case soft <- struct{}{}:
				default:
				}
			})
		}(n)
	}
	cancelAll = func(err error) {
		for _, c := range cancels {
			c(err)
		}
	}
	defer wg.Wait()
	stop := g.stopping
	cut := ctx.Done()

	start()
	for active > 0 || (!stored && !permanent && !stopping && retry != nil) {
		select {
		case r := <-results:
			active--
			switch {
			case r.stored:
				stored = true
				cancelAll(errSuperseded)
			case r.permanent:
				permanent = true
				lastErr = r.err
			case r.storeFail && !reloaded && active == 0 && retry == nil:
				reloaded = true
				lastErr = r.err
				start()
			default:
				lastErr = r.err
				if active == 0 && !stored && !stopping && retry == nil {
					t := clock.NewTimer(bo.NextBackOff())
					retryTimer, retry = t, t.C()
				}
			}
		case <-soft:
			if active < s.Limits.Attempts && !stored && !permanent && !stopping {
				start()
			}
		case <-retry:
			retry, retryTimer = nil, nil
			if !stored && !permanent && !stopping {
				start()
			}
		case <-giveUp.C():
			permanent = true
			lastErr = fmt.Errorf("gave up after %v: %w", s.Timeouts.GiveUp, errOr(lastErr))
			cancelAll(lastErr)
		case <-stop:
			stop = nil
			stopping = true
			retry = nil
		case <-cut:
			// The shutdown grace is over: the attempts are being cut.
			cut = nil
			stopping = true
			retry = nil
		}
	}
	g.v.s.log.Debug("getter done", "variant", g.v.name, "uri", g.j.seg.URI, "stored", stored, "attempts", n, "err", lastErr)
	if !stored && !g.v.hasAny(g.j) {
		if stopping && !permanent {
			g.v.dropped(g.j, "recording stopped during its download")
		} else {
			g.v.gaveUp(g.j, lastErr)
		}
	}
}

func errOr(err error) error {
	if err == nil {
		return errors.New("no attempt finished")
	}
	return err
}

// attempt makes one download of the segment into a new archive writer. It
// uses the host slot it is given, or waits for one.
func (g *getter) attempt(ctx context.Context, n int, slot func(), onSoft func()) attemptResult {
	s := g.v.s
	j := g.j
	t := s.Timeouts
	// The slot is taken before the timeouts start: they measure the
	// server, not this recorder's own queue, so a busy host does not set
	// off parallel attempts that would only queue too.
	if slot == nil {
		var err error
		if slot, err = s.hosts.acquire(ctx, j.host); err != nil {
			return attemptResult{err: err}
		}
	}
	defer slot()
	began := s.clock.Now()
	headersSoft, bodySoft := s.softTimeouts(time.Duration(float64(j.seg.Duration) * float64(time.Second)))
	wctx, wd := startWatchdog(ctx, s.clock, sortDeadlines([]deadline{
		{after: headersSoft, headers: true, what: "headers soft timeout"},
		{after: t.HeadersHard, headers: true, hard: true, what: "headers hard timeout"},
		{after: bodySoft, what: "body soft timeout"},
		{after: t.BodyHard, hard: true, what: "body hard timeout"},
	}), func(what string) {
		g.v.s.log.Debug("segment slow, starting a parallel attempt", "variant", g.v.name, "uri", j.seg.URI, "why", what, "attempt", n)
		onSoft()
	})
	defer wd.stop()

	var prefix []byte
	if j.seg.Map != nil {
		m := j.seg.Map
		b, err := j.maps.get(wctx, m.ID(), func(ctx context.Context) ([]byte, error) {
			b, _, err := s.fetchBody(ctx, m.URI, m.Range, s.Limits.MapBytes, 0, t.HeadersHard, nil)
			return b, err
		})
		if err != nil {
			return attemptResult{err: fmt.Errorf("init section: %w", cause(wctx, err)), permanent: isExpired(err)}
		}
		prefix = b
	}
	var key []byte
	if k := j.seg.Key; k != nil && k.Method == "AES-128" {
		b, err := g.v.keys.get(wctx, k.URI, func(ctx context.Context) ([]byte, error) {
			b, _, err := s.fetchBody(ctx, k.URI, nil, 16, 0, t.HeadersHard, nil)
			if err == nil && len(b) != 16 {
				err = fmt.Errorf("hls: key %s has %d bytes, want 16", clip(k.URI), len(b))
			}
			return b, err
		})
		if err != nil {
			return attemptResult{err: fmt.Errorf("key: %w", cause(wctx, err)), permanent: isExpired(err)}
		}
		key = b
	}

	resp, err := s.get(wctx, j.seg.URI, j.seg.Range)
	if err != nil {
		return attemptResult{err: cause(wctx, err), permanent: isExpired(err)}
	}
	defer resp.Body.Close()
	wd.gotHeaders()

	limit := s.Limits.SegmentBytes
	var body io.Reader = resp.Body
	if r := j.seg.Range; r != nil {
		if resp.StatusCode == http.StatusOK {
			// The server ignored the range: skip to it.
			if _, err := io.CopyN(io.Discard, body, r.Offset); err != nil {
				return attemptResult{err: fmt.Errorf("skipping to byte %d: %w", r.Offset, cause(wctx, err))}
			}
		}
		body = io.LimitReader(body, r.Length)
		limit = min(limit, r.Length)
	}
	if resp.ContentLength > limit && j.seg.Range == nil {
		return attemptResult{err: fmt.Errorf("%d bytes: %w", resp.ContentLength, ErrTooLarge), permanent: true}
	}
	body = &limitedReader{r: body, n: limit}
	if key != nil {
		if body, err = newCBCReader(body, key, ivFor(j.seg.Key, j.seg.MSN)); err != nil {
			return attemptResult{err: err, permanent: true}
		}
	}

	seg := archive.Segment{Stream: s.Stream, Variant: g.v.name, Start: j.start, Duration: j.seg.Duration}
	sp := g.v.sess.r.spill
	if sp.failing.Load() {
		return g.buffer(ctx, wctx, seg, prefix, body, resp, key != nil, began)
	}
	w, err := s.Store.Create(ctx, seg)
	if err != nil {
		return g.storeFailed(ctx, seg, fmt.Errorf("archive: %w", err))
	}
	sw := &errWriter{w: w}
	written := int64(0)
	if len(prefix) > 0 {
		if _, err := sw.Write(prefix); err != nil {
			w.Abort()
			return g.storeFailed(ctx, seg, err)
		}
		written += int64(len(prefix))
	}
	bp := copyBufs.Get().(*[]byte)
	nb, err := copyFull(sw, body, *bp)
	copyBufs.Put(bp)
	written += nb
	if sw.err != nil {
		w.Abort()
		return g.storeFailed(ctx, seg, sw.err)
	}
	if err == nil && resp.ContentLength >= 0 && j.seg.Range == nil && key == nil && nb != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		err = cause(wctx, err)
		if errors.Is(context.Cause(ctx), errSuperseded) || nb == 0 || errors.Is(err, ErrTooLarge) {
			// A sibling stored it, nothing of the segment arrived, or the
			// body is not a segment we accept: keep nothing.
			w.Abort()
			return attemptResult{err: err, permanent: errors.Is(err, ErrTooLarge)}
		}
		// Keep what arrived, under the hash of what arrived.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		stored, cerr := w.Commit(cctx, archive.Partial)
		cancel()
		if cerr == nil {
			g.v.onStored(j, stored, written)
		} else if r := g.storeFailed(ctx, seg, fmt.Errorf("archive: %w", cerr)); r.permanent {
			return r
		}
		return attemptResult{err: err}
	}
	typ := archive.Full
	took := s.clock.Now().Sub(began)
	if took >= t.Suspect || nb == 0 || j.suspect {
		typ = archive.Suspect
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	stored, err := w.Commit(cctx, typ)
	cancel()
	if err != nil {
		return g.storeFailed(ctx, seg, fmt.Errorf("archive: %w", err))
	}
	g.v.onStored(j, stored, written)
	return attemptResult{stored: true}
}

// storeFailed reports a write the store refused: one that passes marks
// the store failing, so the next attempt downloads into the spill buffer;
// a permanent one is stopping the Recorder.
func (g *getter) storeFailed(ctx context.Context, seg archive.Segment, err error) attemptResult {
	if ctx.Err() != nil && errors.Is(err, context.Cause(ctx)) || errors.Is(err, context.Canceled) {
		return attemptResult{err: err} // our own stop or cut, not the store's doing
	}
	if g.v.sess.r.spill.fault(seg, err) {
		return attemptResult{err: err, storeFail: true}
	}
	return attemptResult{err: err, permanent: true}
}

// buffer downloads the segment into memory while the store fails, hashes
// it, and hands it to the spill buffer, as full or suspect, or as partial
// when the download is cut short.
func (g *getter) buffer(ctx, wctx context.Context, seg archive.Segment, prefix []byte, body io.Reader, resp *http.Response, decrypted bool, began time.Time) attemptResult {
	s := g.v.s
	j := g.j
	var data []byte
	if n := resp.ContentLength; n > 0 && n <= s.Limits.SegmentBytes {
		data = make([]byte, 0, int64(len(prefix))+n)
	}
	data = append(data, prefix...)
	bw := &appendWriter{b: data}
	bp := copyBufs.Get().(*[]byte)
	nb, err := copyFull(bw, body, *bp)
	copyBufs.Put(bp)
	data = bw.b
	if err == nil && resp.ContentLength >= 0 && j.seg.Range == nil && !decrypted && nb != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	seg, perr := archive.PrepareCreate(seg)
	if perr != nil {
		return attemptResult{err: perr, permanent: true}
	}
	seg.Hash = sha256.Sum256(data)
	if err != nil {
		err = cause(wctx, err)
		if errors.Is(context.Cause(ctx), errSuperseded) || nb == 0 || errors.Is(err, ErrTooLarge) {
			return attemptResult{err: err, permanent: errors.Is(err, ErrTooLarge)}
		}
		seg.Type = archive.Partial
		g.v.sess.r.spill.add(g.v, j, seg, data)
		return attemptResult{err: err}
	}
	seg.Type = archive.Full
	if s.clock.Now().Sub(began) >= s.Timeouts.Suspect || nb == 0 || j.suspect {
		seg.Type = archive.Suspect
	}
	g.v.sess.r.spill.add(g.v, j, seg, data)
	return attemptResult{stored: true}
}

// errWriter keeps the first error of w, to tell a store's refusal from a
// download's failure in a copy.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// appendWriter appends to a byte slice.
type appendWriter struct{ b []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// copyFull copies r to w in chunks that fill buf before each write:
// sockets return a few kilobytes per read, and a write (with its hash
// update and system call) per read would cost more than the bytes.
func copyFull(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var k int
			k, err = r.Read(buf[n:])
			n += k
		}
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// limitedReader fails with ErrTooLarge past n bytes, where io.LimitReader
// would silently stop.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n + int(l.n), ErrTooLarge
	}
	return n, err
}

func sortDeadlines(d []deadline) []deadline {
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && d[j].after < d[j-1].after; j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
	return d
}
