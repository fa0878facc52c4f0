package schedule

import (
	"context"
	"time"
)

// Player is the playout as the diffusion monitor sees it. streamer's
// Controller satisfies it (the compile-time assertion lives in
// examples/radio, since neither package imports the other); SimPlayer is an
// implementation for dry runs and tests.
//
// The "dealer" is the queue the monitor feeds with diffusions; music
// playlists (aircox's streams) are reloaded through SyncPlaylist. Every
// method may fail or time out: the monitor logs it and tries again on the
// next tick.
type Player interface {
	// Generation identifies the running player process. It changes whenever
	// the player restarted (and so lost its queues). It returns an error when
	// the player is not ready (not started, not answering).
	Generation(ctx context.Context) (uint64, error)
	// OnAir reports the request really on air now: the name of the source
	// playing it, its URI (Liquidsoap's initial_uri), and the instant it went
	// on air, as an absolute time (the player converts Liquidsoap's zone-less
	// local time with the station's zone). uri is empty when nothing with a
	// URI is on air.
	OnAir(ctx context.Context) (source, uri string, airTime time.Time, err error)
	// DealerQueue returns the URIs waiting in the dealer queue, in play order,
	// not counting the request now playing.
	DealerQueue(ctx context.Context) ([]string, error)
	// DealerRemaining returns the time left in the dealer's current request;
	// playing is false when the dealer is not playing anything.
	DealerRemaining(ctx context.Context) (remaining time.Duration, playing bool, err error)
	// Push appends uris, in order, to the dealer queue.
	Push(ctx context.Context, uris ...string) error
	// SyncPlaylist replaces the contents of the named music playlist with
	// uris and makes the player reload it.
	SyncPlaylist(ctx context.Context, name string, uris []string) error
}
