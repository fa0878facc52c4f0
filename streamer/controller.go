package streamer

import (
	"context"
	"errors"
	"fmt"
	"github.com/airkeep/airkeep/internal/atomicfile"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/airkeep/airkeep"
)

// ErrRequestDropped means Liquidsoap accepted a push but dropped the
// request: it could not resolve the URI (a missing or unreadable file, a
// bad annotate: prefix).
var ErrRequestDropped = errors.New("streamer: request dropped by liquidsoap")

// ControllerConfig configures a Controller. Station is required; every
// other field has a documented zero-value default.
type ControllerConfig struct {
	// Station is the layout of the script Liquidsoap runs (rendered by
	// Station.Script): which queue is the dealer, which playlists exist,
	// in which order the fallback picks them.
	Station *Station
	// Client reaches the server. nil means a Client made from
	// Station.ClientConfig() with Location, Clock and Logger, owned and
	// closed by the Controller.
	Client *Client
	// Location is the zone Liquidsoap writes local times in, used when a
	// request has no on_air_timestamp (see ClientConfig.Location). Ignored
	// when Client is set. nil means time.Local.
	Location *time.Location
	// Margin is how close to its end the dealer's current request must be
	// for DealerFree to report the dealer free (aircox's rule: tick plus
	// 5s). 0 means 6s.
	Margin time.Duration
	// SkipFileCheck disables Push's check that local files exist. Set it
	// when Liquidsoap runs on another machine, where paths differ.
	SkipFileCheck bool
	// Clock and Logger: nil means airkeep.SystemClock() and discard.
	Clock  airkeep.Clock
	Logger *slog.Logger
}

// Controller drives a station rendered from a Station: it knows which
// source is the dealer, which are playlists and which goes on air first,
// and offers what a diffusion monitor needs (its methods OnAir,
// DealerQueue, DealerRemaining, Push, SyncPlaylist and Generation use only
// standard types, so that a monitor can declare them as an interface
// without importing this package).
//
// A Controller is safe for concurrent use.
type Controller struct {
	st        *Station
	client    *Client
	ownClient bool
	margin    time.Duration
	fileCheck bool
	log       *slog.Logger
	dealer    string
	chain     []chainSlot
	kinds     map[string]string
}

// chainSlot is one entry of the fallback: a single source, or the rotation
// of all playlists.
type chainSlot struct{ ids []string }

// SourceStatus is the state of one source of the station.
type SourceStatus struct {
	ID   string
	Kind string // "input.harbor", "request.queue" or "playlist"
	// Ready means the source has something to play; the first ready source
	// in the fallback's order is on air.
	Ready bool
	// OnAir means this source is what listeners hear now.
	OnAir bool
	// Remaining is the time left in its current track; Unbounded when
	// unknown (a track not started yet, a live input).
	Remaining time.Duration
	// RID, URI and AirTime describe its request on air (the one it will
	// resume, for a source interrupted by a higher one), when it has one.
	RID     int
	URI     string
	AirTime time.Time
}

// NewController validates cfg and returns a Controller. It does not
// connect. Errors are *ConfigError.
func NewController(cfg ControllerConfig) (*Controller, error) {
	if cfg.Station == nil {
		return nil, &ConfigError{Field: "Station", Reason: "required"}
	}
	if err := cfg.Station.Validate(); err != nil {
		return nil, err
	}
	if cfg.Margin < 0 {
		return nil, &ConfigError{Field: "Margin", Value: cfg.Margin.String(), Reason: "negative"}
	}
	st := *cfg.Station
	st.Playlists = slices.Clone(cfg.Station.Playlists)
	c := &Controller{
		st:        &st,
		client:    cfg.Client,
		margin:    orDefault(cfg.Margin, 6*time.Second),
		fileCheck: !cfg.SkipFileCheck,
		log:       orDiscard(cfg.Logger),
		dealer:    st.DealerID(),
		kinds:     map[string]string{},
	}
	if live := st.LiveID(); live != "" {
		c.chain = append(c.chain, chainSlot{ids: []string{live}})
		c.kinds[live] = "input.harbor"
	}
	c.chain = append(c.chain, chainSlot{ids: []string{c.dealer}})
	c.kinds[c.dealer] = "request.queue"
	if len(st.Playlists) > 0 {
		var ids []string
		for _, p := range st.Playlists {
			ids = append(ids, p.ID)
			c.kinds[p.ID] = "playlist"
		}
		c.chain = append(c.chain, chainSlot{ids: ids})
	}
	if c.client == nil {
		ccfg := st.ClientConfig()
		ccfg.Location, ccfg.Clock, ccfg.Logger = cfg.Location, cfg.Clock, cfg.Logger
		client, err := NewClient(ccfg)
		if err != nil {
			return nil, err
		}
		c.client, c.ownClient = client, true
	}
	return c, nil
}

// Client returns the Client the controller uses, for commands it does not
// wrap.
func (c *Controller) Client() *Client { return c.client }

// Close closes the client when the controller made it.
func (c *Controller) Close() error {
	if c.ownClient {
		return c.client.Close()
	}
	return nil
}

// Generation identifies the running Liquidsoap process: it checks that the
// server answers and returns the client's generation, which changes
// whenever the process restarted (and so lost its queues). It returns an
// error when the server is not ready.
func (c *Controller) Generation(ctx context.Context) (uint64, error) {
	if err := c.client.Ping(ctx); err != nil {
		return 0, err
	}
	return c.client.Generation(), nil
}

// Sources returns the state of every source, in the fallback's order of
// priority (live, dealer, playlists).
func (c *Controller) Sources(ctx context.Context) ([]SourceStatus, error) {
	body, err := c.client.query(ctx, "airkeep.sources")
	if err != nil {
		return nil, fmt.Errorf("streamer: station state (is the script rendered by Station?): %w", err)
	}
	states, err := parseSourceStates(body)
	if err != nil {
		return nil, &ParseError{Command: "airkeep.sources", Reply: body, Err: err}
	}
	playing, err := c.onAirRequests(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SourceStatus, 0, len(states))
	for _, s := range states {
		ss := SourceStatus{ID: s.id, Kind: c.kinds[s.id], Ready: s.ready, Remaining: s.remaining}
		if m, ok := playing[s.id]; ok {
			ss.RID, ss.URI, ss.AirTime = m.RID, m.URI, m.AirTime
		}
		out = append(out, ss)
	}
	c.markOnAir(out)
	return out, nil
}

// markOnAir marks the source listeners hear: the fallback is not
// track-sensitive, so it plays the first ready slot; in the playlists'
// rotation, the one whose request went on air last.
func (c *Controller) markOnAir(sources []SourceStatus) {
	byID := map[string]*SourceStatus{}
	for i := range sources {
		byID[sources[i].ID] = &sources[i]
	}
	for _, slot := range c.chain {
		var first, best *SourceStatus
		for _, id := range slot.ids {
			s, ok := byID[id]
			if !ok || !s.Ready {
				continue
			}
			if first == nil {
				first = s
			}
			if s.RID != 0 && (best == nil || s.AirTime.After(best.AirTime) || s.AirTime.Equal(best.AirTime) && s.RID > best.RID) {
				best = s
			}
		}
		if first == nil {
			continue
		}
		if best == nil {
			best = first
		}
		best.OnAir = true
		return
	}
}

// onAirRequests returns, per source, the request on air that went on air
// last. request.on_air lists every request Liquidsoap calls "playing",
// including the ones of sources a not track-sensitive fallback interrupted.
func (c *Controller) onAirRequests(ctx context.Context) (map[string]Metadata, error) {
	rids, err := c.client.OnAir(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Metadata{}
	for _, rid := range rids {
		m, err := c.client.Metadata(ctx, rid)
		if errors.Is(err, ErrNoSuchRequest) {
			continue // ended between the two commands
		}
		if err != nil {
			return nil, err
		}
		prev, ok := out[m.Source]
		if !ok || m.AirTime.After(prev.AirTime) || m.AirTime.Equal(prev.AirTime) && m.RID > prev.RID {
			out[m.Source] = m
		}
	}
	return out, nil
}

// OnAir reports what listeners hear now: the id of the source playing it,
// its request's URI (initial_uri, annotate: prefix included) and the
// instant it went on air. uri is empty when the source on air has no
// request (a live show, or silence, when source is "" too).
func (c *Controller) OnAir(ctx context.Context) (source, uri string, airTime time.Time, err error) {
	sources, err := c.Sources(ctx)
	if err != nil {
		return "", "", time.Time{}, err
	}
	for _, s := range sources {
		if s.OnAir {
			return s.ID, s.URI, s.AirTime, nil
		}
	}
	return "", "", time.Time{}, nil
}

// DealerQueue returns the URIs waiting in the dealer queue, in play order,
// not counting the request on air. A request the dealer has loaded but not
// played yet (a live show holds the air) is still waiting, and comes
// first, although Liquidsoap's own <queue>.queue leaves it out.
func (c *Controller) DealerQueue(ctx context.Context) ([]string, error) {
	sources, err := c.Sources(ctx)
	if err != nil {
		return nil, err
	}
	rids, err := c.dealerRIDs(ctx, sources)
	if err != nil {
		return nil, err
	}
	uris := make([]string, 0, len(rids))
	for _, rid := range rids {
		m, err := c.client.Metadata(ctx, rid)
		if errors.Is(err, ErrNoSuchRequest) {
			continue
		}
		if err != nil {
			return nil, err
		}
		uris = append(uris, m.URI)
	}
	return uris, nil
}

// dealerRIDs returns the ids of the dealer's waiting requests, given the
// sources' state.
func (c *Controller) dealerRIDs(ctx context.Context, sources []SourceStatus) ([]int, error) {
	queued, err := c.client.Queue(ctx, c.dealer)
	if err != nil {
		return nil, err
	}
	d := c.dealerState(sources)
	if !d.Ready || d.RID != 0 {
		// Idle, or its current request is on air (or was, and resumes).
		return queued, nil
	}
	// Ready but not on air: its current request is loaded and waiting.
	// It is the dealer's newest "ready" request older than the queue;
	// older ones may linger alive, dropped by a flush.
	alive, err := c.client.Alive(ctx)
	if err != nil {
		return nil, err
	}
	loaded := 0
	for _, rid := range alive {
		if rid <= loaded || slices.Contains(queued, rid) || len(queued) > 0 && rid > queued[0] {
			continue
		}
		m, err := c.client.Metadata(ctx, rid)
		if errors.Is(err, ErrNoSuchRequest) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Source == c.dealer && m.Status == "ready" {
			loaded = rid
		}
	}
	if loaded == 0 {
		return queued, nil
	}
	return append([]int{loaded}, queued...), nil
}

func (c *Controller) dealerState(sources []SourceStatus) SourceStatus {
	for _, s := range sources {
		if s.ID == c.dealer {
			return s
		}
	}
	return SourceStatus{ID: c.dealer}
}

// DealerRemaining returns the time left in the dealer's request on air;
// playing is false when the dealer is not on air.
func (c *Controller) DealerRemaining(ctx context.Context) (remaining time.Duration, playing bool, err error) {
	sources, err := c.Sources(ctx)
	if err != nil {
		return 0, false, err
	}
	remaining, playing = dealerPlaying(c.dealerState(sources))
	return remaining, playing, nil
}

func dealerPlaying(d SourceStatus) (time.Duration, bool) {
	if d.OnAir && d.RID != 0 {
		return d.Remaining, true
	}
	return 0, false
}

// DealerFree reports whether a new diffusion can be pushed: nothing waits
// in the dealer queue and the dealer is either off air or within Margin of
// the end of its request.
func (c *Controller) DealerFree(ctx context.Context) (bool, error) {
	sources, err := c.Sources(ctx)
	if err != nil {
		return false, err
	}
	queue, err := c.dealerRIDs(ctx, sources)
	if err != nil {
		return false, err
	}
	remaining, playing := dealerPlaying(c.dealerState(sources))
	return len(queue) == 0 && (!playing || remaining < c.margin), nil
}

// Push appends uris, in order, to the dealer queue. Before sending
// anything it refuses URIs with control characters and, unless
// SkipFileCheck, local files that do not exist (Liquidsoap would accept
// them and drop them silently). After pushing it checks that Liquidsoap
// kept every request; one it dropped (its file could not be decoded) gives
// an error wrapping ErrRequestDropped. An error part-way says how many
// URIs were pushed.
func (c *Controller) Push(ctx context.Context, uris ...string) error {
	for _, u := range uris {
		if u == "" {
			return &ArgError{Value: u, Index: -1, Reason: "empty URI"}
		}
		if err := CheckArg(u); err != nil {
			return err
		}
		if !c.fileCheck {
			continue
		}
		if path := localPath(u); path != "" {
			fi, err := os.Stat(path)
			if err != nil {
				return fmt.Errorf("streamer: push %q: %w", u, err)
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("streamer: push %q: %w", u, fs.ErrInvalid)
			}
		}
	}
	rids := make([]int, 0, len(uris))
	for i, u := range uris {
		rid, err := c.client.Push(ctx, c.dealer, u)
		if err != nil {
			return fmt.Errorf("streamer: pushed %d of %d URIs: %w", i, len(uris), err)
		}
		rids = append(rids, rid)
	}
	for i, rid := range rids {
		_, err := c.client.Metadata(ctx, rid)
		if errors.Is(err, ErrNoSuchRequest) {
			return fmt.Errorf("%w: request %d for %q", ErrRequestDropped, rid, uris[i])
		}
		if err != nil {
			return err
		}
	}
	c.log.Info("pushed to dealer", "count", len(uris), "rids", rids)
	return nil
}

// SyncPlaylist replaces the contents of the named m3u playlist with uris,
// atomically (a reader never sees a partial file), and makes Liquidsoap
// reload it. URIs must not contain control characters or start with a
// space; a relative one starting with '#' is written as "./#…" so that it
// is not read as a comment. Relative URIs resolve against the m3u's
// directory. Liquidsoap's playlist() prepares its next track ahead of
// time: that one, from the old list, still plays before the new list.
func (c *Controller) SyncPlaylist(ctx context.Context, name string, uris []string) error {
	if err := c.WritePlaylist(name, uris); err != nil {
		return err
	}
	if err := c.client.Reload(ctx, name); err != nil {
		return err
	}
	c.log.Info("playlist synced", "playlist", name, "entries", len(uris))
	return nil
}

// WritePlaylist replaces the m3u file of the named music playlist with uris,
// atomically, without asking Liquidsoap to reload it: a station writes its
// playlists this way before Liquidsoap first starts (it reads them at
// start-up); SyncPlaylist does it while Liquidsoap runs.
func (c *Controller) WritePlaylist(name string, uris []string) error {
	var pl *Playlist
	for i := range c.st.Playlists {
		if c.st.Playlists[i].ID == name {
			pl = &c.st.Playlists[i]
		}
	}
	if pl == nil {
		return &ArgError{Value: name, Index: -1, Reason: "no such playlist in the station"}
	}
	if fi, err := os.Stat(pl.Path); err == nil && fi.IsDir() {
		return &ArgError{Value: name, Index: -1, Reason: "playlist reads a directory, not an m3u file"}
	}
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	for _, u := range uris {
		if u == "" || u[0] == ' ' {
			return &ArgError{Value: u, Index: -1, Reason: "empty or starts with a space"}
		}
		if err := CheckArg(u); err != nil {
			return err
		}
		if u[0] == '#' {
			b.WriteString("./")
		}
		b.WriteString(u)
		b.WriteByte('\n')
	}
	if err := atomicfile.WriteFile(pl.Path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("streamer: %w", err)
	}
	return nil
}

// ReloadPlaylists makes every playlist re-read its file or directory.
func (c *Controller) ReloadPlaylists(ctx context.Context) error {
	for _, p := range c.st.Playlists {
		if err := c.client.Reload(ctx, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// localPath returns the file a URI names on this machine, looking through
// annotate: prefixes, or "" when it names something else (a URL, another
// protocol, a relative path resolved by Liquidsoap's working directory).
func localPath(uri string) string {
	for strings.HasPrefix(uri, "annotate:") {
		rest, ok := skipAnnotation(uri[len("annotate:"):])
		if !ok {
			return ""
		}
		uri = rest
	}
	if p, ok := strings.CutPrefix(uri, "file://"); ok {
		uri = p
	}
	if strings.HasPrefix(uri, "/") {
		return uri
	}
	return ""
}

// skipAnnotation skips "key=\"value\",…:" and returns what follows the
// colon that ends it (colons inside quoted values do not count).
func skipAnnotation(s string) (string, bool) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == ':':
			return s[i+1:], true
		}
	}
	return "", false
}
