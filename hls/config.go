package hls

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls/playlist"
)

// Creator is what a Recorder needs of an archive: it only ever creates
// segments. Every archive.Store is one.
type Creator interface {
	// Create starts writing a segment; see archive.Writer.
	Create(ctx context.Context, seg archive.Segment) (archive.SegmentWriter, error)
}

var _ Creator = archive.Store(nil)

// Config describes one recording task: a stream, the variants to keep, and
// the archive to keep them in. Zero values are documented defaults; New
// validates the whole Config once and names the first bad field.
type Config struct {
	// Stream names the stream in the archive (its top folder). Required.
	Stream string
	// URL is the master playlist, or a media playlist, of the stream. Set
	// exactly one of URL and Source.
	URL string
	// Source returns the playlist URL, for providers whose URLs carry
	// expiring tokens: it is called for every master fetch. An error
	// wrapped with backoff.Permanent restarts the task (with backoff);
	// other errors are retried at the master fetch interval.
	Source func(ctx context.Context) (string, error)
	// Variants are the names of the variants to record, each in its own
	// archive folder: a variant's NAME, its video rendition's NAME or
	// GROUP-ID, its height ("480p", "720p60"), "source" for the highest
	// bandwidth, or an audio rendition's NAME. nil means ["source"]. When
	// the URL is a media playlist, the first name is used for it.
	Variants []string
	// Store receives the segments: any archive.Store, or anything else
	// that creates segments. Required.
	Store Creator
	// HTTPClient makes every request; nil means a client with keep-alive
	// pools sized to Limits.PerHost. Its own Timeout, if any, adds to the
	// soft and hard timeouts below.
	HTTPClient *http.Client
	// Clock drives every timer; nil means the system clock.
	Clock airkeep.Clock
	// Logger receives state changes at Info, per-segment events at Debug,
	// gaps, give-ups and errors at Warn; nil means discard.
	Logger *slog.Logger
	// OnEvent, if set, receives every Event, synchronously: keep it fast.
	OnEvent func(Event)
	// OnStateChange, if set, is called on every change of State.
	OnStateChange func(StateChange)
	// Timeouts bound every request; see Timeouts.
	Timeouts Timeouts
	// Reload sets the playlist reload schedule; see Reload.
	Reload Reload
	// Limits bound memory and concurrency; see Limits.
	Limits Limits
	// MaxURLAge is how long a media playlist URL is used before a fresh
	// one is taken from the master playlist, so that tokens are renewed
	// before they expire (Twitch's expire after 24 h, YouTube's after
	// 6 h). The age counts from the master fetch that gave the URL, as a
	// token's does. 0 means 20 h; negative means never.
	MaxURLAge time.Duration
	// SkipAds leaves out segments marked as ads (CUE-OUT/CUE-IN, SCTE-35,
	// ad DATERANGEs, "Amazon" titles), as wubloader does for Twitch's
	// stitched ads. By default they are recorded: a broadcast archive keeps
	// what aired.
	SkipAds bool
	// Hosts, if set, bounds segment downloads per host across every Recorder that
	// shares it; nil means a limiter of Limits.PerHost for this Recorder.
	Hosts *HostLimiter
	// Spill holds segments the Store could not take for a reason that
	// passes (a full disk, a quota, an S3 outage); see Spill.
	Spill Spill
}

// Spill is the buffer of downloaded, hash-checked segments whose write the
// Store refused for a reason that passes: no space (ENOSPC), a quota
// (EDQUOT), an unreachable or failing S3 server, a timeout. While the
// store fails, segments are downloaded into the buffer and written oldest
// first, with backoff, while the capture goes on; when the store comes
// back, each is stored under its proper name. Beyond the bound the oldest
// are dropped and counted as lost, by name. A permanent refusal (EACCES,
// EROFS, a missing bucket, bad credentials) ends Run with a *StoreError.
type Spill struct {
	// Bytes bounds the segments buffered; 0 means 256 MiB, negative means
	// no buffer (a segment the store refuses is lost).
	Bytes int64
	// Dir, if set, keeps the buffered segments in files in this folder
	// (best on another disk than the store's) instead of memory; a file
	// that cannot be written there is held in memory. Bytes still bounds
	// them. The folder must exist.
	Dir string
	// Summary is the interval between the log lines that sum up a store
	// failure while it lasts; 0 means 1 minute.
	Summary time.Duration
}

// Timeouts are soft and hard time limits. A soft limit starts something
// in parallel (a second attempt, a fresh worker) and lets the slow request
// go on; a hard limit aborts it. The defaults are wubloader's, but for
// the soft segment limits.
type Timeouts struct {
	// MasterSoft starts a second request for the master playlist beside
	// one that has not answered, and the first answer wins; MasterHard
	// aborts a request. 0 means 5 s and 30 s. Until the master arrives, a
	// variant with no worker records nothing.
	MasterSoft, MasterHard time.Duration
	// PlaylistSoft asks for a fresh worker when a media playlist fetch is
	// slow; PlaylistHard aborts the fetch. 0 means 5 s and 90 s.
	PlaylistSoft, PlaylistHard time.Duration
	// HeadersSoft and HeadersHard bound the wait for a segment's response
	// headers; 0 means the segment's duration, between 1 s and 5 s, and
	// 60 s.
	HeadersSoft, HeadersHard time.Duration
	// BodySoft and BodyHard bound a whole segment download, from its
	// request; 0 means twice the segment's duration, between 2 s and 15 s,
	// and 240 s. The soft limits follow the segment because an origin such
	// as ffmpeg's deletes a segment soon after it leaves a short live
	// window: wubloader's fixed 5 s and 15 s, sized for Twitch, let a
	// retry of a stalled 2-s segment come after it is gone.
	BodySoft, BodyHard time.Duration
	// Suspect marks a download that took at least this long as suspect:
	// Twitch ends stuck responses at 60 s with valid but truncated data.
	// 0 means 59 s.
	Suspect time.Duration
	// GiveUp ends a segment's retries this long after it was first seen;
	// 0 means 20 minutes.
	GiveUp time.Duration
	// Shutdown is the grace a stop gives: after Run's context ends, each
	// variant's playlist is read once more, and the segments listed that
	// started before the stop may still be downloaded (those in flight
	// and those waiting for a getter), and the segments held in the Spill
	// buffer written, for this long. Then downloads are cut and saved as
	// partial, waiting segments are dropped, and buffered ones are counted
	// as lost, by name. 0 means 10 s.
	Shutdown time.Duration
}

// Reload is the media playlist reload schedule.
type Reload struct {
	// Interval, when positive, reloads at this fixed interval (±10 %
	// jitter), as wubloader does every 2 s. 0 follows RFC 8216 §6.3.4:
	// wait the target duration after a load that changed the playlist and
	// half of it after one that did not, timed from the start of the
	// previous load, plus up to 10 % jitter. Either way, while the
	// variant's segments queue for a download slot (the capture is behind),
	// reloads wait a third of the playlist's duration instead, and a slow
	// reload does not hand the worker over.
	Interval time.Duration
	// Min and Max clamp the wait between reloads; 0 means 500 ms and no
	// maximum.
	Min, Max time.Duration
	// Retry is the wait after a failed reload; 0 means 1 s.
	Retry time.Duration
	// MasterInterval is the least time between two fetches of the master
	// playlist, jittered. It is also how often a stream that is not live
	// is looked for. 0 means 20 s with a Source, which usually calls a
	// provider's rate-limited API (wubloader's value for Twitch), and 5 s
	// with a fixed URL (wubloader's for its "important" channels): an
	// origin such as ffmpeg's keeps 10 s in its window, and a stream that
	// comes back must be seen before its first segments leave it.
	MasterInterval time.Duration
	// Stale hands a worker over when its playlist has not changed for
	// this long; 0 means 1.5 × the target duration plus one reload
	// interval, the longest RFC 8216 §6.2.1 lets a server wait.
	Stale time.Duration
}

// Limits bound what one Recorder holds and runs at once.
type Limits struct {
	// PlaylistBytes bounds a playlist body; 0 means 1 MiB.
	PlaylistBytes int
	// SegmentBytes bounds a segment body; 0 means 100 MiB.
	SegmentBytes int64
	// MapBytes bounds an init section (EXT-X-MAP); 0 means 4 MiB (real
	// ones are a few kilobytes).
	MapBytes int64
	// Getters bounds the segments of one variant downloading at once; 0
	// means 64 (wubloader's MAX_SEGMENT_GETTERS; YouTube wants 4).
	Getters int
	// Attempts bounds the parallel attempts at one segment started by soft
	// timeouts; 0 means 3.
	Attempts int
	// PerHost bounds segment downloads in flight to one host; 0 means 32.
	PerHost int
	// Queue bounds the segments of one variant waiting for a getter; 0
	// means 4096. Beyond it the oldest are dropped and counted as missed.
	Queue int
	// MapCache bounds the init sections cached per worker; 0 means 4.
	MapCache int
}

// settings is a Config with its defaults applied.
type settings struct {
	Config
	variants []string
	log      *slog.Logger
	clock    airkeep.Clock
	client   *http.Client
	hosts    *HostLimiter
	// autoHeadersSoft and autoBodySoft: the soft segment timeouts were
	// left at 0, so they follow each segment's duration (softTimeouts).
	autoHeadersSoft, autoBodySoft bool
}

// copyBufs recycles copy buffers across every Recorder of the process: a
// thousand variants downloading at once would otherwise allocate one per
// attempt, and a pool per Recorder, emptied by every garbage collection,
// would refill hundreds of 256-KiB buffers after each.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// copyBufferSize is the unit segments are read and written in. 256 KiB,
// not io.Copy's 32 KiB: a 1 MB segment then costs 4 reads and 4 writes,
// not 32 of each, which is most of the CPU a capture spends beyond
// hashing (BenchmarkCaptureCPU).
const copyBufferSize = 256 << 10

func orDur(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// softTimeouts returns the soft limits of a download of a segment of
// duration d: the configured ones, or, where they were left at 0, limits
// that follow d, capped by the defaults and the hard limits.
func (s *settings) softTimeouts(d time.Duration) (headers, body time.Duration) {
	t := s.Timeouts
	headers, body = t.HeadersSoft, t.BodySoft
	if s.autoHeadersSoft {
		headers = min(max(d, time.Second), t.HeadersSoft, t.HeadersHard)
	}
	if s.autoBodySoft {
		body = min(max(2*d, 2*time.Second), t.BodySoft, t.BodyHard)
	}
	return headers, body
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func newSettings(cfg Config) (*settings, error) {
	s := &settings{Config: cfg}
	bad := func(field, reason string) (*settings, error) {
		return nil, &ConfigError{Field: field, Reason: reason}
	}
	badErr := func(field string, err error) (*settings, error) {
		return nil, &ConfigError{Field: field, Reason: err.Error(), Err: err}
	}
	if err := archive.ValidateComponent("stream", cfg.Stream); err != nil {
		return badErr("Stream", err)
	}
	switch {
	case cfg.URL == "" && cfg.Source == nil:
		return bad("URL", "set URL or Source")
	case cfg.URL != "" && cfg.Source != nil:
		return bad("URL", "set only one of URL and Source")
	case cfg.URL != "":
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("URL", "not an absolute http or https URL")
		}
	}
	if cfg.Store == nil {
		return bad("Store", "required")
	}
	s.variants = cfg.Variants
	if len(s.variants) == 0 {
		s.variants = []string{"source"}
	}
	seen := make(map[string]bool)
	for _, v := range s.variants {
		if err := archive.ValidateComponent("variant", v); err != nil {
			return badErr("Variants", err)
		}
		if seen[v] {
			return bad("Variants", "duplicate "+v)
		}
		seen[v] = true
	}
	t := &s.Timeouts
	s.autoHeadersSoft, s.autoBodySoft = t.HeadersSoft == 0, t.BodySoft == 0
	t.MasterSoft = orDur(t.MasterSoft, 5*time.Second)
	t.MasterHard = orDur(t.MasterHard, 30*time.Second)
	t.PlaylistSoft = orDur(t.PlaylistSoft, 5*time.Second)
	t.PlaylistHard = orDur(t.PlaylistHard, 90*time.Second)
	t.HeadersSoft = orDur(t.HeadersSoft, 5*time.Second)
	t.HeadersHard = orDur(t.HeadersHard, 60*time.Second)
	t.BodySoft = orDur(t.BodySoft, 15*time.Second)
	t.BodyHard = orDur(t.BodyHard, 240*time.Second)
	t.Suspect = orDur(t.Suspect, 59*time.Second)
	t.GiveUp = orDur(t.GiveUp, 20*time.Minute)
	t.Shutdown = orDur(t.Shutdown, 10*time.Second)
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"Timeouts.MasterSoft", t.MasterSoft}, {"Timeouts.MasterHard", t.MasterHard}, {"Timeouts.PlaylistSoft", t.PlaylistSoft},
		{"Timeouts.PlaylistHard", t.PlaylistHard}, {"Timeouts.HeadersSoft", t.HeadersSoft},
		{"Timeouts.HeadersHard", t.HeadersHard}, {"Timeouts.BodySoft", t.BodySoft},
		{"Timeouts.BodyHard", t.BodyHard}, {"Timeouts.Suspect", t.Suspect},
		{"Timeouts.GiveUp", t.GiveUp}, {"Timeouts.Shutdown", t.Shutdown},
	} {
		if f.d < 0 {
			return bad(f.name, "negative")
		}
	}
	switch {
	case t.MasterSoft > t.MasterHard:
		return bad("Timeouts.MasterSoft", "longer than MasterHard")
	case t.PlaylistSoft > t.PlaylistHard:
		return bad("Timeouts.PlaylistSoft", "longer than PlaylistHard")
	case !s.autoHeadersSoft && t.HeadersSoft > t.HeadersHard:
		return bad("Timeouts.HeadersSoft", "longer than HeadersHard")
	case !s.autoBodySoft && t.BodySoft > t.BodyHard:
		return bad("Timeouts.BodySoft", "longer than BodyHard")
	}
	r := &s.Reload
	r.Min = orDur(r.Min, 500*time.Millisecond)
	r.Retry = orDur(r.Retry, time.Second)
	if cfg.Source != nil {
		r.MasterInterval = orDur(r.MasterInterval, 20*time.Second)
	} else {
		r.MasterInterval = orDur(r.MasterInterval, 5*time.Second)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"Reload.Interval", r.Interval}, {"Reload.Min", r.Min}, {"Reload.Max", r.Max},
		{"Reload.Retry", r.Retry}, {"Reload.MasterInterval", r.MasterInterval}, {"Reload.Stale", r.Stale},
	} {
		if f.d < 0 {
			return bad(f.name, "negative")
		}
	}
	if r.Max > 0 && r.Max < r.Min {
		return bad("Reload.Max", "shorter than Min")
	}
	l := &s.Limits
	l.PlaylistBytes = orInt(l.PlaylistBytes, playlist.MaxBytes)
	if l.SegmentBytes == 0 {
		l.SegmentBytes = 100 << 20
	}
	if l.MapBytes == 0 {
		l.MapBytes = 4 << 20
	}
	l.Getters = orInt(l.Getters, 64)
	l.Attempts = orInt(l.Attempts, 3)
	l.PerHost = orInt(l.PerHost, 32)
	l.Queue = orInt(l.Queue, 4096)
	l.MapCache = orInt(l.MapCache, 4)
	for _, f := range []struct {
		name string
		n    int64
	}{
		{"Limits.PlaylistBytes", int64(l.PlaylistBytes)}, {"Limits.SegmentBytes", l.SegmentBytes},
		{"Limits.MapBytes", l.MapBytes}, {"Limits.Getters", int64(l.Getters)}, {"Limits.Attempts", int64(l.Attempts)},
		{"Limits.PerHost", int64(l.PerHost)}, {"Limits.Queue", int64(l.Queue)}, {"Limits.MapCache", int64(l.MapCache)},
	} {
		if f.n < 0 {
			return bad(f.name, "negative")
		}
	}
	sp := &s.Spill
	if sp.Bytes == 0 {
		sp.Bytes = 256 << 20
	}
	sp.Summary = orDur(sp.Summary, time.Minute)
	if sp.Summary < 0 {
		return bad("Spill.Summary", "negative")
	}
	if sp.Dir != "" {
		if fi, err := os.Stat(sp.Dir); err != nil || !fi.IsDir() {
			return bad("Spill.Dir", "not an existing folder")
		}
	}
	if s.MaxURLAge == 0 {
		s.MaxURLAge = 20 * time.Hour
	}
	s.log = cfg.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("stream", cfg.Stream)
	s.clock = airkeep.OrSystem(cfg.Clock)
	s.client = cfg.HTTPClient
	if s.client == nil {
		s.client = DefaultHTTPClient(l.PerHost)
	}
	s.hosts = cfg.Hosts
	if s.hosts == nil {
		s.hosts = NewHostLimiter(l.PerHost)
	}
	return s, nil
}

// DefaultHTTPClient returns the client a Recorder uses when Config has none:
// the default transport's dialer and TLS settings, with an idle pool large
// enough that no connection to a host is closed only to be dialled again,
// and no overall timeout: the Recorder's soft and hard timeouts run on its
// Clock. perHost bounds the segment downloads in flight to one host, but
// playlist reloads come on top (every variant's workers may reload at
// once, and a client shared by many Recorders carries all of theirs), so
// the pool keeps perHost plus idlePlaylistConns connections per host: an
// idle pool of perHost alone (or the default transport's 2) closes the
// surplus after each burst, and the next burst dials it again, which
// cost a thousand-variant capture an eighth of its CPU (issue 19).
func DefaultHTTPClient(perHost int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(perHost, 2) + idlePlaylistConns
	tr.MaxIdleConns = max(100, 4*tr.MaxIdleConnsPerHost)
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: tr}
}

// idlePlaylistConns is the room an idle pool keeps for playlist fetches
// beside segment downloads. An idle connection costs two goroutines and
// two 4-KiB buffers; unused ones close after IdleConnTimeout.
const idlePlaylistConns = 1024
