package hls

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// spillWriters bounds the writes of buffered segments running at once once
// the store takes them again: one writer would fall behind a thousand
// variants that all kept downloading.
const spillWriters = 8

// spilled is a downloaded segment the store has not taken yet.
type spilled struct {
	seg  archive.Segment // with its type and the hash of data
	data []byte          // nil when kept in file
	file string          // in Spill.Dir
	size int64
	v    *variant
	j    *job
	busy bool // being written
}

// spill is a Recorder's buffer of segments whose write the store refused
// for a reason that passes, and its writers. It outlives the Recorder's
// sessions: it is started by Run and stopped by Run, after the grace.
type spill struct {
	s       *settings
	store   string
	onFatal func(error)
	failing atomic.Bool // read by every attempt: stream to the store, or download into the buffer

	mu      sync.Mutex
	q       []*spilled // oldest first
	bytes   int64
	since   time.Time
	lastErr error
	kind    string          // of lastErr
	kinds   map[string]bool // kinds of failure reported in this episode
	// counts of the current episode, for its summaries and its end
	epBuffered, epLate, epLost int64
	late, lost                 int64 // over the Run
	fatal                      error
	seq                        int
	wake                       chan struct{}
	emptied                    chan struct{} // poked when the queue becomes empty
	pend                       []Event
}

func newSpill(s *settings, onFatal func(error)) *spill {
	return &spill{s: s, store: storeName(s.Store), onFatal: onFatal, kinds: make(map[string]bool),
		wake: make(chan struct{}, 1), emptied: make(chan struct{}, 1)}
}

// status returns what Status shows of the store.
func (sp *spill) status() StoreStatus {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	st := StoreStatus{Failing: sp.failing.Load(), Buffered: int64(len(sp.q)), BufferedBytes: sp.bytes, StoredLate: sp.late, Lost: sp.lost}
	if st.Failing {
		st.Since, st.Err, st.Kind = sp.since, sp.lastErr, sp.kind
	}
	return st
}

// fault takes a write the store refused. It returns true when the fault
// passes (the caller buffers the segment and carries on) and false when it
// is permanent: the Recorder is then being stopped with a *StoreError.
func (sp *spill) fault(seg archive.Segment, err error) bool {
	kind, permanent := classifyStoreError(err)
	if permanent || sp.s.Spill.Bytes < 0 {
		serr := &StoreError{Store: sp.store, Segment: seg.Path(), Kind: kind, Err: err}
		sp.mu.Lock()
		if sp.fatal == nil {
			sp.fatal = serr
		}
		sp.mu.Unlock()
		sp.onFatal(serr)
		return false
	}
	sp.mu.Lock()
	now := sp.s.clock.Now()
	if !sp.failing.Load() {
		sp.since = now
		sp.epBuffered, sp.epLate, sp.epLost = 0, 0, 0
		clear(sp.kinds)
		sp.failing.Store(true)
	}
	sp.lastErr, sp.kind = err, kind
	first := !sp.kinds[kind]
	sp.kinds[kind] = true
	if first {
		sp.s.log.Warn("store refuses writes; buffering segments", "store", sp.store, "kind", kind, "err", err,
			"buffer_bytes", sp.s.Spill.Bytes)
		sp.pend = append(sp.pend, Event{Kind: EventStoreFailing, Time: now, Stream: sp.s.Stream, Variant: seg.Variant, Segment: seg, Err: err, Reason: kind})
	}
	sp.unlock()
	return true
}

// add buffers a downloaded segment whose bytes hash to seg.Hash. Beyond the
// bound the oldest segments are dropped, and counted lost by name.
func (sp *spill) add(v *variant, j *job, seg archive.Segment, data []byte) {
	e := &spilled{seg: seg, data: data, size: int64(len(data)), v: v, j: j}
	if dir := sp.s.Spill.Dir; dir != "" {
		sp.mu.Lock()
		sp.seq++
		name := filepath.Join(dir, ".airkeep-spill-"+sp.s.Stream+"-"+strconv.Itoa(sp.seq))
		sp.mu.Unlock()
		if err := os.WriteFile(name, data, 0o600); err == nil {
			e.data, e.file = nil, name
		} else {
			os.Remove(name)
			sp.s.log.Warn("spill folder refuses a segment; keeping it in memory", "dir", dir, "err", err)
		}
	}
	sp.mu.Lock()
	if e.size > sp.s.Spill.Bytes {
		sp.loseLocked(e, "larger than the spill buffer")
		sp.unlock()
		return
	}
	for sp.bytes+e.size > sp.s.Spill.Bytes {
		i := 0
		for i < len(sp.q) && sp.q[i].busy {
			i++
		}
		if i == len(sp.q) {
			break // all being written: they leave soon
		}
		old := sp.q[i]
		sp.removeLocked(i)
		sp.loseLocked(old, "spill buffer full")
	}
	sp.q = append(sp.q, e)
	sp.bytes += e.size
	sp.epBuffered++
	v.c.Buffered.Add(1)
	v.c.BufferedBytes.Add(e.size)
	sp.unlock()
	sp.poke()
}

func (sp *spill) poke() {
	select {
	case sp.wake <- struct{}{}:
	default:
	}
}

// removeLocked takes entry i out of the queue. sp.mu held.
func (sp *spill) removeLocked(i int) {
	e := sp.q[i]
	copy(sp.q[i:], sp.q[i+1:])
	sp.q[len(sp.q)-1] = nil
	sp.q = sp.q[:len(sp.q)-1]
	sp.bytes -= e.size
	e.v.c.Buffered.Add(-1)
	e.v.c.BufferedBytes.Add(-e.size)
	if len(sp.q) == 0 {
		select {
		case sp.emptied <- struct{}{}:
		default:
		}
	}
}

// loseLocked counts a segment that will never be stored. sp.mu held.
func (sp *spill) loseLocked(e *spilled, reason string) {
	if e.file != "" {
		os.Remove(e.file)
	}
	sp.lost++
	sp.epLost++
	e.v.c.StoreLost.Add(1)
	sp.s.log.Warn("segment lost", "variant", e.seg.Variant, "path", e.seg.Path(), "size", e.size, "reason", reason)
	sp.pend = append(sp.pend, Event{Kind: EventLost, Time: sp.s.clock.Now(), Stream: sp.s.Stream, Variant: e.seg.Variant,
		Segment: e.seg, Size: e.size, URI: e.j.seg.URI, MSN: e.j.seg.MSN, Reason: reason})
}

// unlock releases sp.mu and delivers the queued events.
func (sp *spill) unlock() {
	evs := sp.pend
	sp.pend = nil
	sp.mu.Unlock()
	if sp.s.OnEvent != nil {
		for _, e := range evs {
			sp.s.OnEvent(e)
		}
	}
}

// next marks the oldest idle entry busy and returns it, or nil.
func (sp *spill) next() *spilled {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, e := range sp.q {
		if !e.busy {
			e.busy = true
			return e
		}
	}
	return nil
}

// spillMaxBackoff bounds the wait between two probes of a failing store:
// a probe is one write, and space freed should be used soon.
const spillMaxBackoff = 10 * time.Second

// run writes the buffered segments, oldest first, until ctx ends: while
// the store fails, one at a time with backoff (1 s to 10 s; at most 1 s
// once stopping is closed); once it takes them, spillWriters at a time. It
// logs a summary every Spill.Summary while the failure lasts.
func (sp *spill) run(ctx context.Context, stopping <-chan struct{}) {
	clock := sp.s.clock
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = time.Second
	bo.MaxInterval = spillMaxBackoff
	bo.MaxElapsedTime = 0
	bo.Reset()
	retry := clock.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	summary := clock.NewTimer(sp.s.Spill.Summary)
	defer summary.Stop()
	var retryC <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-sp.wake:
			if retryC != nil {
				continue // backing off: new segments wait their turn
			}
		case <-retryC:
			retryC = nil
		case <-stopping:
			stopping = nil
			if retryC != nil {
				retry.Reset(time.Second)
			}
			continue
		case <-summary.C():
			sp.summary()
			summary.Reset(sp.s.Spill.Summary)
			continue
		}
		if sp.drain(ctx) {
			bo.Reset()
			continue
		}
		if ctx.Err() != nil {
			return
		}
		wait := bo.NextBackOff()
		if stopping == nil {
			wait = min(wait, time.Second)
		}
		retry.Reset(wait)
		retryC = retry.C()
	}
}

// drain writes buffered segments until none is left (true) or a write
// fails (false). While the store is failing, the oldest segment probes it
// alone.
func (sp *spill) drain(ctx context.Context) bool {
	if sp.failing.Load() {
		e := sp.next()
		if e == nil {
			return true
		}
		if !sp.write(ctx, e) {
			return false
		}
	}
	var wg sync.WaitGroup
	var failed atomic.Bool
	for range spillWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() && ctx.Err() == nil {
				e := sp.next()
				if e == nil {
					return
				}
				if !sp.write(ctx, e) {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return !failed.Load()
}

// spillWriteTimeout bounds one write of a buffered segment.
const spillWriteTimeout = 30 * time.Second

// write stores one buffered segment and reports whether the store took
// it. A refusal that passes puts it back in its place; a permanent one
// stops the Recorder.
func (sp *spill) write(ctx context.Context, e *spilled) bool {
	data := e.data
	var err error
	if e.file != "" {
		data, err = os.ReadFile(e.file)
		if err == nil && int64(len(data)) != e.size {
			err = fmt.Errorf("spill file %s: %d bytes, want %d", e.file, len(data), e.size)
		}
		if err != nil {
			sp.mu.Lock()
			sp.removeAt(e)
			sp.loseLocked(e, "spill file unreadable: "+err.Error())
			sp.unlock()
			return true
		}
	}
	wctx, cancel := withClockTimeout(ctx, sp.s.clock, spillWriteTimeout)
	seg, err := sp.put(wctx, e, data)
	cancel()
	if errors.Is(err, errHashMismatch) {
		sp.mu.Lock()
		sp.removeAt(e)
		sp.loseLocked(e, err.Error())
		sp.unlock()
		return true
	}
	if err != nil {
		if ctx.Err() != nil {
			sp.mu.Lock()
			e.busy = false
			sp.mu.Unlock()
			return false
		}
		if sp.fault(e.seg, err) {
			sp.mu.Lock()
			e.busy = false
			sp.mu.Unlock()
			return false
		}
		sp.mu.Lock()
		sp.removeAt(e)
		sp.loseLocked(e, "store refused it for good")
		sp.unlock()
		return false
	}
	sp.mu.Lock()
	sp.removeAt(e)
	if e.file != "" {
		os.Remove(e.file)
	}
	sp.late++
	sp.epLate++
	e.v.c.StoredLate.Add(1)
	if sp.failing.Load() {
		sp.failing.Store(false)
		sp.s.log.Info("store takes writes again", "store", sp.store, "failed_for", sp.s.clock.Now().Sub(sp.since),
			"buffered", sp.epBuffered, "stored_late", sp.epLate, "lost", sp.epLost, "still_buffered", len(sp.q))
		sp.pend = append(sp.pend, Event{Kind: EventStoreRecovered, Time: sp.s.clock.Now(), Stream: sp.s.Stream, Variant: e.seg.Variant})
	} else if len(sp.q) == 0 && sp.epBuffered > 0 {
		sp.s.log.Info("buffered segments all stored", "store", sp.store, "buffered", sp.epBuffered, "stored_late", sp.epLate, "lost", sp.epLost)
		sp.epBuffered, sp.epLate, sp.epLost = 0, 0, 0
	}
	sp.unlock()
	e.v.onStored(e.j, seg, e.size)
	return true
}

// removeAt removes e wherever it is in the queue. sp.mu held.
func (sp *spill) removeAt(e *spilled) {
	for i, x := range sp.q {
		if x == e {
			sp.removeLocked(i)
			return
		}
	}
}

// errHashMismatch reports buffered bytes that no longer hash to their name.
var errHashMismatch = errors.New("hls: buffered segment does not match its hash")

// put writes data as e.seg and checks the hash before committing.
func (sp *spill) put(ctx context.Context, e *spilled, data []byte) (archive.Segment, error) {
	w, err := sp.s.Store.Create(ctx, archive.Segment{Stream: e.seg.Stream, Variant: e.seg.Variant, Start: e.seg.Start, Duration: e.seg.Duration})
	if err != nil {
		return archive.Segment{}, err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return archive.Segment{}, err
	}
	if w.Hash() != e.seg.Hash {
		w.Abort()
		return archive.Segment{}, fmt.Errorf("%s: %w", e.seg.Path(), errHashMismatch)
	}
	return w.Commit(ctx, e.seg.Type)
}

// summary logs what the current failure has cost so far.
func (sp *spill) summary() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if !sp.failing.Load() {
		return
	}
	sp.s.log.Warn("store still refuses writes", "store", sp.store, "for", sp.s.clock.Now().Sub(sp.since), "err", sp.lastErr,
		"buffered", len(sp.q), "buffered_bytes", sp.bytes, "stored_late", sp.epLate, "lost", sp.epLost)
}

// close reports every segment still buffered as lost, by name: the grace
// of a stop has ended, or the store refused for good. The writers have
// returned.
func (sp *spill) close(reason string) {
	sp.mu.Lock()
	for len(sp.q) > 0 {
		e := sp.q[0]
		sp.removeLocked(0)
		sp.loseLocked(e, reason)
	}
	if sp.failing.Load() {
		sp.s.log.Warn("stopped while the store refused writes", "store", sp.store, "err", sp.lastErr,
			"buffered", sp.epBuffered, "stored_late", sp.epLate, "lost", sp.epLost)
	}
	sp.unlock()
}

// empty reports whether nothing is buffered.
func (sp *spill) empty() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return len(sp.q) == 0
}

// withClockTimeout is context.WithTimeout on the Recorder's clock.
func withClockTimeout(parent context.Context, clock airkeep.Clock, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	t := clock.NewTimer(d)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer t.Stop()
		select {
		case <-t.C():
			cancel(context.DeadlineExceeded)
		case <-done:
		case <-ctx.Done():
		}
	}()
	return ctx, func() { close(done); cancel(nil); wg.Wait() }
}
