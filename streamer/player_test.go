package streamer

import (
	"context"
	"time"
)

// player is the Player interface package schedule declares (it never
// imports streamer). Kept here, method for method, so that a change to
// Controller that breaks the contract fails this package's build too.
type player interface {
	Generation(ctx context.Context) (uint64, error)
	OnAir(ctx context.Context) (source, uri string, airTime time.Time, err error)
	DealerQueue(ctx context.Context) ([]string, error)
	DealerRemaining(ctx context.Context) (remaining time.Duration, playing bool, err error)
	Push(ctx context.Context, uris ...string) error
	SyncPlaylist(ctx context.Context, name string, uris []string) error
}

var _ player = (*Controller)(nil)
