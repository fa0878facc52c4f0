// Package hls records live HLS streams into an airkeep archive, missing
// nothing that was published: every segment ends up stored byte-exact,
// named by its program date-time and the SHA-256 of its bytes, in the
// layout wubloader uses.
//
// A Recorder is one recording task. It fetches the master playlist, picks
// the variants by name, and for each runs media playlist workers that
// reload on the RFC 8216 schedule and segment getters that stream every new
// segment into the archive:
//
//	store, _ := archive.NewDirStore(archive.DirConfig{Root: "./segments"})
//	rec, err := hls.New(hls.Config{
//		Stream:   "radio",
//		URL:      "https://cdn.example/live/master.m3u8",
//		Variants: []string{"source", "480p"},
//		Store:    store,
//		Logger:   slog.Default(),
//	})
//	err = rec.Run(ctx) // until ctx ends; then drains and returns
//
// It survives what live streams do, as wubloader's downloader does, and
// closes the gaps wubloader leaves:
//
//   - Slow or stalled downloads: each attempt has soft and hard timeouts
//     for its headers and its body; a soft timeout starts a parallel
//     attempt while the slow one goes on, a hard one cuts it. The soft
//     ones follow the segment's duration, so that a retry comes while an
//     origin with a short window (ffmpeg's deletes what left it) still
//     has the segment; the master playlist request has its own. Failures are
//     retried with jittered backoff until a give-up time (20 minutes).
//     Whatever an interrupted attempt received is kept as a partial
//     segment under the hash of what arrived; a download that took 59 s or
//     more, or got nothing, is kept as suspect.
//   - Expiring URLs, stuck edges, frozen playlists: a worker whose
//     playlist fails, is slow, goes stale (no change for 1.5 × the target
//     duration plus a reload), skews its PDTs or reaches its maximum URL
//     age asks for a fresh worker on a fresh URL from the master playlist;
//     the old worker keeps going until the new one has delivered real
//     content, so nothing is lost during the hand-over.
//   - Streams that end and come back, encoders that reset the media
//     sequence: ENDLIST sends the Recorder back to waiting; a reset starts
//     a new epoch. Segments are keyed by URI, never skipped by number.
//   - Media sequence gaps, resets, PDT skew over 10 ms, discontinuities,
//     give-ups and duplicates are counted (Status) and reported as Events,
//     never silently dropped.
//
// At scale, one process records a thousand variants. Segment downloads to
// a host are bounded (Limits.PerHost, or a HostLimiter shared by
// Recorders); segments that wait for a slot wait in the limiter's line,
// first come first served, without a goroutine each. While a variant's
// segments wait, its playlist is reloaded every third of the playlist's
// duration instead of every target duration, and a slow reload is not
// taken for a bad URL: the requests go to the downloads that are behind.
// A stop reads each playlist once more, then lets the segments that began
// before it finish within Timeouts.Shutdown. The load program in
// examples/load measures all of it against a plain GET + SHA-256 + write.
//
// Playlists are parsed by package hls/playlist, a defensive layer around
// github.com/grafov/m3u8; a playlist it refuses is reported as a
// *playlist.Error. Segments are dated by their PDT; a stream without any
// is dated from the fetch that first saw it (its last segment taken to end
// at that moment) and carried forward by media sequence number, so every
// worker agrees. That bookkeeping (sequence numbers, holes, resets, dates)
// is a pure tracker apart from the HTTP work of workers and getters, and
// is tested without a network.
//
// Errors: New returns a *ConfigError naming the field (its Err is the
// cause, if another check refused the value); Run returns ErrStopped or
// ErrRunning, and otherwise nil after a clean stop. Failures while
// recording are retried, counted in Status and reported as Events, each
// logged once.
//
// Everything that waits runs on the Config's airkeep.Clock, so tests drive
// time with a FakeClock; package hlstest has a simulated origin with
// faults for tests, demos and benchmarks.
package hls
