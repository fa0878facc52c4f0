package hls

import (
	"context"
	"sync"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls/playlist"
)

// variant captures one variant of a stream: it owns the variant's media
// playlist workers, hands each playlist they fetch to its sequence (which
// decides which segments are new and dates them, without I/O), reports
// what that finds, and runs a bounded pool of getters over a bounded
// queue.
//
// Hand-over: there is at most one active worker (the one receiving live
// content) and one pending worker (its replacement, not yet proven). A
// pending worker becomes active when it fetches its first playlist with
// real content; only then is the old one stopped, so nothing is missed
// while the new URL warms up (a pre-roll ad, a slow edge).
type variant struct {
	s    *settings
	sess *session
	name string
	c    *Counters
	keys *blobCache

	workCtx  context.Context // workers and URL requests: ends with Run's context
	getCtx   context.Context // getters: ends a grace period later
	stopping chan struct{}   // closed when Run's context ends
	wg       sync.WaitGroup
	// fetches counts the key and init-section fetches of its caches
	// (blobCache), which may outlive the getter that asked.
	fetches sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	active     *worker
	pending    *worker
	delivered  *worker // the latest worker to become active, kept after it stops
	workers    map[*worker]struct{}
	requesting bool
	nextID     int
	url        string

	seq       *sequence // what the playlists said: numbers, holes, resets, dates
	lastPrune time.Time

	queue   []*job
	running int
	// waitSlot, while the head of the queue waits in the host limiter's
	// line, takes it out of line.
	waitSlot func() bool

	// stored maps what this recorder committed, by start and duration:
	// which types, and the names, to tell a duplicate from a new file and
	// to skip refetching a segment already stored whole.
	stored map[fullKey]*storedInfo
	live   bool

	pend      []Event // events to deliver once v.mu is released
	liveDirty bool
}

type fullKey struct {
	start int64 // Unix µs, as names carry it
	dur   archive.Seconds
}

type storedInfo struct {
	full   bool
	hashes []storedHash // usually one
}

type storedHash struct {
	typ  archive.Type
	hash archive.Hash
}

func newVariant(sess *session, name string, c *Counters) *variant {
	v := &variant{
		s: sess.s, sess: sess, name: name, c: c,
		workers: make(map[*worker]struct{}),
		seq:     newSequence(),
		stored:  make(map[fullKey]*storedInfo),
	}
	v.keys = newBlobCache(16, &v.fetches)
	return v
}

// run captures until ctx ends, then stops its workers at once, lets the
// getters in flight and the queued segments finish for up to
// Timeouts.Shutdown, cuts the rest (saving what they received as partial,
// dropping what had not started), and returns when every goroutine it
// started has returned.
func (v *variant) run(ctx context.Context) {
	getCtx, cancelGet := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelGet()
	v.workCtx, v.getCtx = ctx, getCtx
	v.stopping = make(chan struct{})
	v.mu.Lock()
	v.requestLocked(nil, "", "start", false, false)
	v.unlock()

	<-ctx.Done()

	stopAt := v.s.clock.Now()
	v.mu.Lock()
	v.closed = true
	last := v.delivered
	for w := range v.workers {
		w.cancel()
	}
	v.live = false // quietly: the Recorder is stopping, not waiting for the stream
	if last != nil {
		// The workers reload at intervals: what the origin published since
		// the last reload is listed by one more, within the grace.
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			v.finalListing(getCtx, last, stopAt)
		}()
	}
	v.unlock()
	close(v.stopping)

	// The segments already listed are still fetched during the grace,
	// those waiting for a getter included: a stop loses nothing that the
	// origin offered in time.
	done := make(chan struct{})
	go func() { v.wg.Wait(); close(done) }()
	grace := v.s.clock.NewTimer(v.s.Timeouts.Shutdown)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C():
		v.mu.Lock()
		v.s.log.Info("cutting downloads still in flight", "variant", v.name, "in_flight", v.c.InFlight.Load(), "queued", len(v.queue))
		cancelGet()
		v.cancelWaitLocked()
		for _, j := range v.queue {
			v.drop(j, "recording stopped")
		}
		v.queue = nil
		v.c.Queued.Store(0)
		v.unlock()
		<-done
	}
	// Every getter has returned, so no fetch starts any more; the ones
	// they left end with their contexts.
	v.fetches.Wait()
}

// newest returns the worker that may ask for a replacement. v.mu held.
func (v *variant) newest() *worker {
	if v.pending != nil {
		return v.pending
	}
	return v.active
}

// requestLocked asks the manager for a media playlist URL and starts a
// worker on it. Only the newest worker may ask (wubloader's rule), and one
// request runs at a time. fresh asks for a URL fresher than from's. v.mu
// held.
// A hand-over is counted when the worker being replaced was delivering;
// replacements while waiting for the stream are only polling.
func (v *variant) requestLocked(from *worker, stale, reason string, fresh, handover bool) {
	if v.closed || v.requesting || (from != nil && from != v.newest()) {
		return
	}
	v.requesting = true
	if from != nil {
		stale = from.url
	}
	since := v.s.clock.Now()
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		u, issued, err := v.sess.mgr.resolve(v.workCtx, v.name, stale, fresh, since)
		v.mu.Lock()
		defer v.unlock()
		v.requesting = false
		if err != nil {
			if v.workCtx.Err() == nil {
				v.sess.fail(err)
			}
			return
		}
		if v.closed {
			return
		}
		if handover {
			v.c.HandOvers.Add(1)
			v.eventLocked(Event{Kind: EventHandOver, URI: u, Reason: reason})
			v.s.log.Info("hand-over: new worker", "variant", v.name, "reason", reason)
		} else {
			v.s.log.Debug("new worker", "variant", v.name, "reason", reason)
		}
		v.startWorkerLocked(u, issued)
	}()
}

// behind reports whether segments of the variant wait for a getter or a
// host slot: the capture is not keeping up with what is listed.
func (v *variant) behind() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.queue) > 0
}

// covered reports whether a worker is delivering the stream.
func (v *variant) covered() bool {
	v.mu.Lock()
	defer v.unlock()
	return v.active != nil
}

// request is requestLocked for callers not holding v.mu.
func (v *variant) request(from *worker, reason string, fresh bool) {
	v.mu.Lock()
	defer v.unlock()
	v.requestLocked(from, "", reason, fresh, from != nil && from.working.Load())
}

func (v *variant) startWorkerLocked(u string, issued time.Time) {
	v.nextID++
	w := newWorker(v, v.nextID, u, issued)
	wctx, cancel := context.WithCancel(v.workCtx)
	w.cancel = cancel
	if v.pending != nil {
		// Replaced before it ever delivered: it was not working anyway.
		v.pending.cancel()
	}
	v.pending = w
	v.workers[w] = struct{}{}
	v.url = u
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		reason, fresh := w.run(wctx)
		cancel()
		v.workerDone(w, reason, fresh)
	}()
}

// workerDone forgets a worker that stopped, and starts a replacement when
// no worker is left.
func (v *variant) workerDone(w *worker, reason string, fresh bool) {
	v.mu.Lock()
	defer v.unlock()
	delete(v.workers, w)
	if v.active == w {
		v.active = nil
		v.setLiveLocked(false)
	}
	if v.pending == w {
		v.pending = nil
	}
	if v.closed || reason == "" {
		return
	}
	v.s.log.Debug("worker stopped", "variant", v.name, "worker", w.id, "reason", reason)
	if v.active == nil && v.pending == nil {
		stale := ""
		if fresh {
			stale = w.url
		}
		v.requestLocked(nil, stale, reason, fresh, w.working.Load() && reason != "ENDLIST")
	}
}

// onPlaylist takes a playlist a worker fetched at fetchStart: it reports
// resets, gaps, discontinuities, dates the segments, queues the new ones
// and promotes the worker when the playlist has real content. It returns
// the number of segments new to the variant (not merely re-listed under a
// renewed token).
func (v *variant) onPlaylist(w *worker, pl *playlist.Media, fetchStart time.Time) int {
	v.mu.Lock()
	defer v.unlock()
	if v.closed {
		return 0
	}
	return v.listLocked(w, pl, fetchStart, time.Time{})
}

// finalListing reloads the active worker's playlist once as the recording
// stops, and queues the segments it lists that started before stopAt.
func (v *variant) finalListing(ctx context.Context, w *worker, stopAt time.Time) {
	s := v.s
	fetchStart := s.clock.Now()
	body, final, err := s.fetchBody(ctx, w.url, nil, int64(s.Limits.PlaylistBytes), 0, s.Timeouts.PlaylistHard, nil)
	var pl *playlist.Media
	if err == nil && playlist.Sniff(body) == playlist.KindMedia {
		pl, err = playlist.Parser{MaxBytes: s.Limits.PlaylistBytes}.Media(body, final)
	}
	if err != nil || pl == nil {
		s.log.Debug("no final playlist reload", "variant", v.name, "err", err)
		return
	}
	v.mu.Lock()
	defer v.unlock()
	v.listLocked(w, pl, fetchStart, stopAt)
}

// listLocked does onPlaylist's work; a non-zero until marks the final
// listing of a stop, which queues only segments that started before it.
// v.mu held.
func (v *variant) listLocked(w *worker, pl *playlist.Media, fetchStart, until time.Time) int {
	segs := pl.Segments
	l := v.seq.observe(pl, fetchStart)
	v.c.Recovered.Add(int64(l.recovered))
	if l.reset {
		v.c.Resets.Add(1)
		v.eventLocked(Event{Kind: EventReset, MSN: segs[0].MSN, Reason: "media sequence went back from " + uitoa(l.resetFrom)})
		v.s.log.Warn("media sequence reset", "variant", v.name, "from", l.resetFrom, "to", segs[len(segs)-1].MSN, "epoch", v.seq.epoch)
		v.requestLocked(w, "", "sequence reset", true, w.working.Load())
	}
	if l.missing > 0 {
		v.c.Missing.Add(int64(l.missing))
		v.c.Gaps.Add(1)
		v.eventLocked(Event{Kind: EventGap, MSN: l.gapFrom, Missing: l.missing})
		v.s.log.Warn("media sequence gap: segments never listed", "variant", v.name, "after", l.gapFrom-1, "missing", l.missing)
	}
	if l.undated {
		v.s.log.Info("no program date-time: dating segments from the fetch time", "variant", v.name, "msn", segs[len(segs)-1].MSN)
	}

	// PDT skew (wubloader #539): the segment whose tag jumped and every
	// later one from this worker are suspect; a fresh worker may not skew.
	skewAt := uint64(0)
	if len(pl.Skews) > 0 {
		sk := pl.Skews[0]
		skewAt = sk.MSN
		if w.skewed.CompareAndSwap(false, true) {
			v.c.Skews.Add(1)
			v.eventLocked(Event{Kind: EventSkew, URI: w.url, MSN: sk.MSN, Skew: sk.Delta})
			v.s.log.Warn("PDT skew: later segments of this worker are suspect", "variant", v.name, "worker", w.id, "msn", sk.MSN, "skew", sk.Delta)
			v.requestLocked(w, "", "PDT skew", true, w.working.Load())
		}
	}
	skewed := w.skewed.Load()
	starts := l.starts
	real := false
	for _, i := range l.fresh {
		s := &segs[i]
		if !until.IsZero() && !starts[i].Before(until) {
			continue // published after the stop: not part of this recording
		}
		if s.Discontinuity {
			v.c.Discontinuities.Add(1)
			v.eventLocked(Event{Kind: EventDiscontinuity, URI: s.URI, MSN: s.MSN})
		}
		switch {
		case s.Gap:
			v.c.GapTags.Add(1)
			v.eventLocked(Event{Kind: EventGapTag, URI: s.URI, MSN: s.MSN})
		case s.Ad && v.s.SkipAds:
			v.c.AdsSkipped.Add(1)
			v.eventLocked(Event{Kind: EventAdSkipped, URI: s.URI, MSN: s.MSN})
		default:
			v.enqueueLocked(&job{seg: *s, start: starts[i], suspect: skewed && s.MSN >= skewAt, maps: w.maps, seen: fetchStart})
		}
	}
	for i := range segs {
		if !segs[i].Gap && !(segs[i].Ad && v.s.SkipAds) {
			real = true
			break
		}
	}
	if pl.Ended && l.novel == 0 {
		real = false // an ended stream waiting to come back
	}
	if real && v.pending == w {
		// The replacement works: retire the old worker.
		if v.active != nil {
			v.active.cancel()
		}
		v.active, v.pending, v.delivered = w, nil, w
		w.working.Store(true)
	}
	if v.active == w && !v.closed {
		v.setLiveLocked(!pl.Ended)
	}
	v.pruneLocked(fetchStart, pl)
	return l.novel
}

// pruneLocked forgets segments no playlist has listed for a while, so
// memory stays bounded however long the recording runs. v.mu held.
func (v *variant) pruneLocked(now time.Time, pl *playlist.Media) {
	if now.Sub(v.lastPrune) < time.Minute {
		return
	}
	v.lastPrune = now
	v.seq.prune(now, pl)
	// A segment is fetched again only while it is listed or retried: keep
	// commits for twice the give-up time (40 minutes by default).
	horizon := now.Add(-max(30*time.Minute, 2*v.s.Timeouts.GiveUp)).UnixMicro()
	for k := range v.stored {
		if k.start < horizon {
			delete(v.stored, k)
		}
	}
}

// enqueueLocked queues a job and starts getters up to the limit. v.mu held.
func (v *variant) enqueueLocked(j *job) {
	j.host = hostOf(j.seg.URI)
	v.queue = append(v.queue, j)
	if len(v.queue) > v.s.Limits.Queue {
		v.drop(v.queue[0], "queue full")
		v.queue[0] = nil
		v.queue = v.queue[1:]
	}
	v.pumpLocked()
	v.c.Queued.Store(int64(len(v.queue)))
}

// drop counts a job that will not run. v.mu held.
func (v *variant) drop(j *job, reason string) {
	v.c.Dropped.Add(1)
	v.eventLocked(Event{Kind: EventDropped, URI: j.seg.URI, MSN: j.seg.MSN, Reason: reason})
}

// pumpLocked starts getters for the queued jobs while the variant has
// getters to spare and their host has slots; when the host has none, the
// variant waits in the host's line (without a goroutine) and onSlot goes
// on. v.mu held.
func (v *variant) pumpLocked() {
	for v.running < v.s.Limits.Getters && len(v.queue) > 0 && v.getCtx.Err() == nil && v.waitSlot == nil {
		host := v.queue[0].host
		ok, cancel := v.s.hosts.reserve(host, func() { v.onSlot(host) })
		if !ok {
			v.waitSlot = cancel
			v.wg.Add(1) // done by onSlot, or when the wait is cancelled
			return
		}
		v.startGetterLocked(v.s.hosts.releaser(host))
	}
}

// onSlot takes a host slot the variant waited for: the head of the queue
// gets it, or it goes back.
func (v *variant) onSlot(host string) {
	release := v.s.hosts.releaser(host)
	defer v.wg.Done()
	v.mu.Lock()
	v.waitSlot = nil
	if v.running < v.s.Limits.Getters && len(v.queue) > 0 && v.getCtx.Err() == nil && v.queue[0].host == host {
		v.startGetterLocked(release)
		release = nil
	}
	v.pumpLocked()
	v.c.Queued.Store(int64(len(v.queue)))
	v.unlock()
	if release != nil {
		release() // after v.mu: it may wake another variant
	}
}

// cancelWaitLocked takes the variant out of its host's line. v.mu held.
func (v *variant) cancelWaitLocked() {
	if v.waitSlot != nil && v.waitSlot() {
		v.wg.Done()
	}
	v.waitSlot = nil
}

// startGetterLocked starts a getter on the head of the queue, with the
// host slot its first attempt uses. v.mu held.
func (v *variant) startGetterLocked(slot func()) {
	j := v.queue[0]
	v.queue[0] = nil
	v.queue = v.queue[1:]
	v.running++
	v.c.InFlight.Add(1)
	g := &getter{v: v, j: j, stopping: v.stopping, slot: slot}
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		g.run(v.getCtx)
		v.mu.Lock()
		v.running--
		v.c.InFlight.Add(-1)
		v.pumpLocked()
		v.c.Queued.Store(int64(len(v.queue)))
		v.unlock()
	}()
}

// onStored records a commit, telling a duplicate from a new file.
func (v *variant) onStored(j *job, seg archive.Segment, size int64) {
	v.mu.Lock()
	k := fullKey{start: seg.Start.UnixMicro(), dur: seg.Duration}
	info := v.stored[k]
	if info == nil {
		info = new(storedInfo)
		v.stored[k] = info
	}
	dup := false
	for _, h := range info.hashes {
		if h.typ == seg.Type && h.hash == seg.Hash {
			dup = true
		}
	}
	if !dup {
		info.hashes = append(info.hashes, storedHash{seg.Type, seg.Hash})
	}
	if seg.Type == archive.Full {
		info.full = true
	}
	v.mu.Unlock()
	if dup {
		v.c.Duplicates.Add(1)
		v.event(Event{Kind: EventDuplicate, Segment: seg, Size: size, URI: j.seg.URI, MSN: j.seg.MSN})
		return
	}
	switch seg.Type {
	case archive.Full:
		v.c.Full.Add(1)
	case archive.Suspect:
		v.c.Suspect.Add(1)
	case archive.Partial:
		v.c.Partial.Add(1)
	}
	v.c.Bytes.Add(size)
	for end := seg.End().UnixNano(); ; {
		cur := v.c.LastEnd.Load()
		if end <= cur || v.c.LastEnd.CompareAndSwap(cur, end) {
			break
		}
	}
	v.event(Event{Kind: EventSegment, Segment: seg, Size: size, URI: j.seg.URI, MSN: j.seg.MSN})
	if seg.Type == archive.Full {
		v.s.log.Debug("segment stored", "variant", v.name, "path", seg.Path(), "size", size)
	} else {
		v.s.log.Info("segment stored", "variant", v.name, "path", seg.Path(), "size", size, "type", seg.Type.String())
	}
}

func (v *variant) key(j *job) fullKey {
	return fullKey{start: j.start.Round(time.Microsecond).UnixMicro(), dur: j.seg.Duration}
}

// hasFull reports whether a full copy of the job's segment was stored.
func (v *variant) hasFull(j *job) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	info := v.stored[v.key(j)]
	return info != nil && info.full
}

// hasAny reports whether any copy of the job's segment was stored.
func (v *variant) hasAny(j *job) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.stored[v.key(j)] != nil
}

// dropped counts a job stopped with the recording before anything of it
// was stored. v.mu must not be held.
func (v *variant) dropped(j *job, reason string) {
	v.c.Dropped.Add(1)
	v.event(Event{Kind: EventDropped, URI: j.seg.URI, MSN: j.seg.MSN, Reason: reason})
	v.s.log.Info("segment dropped", "variant", v.name, "uri", j.seg.URI, "msn", j.seg.MSN, "reason", reason)
}

func (v *variant) gaveUp(j *job, err error) {
	v.c.GiveUps.Add(1)
	v.event(Event{Kind: EventGiveUp, URI: j.seg.URI, MSN: j.seg.MSN, Err: err, Reason: "nothing stored"})
	v.s.log.Warn("segment given up", "variant", v.name, "uri", j.seg.URI, "msn", j.seg.MSN, "err", err)
}

func (v *variant) playlistError(w *worker, err error) {
	v.c.PlaylistErrors.Add(1)
	v.event(Event{Kind: EventError, URI: w.url, Err: err})
	v.s.log.Info("playlist fetch failed", "variant", v.name, "worker", w.id, "err", err)
}

func (v *variant) setLiveLocked(live bool) {
	if v.live == live {
		return
	}
	v.live = live
	v.liveDirty = true
}

// eventLocked queues an event to be delivered by unlock: callbacks never
// run under v.mu, so they may call Status. v.mu held.
func (v *variant) eventLocked(e Event) {
	if v.s.OnEvent != nil {
		v.pend = append(v.pend, v.stamp(e))
	}
}

// unlock releases v.mu, then delivers the queued events and state change.
func (v *variant) unlock() {
	evs, dirty := v.pend, v.liveDirty
	v.pend, v.liveDirty = nil, false
	v.mu.Unlock()
	for _, e := range evs {
		v.s.OnEvent(e)
	}
	if dirty {
		v.sess.liveChanged()
	}
}

func (v *variant) stamp(e Event) Event {
	e.Time = v.s.clock.Now()
	e.Stream = v.s.Stream
	e.Variant = v.name
	return e
}

// event delivers an event at once. v.mu must not be held.
func (v *variant) event(e Event) {
	if v.s.OnEvent != nil {
		v.s.OnEvent(v.stamp(e))
	}
}

// info returns what Status shows of the variant.
func (v *variant) info() (url string, workers int, live bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.url, len(v.workers), v.live
}

func uitoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
