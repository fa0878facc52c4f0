package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"golang.org/x/sync/errgroup"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/internal/diskerr"
)

// BackfillConfig configures a Backfiller. Peers are the base URLs of other
// nodes' HTTP APIs (airkeep's Handler or wubloader's restreamer).
type BackfillConfig struct {
	// Peers is a static list of peer base URLs, e.g. http://node2:8000.
	Peers []string
	// PeerList, when set, returns the current peers instead; it is asked
	// again every PeerInterval (nodes come and go).
	PeerList func(ctx context.Context) ([]string, error)
	// Self is this node's own base URL, left out of the peer list.
	Self string
	// Streams and Variants restrict what is backfilled. Empty means all.
	Streams, Variants []string
	// Window is how far back hours are backfilled: an hour that ended
	// more than Window ago is left alone. 0 means two weeks.
	Window time.Duration
	// Start, when set, also leaves alone every hour that ended at or
	// before it: give it the retention cutoff (PruneConfig.Cutoff) so
	// that backfill never fetches again from peers what retention
	// removed. Both bounds are checked again before each hour, since a
	// pass can take long.
	Start time.Time
	// RecentCutoff skips segments that started less than this long ago;
	// the local capture may still be fetching them. 0 means 120 s;
	// NoRecentCutoff fetches every segment however recent (a node that
	// captures nothing, or a test).
	RecentCutoff time.Duration
	// PerPeer bounds the downloads running at once from one peer. 0 means 5.
	PerPeer int
	// Interval is the pause between two passes over a peer, jittered.
	// 0 means 120 s.
	Interval time.Duration
	// PeerInterval is how often PeerList is asked again. 0 means 30 s.
	PeerInterval time.Duration
	// ListTimeout bounds each listing request. 0 means 10 s.
	ListTimeout time.Duration
	// SegmentTimeout bounds each segment download, so a peer that drips
	// bytes cannot hold a download slot forever. 0 means 2 minutes.
	SegmentTimeout time.Duration
	// MaxListingBytes bounds a listing's body. 0 means 16 MiB.
	MaxListingBytes int64
	// MaxSegmentBytes bounds a segment's body. 0 means 512 MiB.
	MaxSegmentBytes int64
	// HTTPClient makes the requests. Nil means a client with a 10 s
	// response header timeout.
	HTTPClient *http.Client
	// Clock is nil for the system clock.
	Clock airkeep.Clock
	// Logger receives per-peer failures. Nil means discard.
	Logger *slog.Logger
	// Observer, when set, is told of every segment fetched, skipped or
	// rejected, from several goroutines at once.
	Observer func(BackfillEvent)
}

// NoRecentCutoff, as BackfillConfig.RecentCutoff, skips no segment for
// being recent. (A zero RecentCutoff means the default, 120 s.)
const NoRecentCutoff time.Duration = -1

// BackfillKind says what a BackfillEvent reports.
type BackfillKind int

// The backfill event kinds.
const (
	// BackfillFetched: a segment was downloaded, hashed to its name and
	// stored.
	BackfillFetched BackfillKind = iota + 1
	// BackfillTombstone: a peer's tombstone was replicated.
	BackfillTombstone
	// BackfillSkipped: a name not fetched: temp, too recent, already held,
	// gone from the peer, or not a segment.
	BackfillSkipped
	// BackfillRejected: a name, hour or body that fails validation.
	BackfillRejected
	// BackfillMismatch: bytes that do not hash to their name; discarded.
	BackfillMismatch
	// BackfillError: a request or a write failed.
	BackfillError
)

var backfillKindNames = [...]string{
	BackfillFetched: "fetched", BackfillTombstone: "tombstone", BackfillSkipped: "skipped",
	BackfillRejected: "rejected", BackfillMismatch: "mismatch", BackfillError: "error",
}

// String returns the kind's name as the backfill example prints it:
// "fetched", "tombstone", "skipped", "rejected", "mismatch" or "error".
func (k BackfillKind) String() string {
	if k > 0 && int(k) < len(backfillKindNames) {
		return backfillKindNames[k]
	}
	return fmt.Sprintf("BackfillKind(%d)", int(k))
}

// BackfillEvent reports one thing a backfill did with a remote name.
type BackfillEvent struct {
	Peer string
	Kind BackfillKind
	// Path is the remote path, STREAM/VARIANT/HOUR/NAME (or as much of it
	// as was known).
	Path  string
	Bytes int64
	// Reason says why for skipped, rejected, mismatch and error events.
	Reason string
}

// BackfillStats counts what backfill did.
type BackfillStats struct {
	Fetched, Bytes, Tombstones, Skipped, Rejected, Mismatches, Errors int64
}

// Backfiller fills a store's holes from peer nodes: it lists each peer's
// hours within a window, newest first, compares them with the local store,
// and fetches what is missing through the store's temp-then-commit path.
// Every name a peer sends is validated before use, and every downloaded
// segment must hash to its name or it is discarded, so a hostile peer can
// neither write outside the store nor plant a wrong file.
type Backfiller struct {
	store  ReadWriter
	cfg    BackfillConfig
	clock  airkeep.Clock
	log    *slog.Logger
	client *http.Client

	stats struct {
		fetched, bytes, tombstones, skipped, rejected, mismatches, errors atomic.Int64
	}

	// Peers are passed over at once and often hold the same segments: a
	// segment is fetched from one at a time (claims), and one fetched
	// lately is not fetched again from another peer whose listing was
	// compared before it arrived (fetched).
	claimMu sync.Mutex
	claims  map[string]bool
	fetched *lru[string, struct{}]
}

// NewBackfiller returns a Backfiller writing into store.
func NewBackfiller(store ReadWriter, cfg BackfillConfig) (*Backfiller, error) {
	if store == nil {
		return nil, &ConfigError{Field: "store", Reason: "required"}
	}
	if len(cfg.Peers) == 0 && cfg.PeerList == nil {
		return nil, &ConfigError{Field: "Peers", Reason: "give Peers or PeerList"}
	}
	for _, p := range cfg.Peers {
		if err := checkPeerURL(p); err != nil {
			return nil, &ConfigError{Field: "Peers", Err: err}
		}
	}
	for _, s := range cfg.Streams {
		if err := ValidateComponent("stream", s); err != nil {
			return nil, &ConfigError{Field: "Streams", Err: err}
		}
	}
	for _, v := range cfg.Variants {
		if err := ValidateComponent("variant", v); err != nil {
			return nil, &ConfigError{Field: "Variants", Err: err}
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Window", cfg.Window}, {"Interval", cfg.Interval}, {"PeerInterval", cfg.PeerInterval}, {"ListTimeout", cfg.ListTimeout}, {"SegmentTimeout", cfg.SegmentTimeout}} {
		if d.v < 0 {
			return nil, &ConfigError{Field: d.name, Reason: "negative"}
		}
	}
	if cfg.PerPeer < 0 || cfg.MaxListingBytes < 0 || cfg.MaxSegmentBytes < 0 {
		return nil, &ConfigError{Field: "PerPeer/MaxListingBytes/MaxSegmentBytes", Reason: "negative"}
	}
	cfg.Window = orDuration(cfg.Window, 14*24*time.Hour)
	switch {
	case cfg.RecentCutoff == NoRecentCutoff:
		cfg.RecentCutoff = 0
	case cfg.RecentCutoff < 0:
		return nil, &ConfigError{Field: "RecentCutoff", Reason: "negative; NoRecentCutoff turns it off"}
	default:
		cfg.RecentCutoff = orDuration(cfg.RecentCutoff, 120*time.Second)
	}
	cfg.Interval = orDuration(cfg.Interval, 120*time.Second)
	cfg.PeerInterval = orDuration(cfg.PeerInterval, 30*time.Second)
	cfg.ListTimeout = orDuration(cfg.ListTimeout, 10*time.Second)
	cfg.SegmentTimeout = orDuration(cfg.SegmentTimeout, 2*time.Minute)
	cfg.PerPeer = orDefault(cfg.PerPeer, 5)
	if cfg.MaxListingBytes == 0 {
		cfg.MaxListingBytes = 16 << 20
	}
	if cfg.MaxSegmentBytes == 0 {
		cfg.MaxSegmentBytes = 512 << 20
	}
	b := &Backfiller{
		store: store, cfg: cfg, clock: airkeep.OrSystem(cfg.Clock), log: cfg.Logger, client: cfg.HTTPClient,
		claims: make(map[string]bool), fetched: newLRU[string, struct{}](1 << 16),
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = 10 * time.Second
		tr.MaxIdleConnsPerHost = 2 * cfg.PerPeer
		b.client = &http.Client{Transport: tr}
	}
	return b, nil
}

func checkPeerURL(p string) error {
	u, err := url.Parse(p)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("peer %q: want http(s)://host[:port]", p)
	}
	return nil
}

// Stats returns the counters so far.
func (b *Backfiller) Stats() BackfillStats {
	s := &b.stats
	return BackfillStats{
		Fetched: s.fetched.Load(), Bytes: s.bytes.Load(), Tombstones: s.tombstones.Load(), Skipped: s.skipped.Load(),
		Rejected: s.rejected.Load(), Mismatches: s.mismatches.Load(), Errors: s.errors.Load(),
	}
}

func (b *Backfiller) event(e BackfillEvent) {
	s := &b.stats
	switch e.Kind {
	case BackfillFetched:
		s.fetched.Add(1)
		s.bytes.Add(e.Bytes)
	case BackfillTombstone:
		s.tombstones.Add(1)
	case BackfillSkipped:
		s.skipped.Add(1)
	case BackfillRejected:
		s.rejected.Add(1)
	case BackfillMismatch:
		s.mismatches.Add(1)
	case BackfillError:
		s.errors.Add(1)
	}
	if b.cfg.Observer != nil {
		b.cfg.Observer(e)
	}
}

// peers returns the current peer list, Self and invalid URLs left out.
func (b *Backfiller) peers(ctx context.Context) ([]string, error) {
	list := b.cfg.Peers
	if b.cfg.PeerList != nil {
		var err error
		if list, err = b.cfg.PeerList(ctx); err != nil {
			return nil, err
		}
	}
	self := strings.TrimRight(b.cfg.Self, "/")
	seen := make(map[string]bool)
	var out []string
	for _, p := range list {
		p = strings.TrimRight(p, "/")
		if p == self || seen[p] {
			continue
		}
		if err := checkPeerURL(p); err != nil {
			b.log.Warn("ignoring peer", "peer", p, "err", err)
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// Pass makes one pass over every current peer, all peers at once, and
// returns when all are done. A failing peer does not stop the others; their
// errors are joined.
func (b *Backfiller) Pass(ctx context.Context) error {
	peers, err := b.peers(ctx)
	if err != nil {
		return fmt.Errorf("archive: backfill peer list: %w", err)
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.PassPeer(ctx, p); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run backfills from every peer until ctx ends: one worker per peer, each
// making a pass, then waiting Interval (jittered), backing off exponentially
// after a failure. The peer list is refreshed every PeerInterval. Run
// returns nil when ctx ends, after every worker has stopped.
func (b *Backfiller) Run(ctx context.Context) error {
	type worker struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	workers := make(map[string]worker)
	defer func() {
		for _, w := range workers {
			w.cancel()
		}
		for _, w := range workers {
			<-w.done
		}
	}()
	for {
		peers, err := b.peers(ctx)
		if err != nil {
			b.log.Warn("backfill: peer list failed", "err", err)
		} else {
			want := make(map[string]bool, len(peers))
			for _, p := range peers {
				want[p] = true
				if _, ok := workers[p]; ok {
					continue
				}
				wctx, cancel := context.WithCancel(ctx)
				w := worker{cancel: cancel, done: make(chan struct{})}
				workers[p] = w
				go func() {
					defer close(w.done)
					b.runPeer(wctx, p)
				}()
			}
			for p, w := range workers {
				if !want[p] {
					w.cancel()
					<-w.done
					delete(workers, p)
				}
			}
		}
		if err := airkeep.Sleep(ctx, b.clock, jitter(b.cfg.PeerInterval)); err != nil {
			return nil
		}
	}
}

// runPeer is one peer's worker loop.
func (b *Backfiller) runPeer(ctx context.Context, peer string) {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 5 * time.Second
	bo.MaxInterval = 80 * time.Second
	bo.MaxElapsedTime = 0
	bo.RandomizationFactor = 0.1
	paused := false // by a full store
	for {
		wait := jitter(b.cfg.Interval)
		err := b.PassPeer(ctx, peer)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case errors.Is(err, ErrStoreFull):
			wait = bo.NextBackOff()
			if !paused {
				b.log.Warn("backfill: the store is full; fetching paused", "peer", peer, "err", err, "retry_in", wait)
			} else {
				b.log.Info("backfill: the store is still full", "peer", peer, "retry_in", wait)
			}
			paused = true
		case err != nil:
			wait = bo.NextBackOff()
			b.log.Warn("backfill pass failed", "peer", peer, "err", err, "retry_in", wait)
		default:
			bo.Reset()
		}
		if paused && !errors.Is(err, ErrStoreFull) {
			paused = false
			b.log.Info("backfill: the store takes writes again; fetching resumed", "peer", peer)
		}
		if airkeep.Sleep(ctx, b.clock, wait) != nil {
			return
		}
	}
}

// jitter spreads waits by ±10 %, as wubloader does, so nodes do not march
// in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// PassPeer makes one pass over one peer. It returns an error when the peer
// could not be listed at all; problems with single hours or segments are
// reported as events and counted, and the pass goes on.
func (b *Backfiller) PassPeer(ctx context.Context, peer string) error {
	streams, err := b.listRemote(ctx, peer, "/files", "")
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range b.filter(peer, "stream", streams, b.cfg.Streams, "") {
		variants, err := b.listRemote(ctx, peer, "/files/"+url.PathEscape(s), s+"/")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, v := range b.filter(peer, "variant", variants, b.cfg.Variants, s+"/") {
			if err := b.passVariant(ctx, peer, s, v); err != nil {
				if errors.Is(err, ErrStoreFull) {
					return err
				}
				errs = append(errs, err)
			}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// filter keeps the valid names that are wanted, each once; invalid ones and
// repeats are rejected.
func (b *Backfiller) filter(peer, field string, names, want []string, prefix string) []string {
	var out []string
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if err := ValidateComponent(field, n); err != nil {
			b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: prefix + n, Reason: err.Error()})
			continue
		}
		if seen[n] {
			b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: prefix + n, Reason: "listed more than once"})
			continue
		}
		seen[n] = true
		if len(want) > 0 && !contains(want, n) {
			continue
		}
		out = append(out, n)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (b *Backfiller) passVariant(ctx context.Context, peer, stream, variant string) error {
	hours, err := b.listRemote(ctx, peer, "/files/"+url.PathEscape(stream)+"/"+url.PathEscape(variant), stream+"/"+variant+"/")
	if err != nil {
		return err
	}
	var valid []string
	seen := make(map[string]bool, len(hours))
	for _, h := range hours {
		_, err := ParseHour(h)
		if err == nil && seen[h] {
			err = errors.New("listed more than once")
		}
		if err != nil {
			b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: stream + "/" + variant + "/" + h, Reason: err.Error()})
			continue
		}
		seen[h] = true
		if b.wanted(h) {
			valid = append(valid, h)
		}
	}
	// Newest first: recent hours are the ones other nodes are most likely
	// to have just missed.
	sort.Sort(sort.Reverse(sort.StringSlice(valid)))
	var errs []error
	for _, h := range valid {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !b.wanted(h) {
			break // the window moved on during the pass; older hours too
		}
		if err := b.passHour(ctx, peer, stream, variant, h); err != nil {
			if errors.Is(err, ErrStoreFull) {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// wanted reports whether hour h is within the window and after Start: it
// ends after both.
func (b *Backfiller) wanted(h string) bool {
	t, err := ParseHour(h)
	if err != nil {
		return false
	}
	end := t.Add(time.Hour)
	return end.After(b.clock.Now().Add(-b.cfg.Window)) && (b.cfg.Start.IsZero() || end.After(b.cfg.Start))
}

func (b *Backfiller) passHour(ctx context.Context, peer, stream, variant, hour string) error {
	prefix := stream + "/" + variant + "/" + hour + "/"
	remote, err := b.listRemote(ctx, peer, "/files/"+url.PathEscape(stream)+"/"+url.PathEscape(variant)+"/"+hour+"?tombstones=true", prefix)
	if err != nil {
		return err
	}
	local, err := b.store.List(ctx, stream, variant, hour)
	if err != nil {
		return fmt.Errorf("archive: backfill list local %s: %w", prefix, err)
	}
	have := make(map[string]bool, len(local.Segments)+2*len(local.Tombstones))
	byHash := make(map[Hash][]Segment, len(local.Segments))
	for _, e := range local.Segments {
		have[e.Name()] = true
		byHash[e.Hash] = append(byHash[e.Hash], e.Segment)
	}
	for _, t := range local.Tombstones {
		have[t.TombstoneName()] = true
		have[t.Name()] = true // hidden here already; fetching it again is waste
	}
	recent := b.clock.Now().Add(-b.cfg.RecentCutoff)
	var missing []Segment
	listed := make(map[string]bool, len(remote))
	for _, name := range remote {
		path := prefix + name
		// A listing is a set: a name listed again would be fetched
		// again, at once, by another download slot.
		if listed[name] {
			b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: path, Reason: "listed more than once"})
			continue
		}
		listed[name] = true
		if have[name] {
			continue
		}
		if strings.HasSuffix(name, ".tombstone") {
			seg, err := ParseTombstoneName(stream, variant, hour, name)
			if err != nil {
				b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: path, Reason: err.Error()})
				continue
			}
			if err := b.store.Tombstone(ctx, seg); err != nil {
				b.event(BackfillEvent{Peer: peer, Kind: BackfillError, Path: path, Reason: err.Error()})
				continue
			}
			b.event(BackfillEvent{Peer: peer, Kind: BackfillTombstone, Path: path})
			continue
		}
		if !strings.HasSuffix(name, ".ts") {
			if err := ValidateComponent("name", name); err != nil {
				b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: path, Reason: err.Error()})
				continue
			}
			// Chat batches and other files wubloader lists beside segments.
			b.event(BackfillEvent{Peer: peer, Kind: BackfillSkipped, Path: path, Reason: "not a segment"})
			continue
		}
		seg, err := ParseName(stream, variant, hour, name)
		if err != nil {
			b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: path, Reason: err.Error()})
			continue
		}
		switch {
		case seg.Type == Temp:
			b.event(BackfillEvent{Peer: peer, Kind: BackfillSkipped, Path: path, Reason: "temp"})
		case seg.Start.After(recent):
			b.event(BackfillEvent{Peer: peer, Kind: BackfillSkipped, Path: path, Reason: "recent"})
		case sameWithin(byHash[seg.Hash], seg, time.Millisecond):
			// Nodes see the same segment with starts 1 ms apart
			// (wubloader's backfiller EPSILON).
			b.event(BackfillEvent{Peer: peer, Kind: BackfillSkipped, Path: path, Reason: "held with a start within 1 ms"})
		default:
			missing = append(missing, seg)
		}
	}
	// Random order, so that several nodes backfilling from the same peer
	// do not all fetch the same file at once.
	rand.Shuffle(len(missing), func(i, j int) { missing[i], missing[j] = missing[j], missing[i] })
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.cfg.PerPeer)
	for _, seg := range missing {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err // a full store stopped the others
			}
			path := seg.Path()
			if !b.claim(path) {
				b.event(BackfillEvent{Peer: peer, Kind: BackfillSkipped, Path: path, Reason: "fetched from another peer"})
				return gctx.Err()
			}
			stored, err := b.fetch(gctx, peer, seg)
			b.release(path, stored)
			if err != nil {
				return err // the store is full: stop this hour's fetches
			}
			return gctx.Err()
		})
	}
	return g.Wait()
}

// claim reserves path for one download, unless another is under way or
// one succeeded lately.
func (b *Backfiller) claim(path string) bool {
	b.claimMu.Lock()
	defer b.claimMu.Unlock()
	if b.claims[path] {
		return false
	}
	if _, ok := b.fetched.get(path); ok {
		return false
	}
	b.claims[path] = true
	return true
}

// release ends a download of path; a failed one lets another peer try.
func (b *Backfiller) release(path string, ok bool) {
	b.claimMu.Lock()
	defer b.claimMu.Unlock()
	delete(b.claims, path)
	if ok {
		b.fetched.put(path, struct{}{})
	}
}

func sameWithin(held []Segment, seg Segment, eps time.Duration) bool {
	for _, h := range held {
		d := h.Start.Sub(seg.Start)
		if d < 0 {
			d = -d
		}
		if d <= eps && h.Type == seg.Type && h.Duration == seg.Duration {
			return true
		}
	}
	return false
}

// fetch downloads one segment into the store, committing it only if its
// bytes hash to its name. It reports whether the segment is now stored.
func (b *Backfiller) fetch(ctx context.Context, peer string, seg Segment) (bool, error) {
	path := seg.Path()
	fail := func(kind BackfillKind, reason string) {
		b.event(BackfillEvent{Peer: peer, Kind: kind, Path: path, Reason: reason})
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.SegmentTimeout)
	defer cancel()
	u := peer + "/segments/" + url.PathEscape(seg.Stream) + "/" + url.PathEscape(seg.Variant) + "/" + seg.Hour() + "/" + url.PathEscape(seg.Name())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		fail(BackfillError, err.Error())
		return false, nil
	}
	resp, err := b.client.Do(req)
	if err != nil {
		fail(BackfillError, err.Error())
		return false, nil
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		fail(BackfillSkipped, "gone from the peer")
		return false, nil
	case resp.StatusCode != http.StatusOK:
		fail(BackfillError, "peer answered "+resp.Status)
		return false, nil
	case resp.ContentLength > b.cfg.MaxSegmentBytes:
		fail(BackfillRejected, fmt.Sprintf("%d bytes, over the %d-byte bound", resp.ContentLength, b.cfg.MaxSegmentBytes))
		return false, nil
	}
	w, err := b.store.Create(ctx, seg)
	if err != nil {
		fail(BackfillError, err.Error())
		return false, full(err)
	}
	sw := &firstErrWriter{w: w}
	n, err := io.Copy(sw, io.LimitReader(resp.Body, b.cfg.MaxSegmentBytes+1))
	switch {
	case sw.err != nil:
		w.Abort()
		fail(BackfillError, sw.err.Error())
		return false, full(sw.err)
	case err != nil:
		w.Abort()
		fail(BackfillError, "download: "+err.Error())
		return false, nil
	case n > b.cfg.MaxSegmentBytes:
		w.Abort()
		fail(BackfillRejected, fmt.Sprintf("body over the %d-byte bound", b.cfg.MaxSegmentBytes))
		return false, nil
	case w.Hash() != seg.Hash:
		w.Abort()
		fail(BackfillMismatch, "bytes hash to "+w.Hash().String())
		return false, nil
	}
	if _, err := w.Commit(ctx, seg.Type); err != nil {
		fail(BackfillError, err.Error())
		return false, full(err)
	}
	b.event(BackfillEvent{Peer: peer, Kind: BackfillFetched, Path: path, Bytes: n})
	return true, nil
}

// ErrStoreFull reports a backfill pass stopped because the local store is
// out of space or over its quota (ENOSPC, EDQUOT): the peers keep the
// segments, so fetching more would only download them to throw them away.
// Run pauses the peer's fetches, backing off, and resumes when the store
// takes writes again.
var ErrStoreFull = errors.New("archive: backfill: the store is full")

// full returns ErrStoreFull wrapping err when err says the store is out of
// space, else nil.
func full(err error) error {
	if diskerr.Full(err) {
		return fmt.Errorf("%w: %w", ErrStoreFull, err)
	}
	return nil
}

// firstErrWriter keeps the first write error, telling the store's failure
// from the download's in a copy.
type firstErrWriter struct {
	w   io.Writer
	err error
}

func (f *firstErrWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err != nil && f.err == nil {
		f.err = err
	}
	return n, err
}

// listRemote GETs a JSON array of names from a peer, bounded in size and
// time. An entry that is not a string is rejected, reported under prefix,
// and the others are kept.
func (b *Backfiller) listRemote(ctx context.Context, peer, path, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.ListTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, peer+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("archive: backfill list %s%s: %w", peer, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("archive: backfill list %s%s: peer answered %s", peer, path, resp.Status)
	}
	lr := &io.LimitedReader{R: resp.Body, N: b.cfg.MaxListingBytes + 1}
	var entries []json.RawMessage
	if err := json.NewDecoder(lr).Decode(&entries); err != nil {
		if lr.N <= 0 {
			return nil, fmt.Errorf("archive: backfill list %s%s: listing over %d bytes", peer, path, b.cfg.MaxListingBytes)
		}
		return nil, fmt.Errorf("archive: backfill list %s%s: %w", peer, path, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		var name string
		// null would decode as "" without an error.
		if len(e) == 0 || e[0] != '"' || json.Unmarshal(e, &name) != nil {
			raw := string(e)
			if len(raw) > 64 {
				raw = raw[:64] + "…"
			}
			b.event(BackfillEvent{Peer: peer, Kind: BackfillRejected, Path: prefix + raw, Reason: "listing entry is not a string"})
			continue
		}
		names = append(names, name)
	}
	return names, nil
}
