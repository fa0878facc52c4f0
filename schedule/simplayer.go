package schedule

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/airkeep/airkeep"
)

var _ Player = (*SimPlayer)(nil)

// SimConfig configures a SimPlayer.
type SimConfig struct {
	// Duration returns how long a URI plays (required). Durations under a
	// second play for a second.
	Duration func(uri string) time.Duration
	// DealerSource names the dealer queue's source. "" means "dealer".
	DealerSource string
	Clock        airkeep.Clock // nil means airkeep.SystemClock()
}

// SimPlayer is a Player that plays nothing: it consumes its dealer queue by
// the sounds' durations on its Clock and rotates the synced music playlists
// when the dealer is idle, with aircox's Liquidsoap graph (a fallback that
// is not track-sensitive: a push into an idle dealer takes the air at once).
// With a FakeClock and a MemStore it turns the Monitor into a dry run: a
// day of a station simulated in milliseconds, with History telling what
// would have aired. It is safe for concurrent use.
type SimPlayer struct {
	mu        sync.Mutex
	duration  func(string) time.Duration
	dealer    string
	clock     airkeep.Clock
	gen       uint64
	down      bool
	queue     []string
	cur       *SimPlay // dealer item on air
	music     *SimPlay // music item on air when the dealer is idle
	playlists map[string][]string
	musicPos  int
	history   []SimPlay
}

// SimPlay is one item that aired on a SimPlayer.
type SimPlay struct {
	Source, URI string
	Start, End  time.Time
	// Cut: the item was interrupted (a push took the air, or the player
	// restarted) before its end.
	Cut bool
}

// NewSimPlayer returns a SimPlayer, running, at generation 1.
func NewSimPlayer(cfg SimConfig) (*SimPlayer, error) {
	if cfg.Duration == nil {
		return nil, &FieldError{Type: "SimConfig", Field: "Duration", Reason: "required"}
	}
	p := &SimPlayer{duration: cfg.Duration, dealer: cfg.DealerSource, clock: airkeep.OrSystem(cfg.Clock), gen: 1,
		playlists: map[string][]string{}}
	if p.dealer == "" {
		p.dealer = "dealer"
	}
	return p, nil
}

func (p *SimPlayer) length(uri string) time.Duration {
	return max(p.duration(uri), time.Second)
}

// advance plays the clock forward to now. p.mu must be held.
func (p *SimPlayer) advance(now time.Time) {
	for {
		switch {
		case p.cur != nil && !p.cur.End.After(now):
			t := p.cur.End
			p.history = append(p.history, *p.cur)
			p.cur = nil
			if len(p.queue) > 0 {
				p.startDealer(t)
				continue
			}
			p.startMusic(t)
		case p.cur == nil && p.music != nil && !p.music.End.After(now):
			t := p.music.End
			p.history = append(p.history, *p.music)
			p.music = nil
			p.startMusic(t)
		case p.cur == nil && p.music == nil && p.hasMusic():
			p.startMusic(now)
		default:
			return
		}
		if p.cur == nil && p.music == nil {
			return
		}
	}
}

func (p *SimPlayer) startDealer(t time.Time) {
	uri := p.queue[0]
	p.queue = p.queue[1:]
	p.cur = &SimPlay{Source: p.dealer, URI: uri, Start: t, End: t.Add(p.length(uri))}
}

func (p *SimPlayer) hasMusic() bool {
	for _, l := range p.playlists {
		if len(l) > 0 {
			return true
		}
	}
	return false
}

// startMusic starts the next music item at t: the playlists in name order,
// their items in order, round and round.
func (p *SimPlayer) startMusic(t time.Time) {
	var all []SimPlay
	for _, name := range p.playlistNames() {
		for _, uri := range p.playlists[name] {
			all = append(all, SimPlay{Source: name, URI: uri})
		}
	}
	if len(all) == 0 {
		return
	}
	it := all[p.musicPos%len(all)]
	p.musicPos++
	it.Start, it.End = t, t.Add(p.length(it.URI))
	p.music = &it
}

func (p *SimPlayer) playlistNames() []string {
	names := make([]string, 0, len(p.playlists))
	for n := range p.playlists {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (p *SimPlayer) ready() error {
	if p.down {
		return fmt.Errorf("sim player: %w", ErrNotReady)
	}
	p.advance(p.clock.Now())
	return nil
}

// Generation returns the current generation, or ErrNotReady while down.
func (p *SimPlayer) Generation(ctx context.Context) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ready(); err != nil {
		return 0, err
	}
	return p.gen, nil
}

// OnAir reports the dealer's item if it plays, else the music's.
func (p *SimPlayer) OnAir(ctx context.Context) (string, string, time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ready(); err != nil {
		return "", "", time.Time{}, err
	}
	switch {
	case p.cur != nil:
		return p.cur.Source, p.cur.URI, p.cur.Start, nil
	case p.music != nil:
		return p.music.Source, p.music.URI, p.music.Start, nil
	}
	return "", "", time.Time{}, nil
}

// DealerQueue returns the waiting URIs.
func (p *SimPlayer) DealerQueue(ctx context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ready(); err != nil {
		return nil, err
	}
	return slices.Clone(p.queue), nil
}

// DealerRemaining returns the time left in the dealer's item.
func (p *SimPlayer) DealerRemaining(ctx context.Context) (time.Duration, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ready(); err != nil {
		return 0, false, err
	}
	if p.cur == nil {
		return 0, false, nil
	}
	return p.cur.End.Sub(p.clock.Now()), true, nil
}

// Push queues uris; into an idle dealer, the first takes the air at once.
func (p *SimPlayer) Push(ctx context.Context, uris ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ready(); err != nil {
		return err
	}
	p.queue = append(p.queue, uris...)
	if p.cur == nil && len(p.queue) > 0 {
		now := p.clock.Now()
		if p.music != nil {
			cut := *p.music
			cut.End, cut.Cut = now, true
			p.history = append(p.history, cut)
			p.music = nil
		}
		p.startDealer(now)
	}
	return nil
}

// SyncPlaylist replaces a music playlist.
func (p *SimPlayer) SyncPlaylist(ctx context.Context, name string, uris []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ready(); err != nil {
		return err
	}
	p.playlists[name] = slices.Clone(uris)
	p.advance(p.clock.Now()) // an idle air takes the music at once
	return nil
}

// Restart simulates a player restart: the queues are lost, what played is
// cut, the generation changes. After Down(true), it is the process coming
// back.
func (p *SimPlayer) Restart() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.down {
		p.crash(p.clock.Now())
	}
	p.gen++
	p.down = false
}

// Down(true) simulates a crash: the player stops answering and what it
// played is cut; Restart brings it back.
func (p *SimPlayer) Down(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if down && !p.down {
		p.crash(p.clock.Now())
		p.down = true
	}
}

// crash cuts what plays at now and drops the queue. p.mu must be held.
func (p *SimPlayer) crash(now time.Time) {
	p.advance(now)
	for _, it := range []*SimPlay{p.cur, p.music} {
		if it != nil {
			cut := *it
			cut.End, cut.Cut = now, true
			p.history = append(p.history, cut)
		}
	}
	p.cur, p.music, p.queue = nil, nil, nil
}

// History returns what aired, in order, up to now (items still on air
// last, with their planned end).
func (p *SimPlayer) History() []SimPlay {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.down {
		p.advance(p.clock.Now())
	}
	out := slices.Clone(p.history)
	for _, it := range []*SimPlay{p.cur, p.music} {
		if it != nil {
			out = append(out, *it)
		}
	}
	return out
}
