package hlstest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// Config describes a simulated live origin. The zero value is one channel,
// "demo", with two variants of 2-second segments.
type Config struct {
	// Channels names the channels; nil means ["demo"].
	Channels []string
	// Variants are offered by every channel; nil means DefaultVariants.
	Variants []VariantConfig
	// SegmentDuration is every segment's duration; 0 means 2 s.
	SegmentDuration time.Duration
	// Window is the number of segments in a live playlist; 0 means 6.
	Window int
	// Retain is how long a segment stays fetchable after it was published;
	// 0 means 5 minutes. Later requests get 404.
	Retain time.Duration
	// Clock drives publication and faults; nil means the system clock. Use
	// a ScaledClock to run faster than real time.
	Clock airkeep.Clock
	// Start is when the first playlist is requested: the stream began a
	// full window earlier, so that playlist already has Window segments.
	// Zero means Clock.Now() at New. It is truncated to the millisecond,
	// the precision of the PDT tags.
	Start time.Time
	// Faults are the misbehaviours to inject; the zero value injects none.
	Faults Faults
	// Seed seeds fault decisions and tokens.
	Seed uint64
	// OnPublish, if set, is called by Run for every segment as it is
	// published, in publication order.
	OnPublish func(Published)
	// Logger receives one Debug line per request; nil means discard.
	Logger *slog.Logger
}

// VariantConfig is one variant of every channel.
type VariantConfig struct {
	Name       string // NAME attribute and path component
	Resolution string // RESOLUTION attribute, e.g. 1280x720
	Bandwidth  int    // bits per second: segment size = Bandwidth × duration / 8
}

// DefaultVariants are offered when Config.Variants is nil.
var DefaultVariants = []VariantConfig{
	{Name: "source", Resolution: "1280x720", Bandwidth: 2_000_000},
	{Name: "480p", Resolution: "854x480", Bandwidth: 800_000},
}

// Faults are the misbehaviours an Origin injects. Rates are fractions of
// requests, drawn independently per request, so a retry may succeed.
type Faults struct {
	// ErrorRate is the fraction of segment requests answered 500.
	ErrorRate float64
	// PlaylistErrorRate is the fraction of media playlist requests answered
	// 500.
	PlaylistErrorRate float64
	// StallRate is the fraction of segment responses that send their
	// headers and half the body, stall for StallFor, then close the
	// connection (a truncated body).
	StallRate float64
	// SlowHeadersRate is the fraction of segment requests whose headers
	// are delayed by StallFor; the body then comes whole.
	SlowHeadersRate float64
	// TruncateRate is the fraction of segment responses cut at half their
	// body with no delay.
	TruncateRate float64
	// StallFor is the length of stalls; 0 means 40 s.
	StallFor time.Duration
	// TokenTTL, when positive, puts a token in the media playlist URLs of
	// the master playlist and in every segment URL; a token is valid this
	// long after the master fetch that issued it, then its URLs get 403.
	// A fresh master fetch gives fresh URLs.
	TokenTTL time.Duration
	// FreezeEvery and FreezeFor, when both positive, freeze playlists for
	// FreezeFor at the end of every FreezeEvery: a media playlist URL
	// issued before the freeze keeps returning the playlist as it was when
	// the freeze began. URLs from a fresh master fetch are not frozen (a
	// stuck CDN edge); without tokens every request is frozen.
	FreezeEvery, FreezeFor time.Duration
	// EndEvery and EndFor, when both positive, end the stream after every
	// EndEvery of streaming: playlists get EXT-X-ENDLIST for EndFor, then
	// the stream restarts with media sequence 0 and new segment URIs, as
	// an encoder restart does.
	EndEvery, EndFor time.Duration
	// MasterGoneWhenEnded answers 404 for the master playlist while the
	// stream is ended, as Twitch does for a channel that is offline.
	MasterGoneWhenEnded bool
}

// Published describes one segment as the origin published it.
type Published struct {
	Channel, Variant string
	Epoch            int    // restarts before this segment
	MSN              uint64 // media sequence number within the epoch
	Path             string // URL path, without token
	Start            time.Time
	Duration         archive.Seconds
	Size             int
	SHA256           archive.Hash
}

// String formats p as one stable, parseable line of key=value fields. The
// hash is written as archive names write it, so a capture can be checked
// with grep.
func (p Published) String() string {
	return fmt.Sprintf("published channel=%s variant=%s epoch=%d msn=%d start=%s duration=%s size=%d sha256=%s",
		p.Channel, p.Variant, p.Epoch, p.MSN, p.Start.UTC().Format("2006-01-02T15:04:05.000000Z"), p.Duration, p.Size, p.SHA256)
}

// Origin is a simulated live HLS origin: channels of variants of synthetic
// MPEG-TS segments, with program date-times on every segment and scripted
// faults. Serve it with Handler; Run reports publications.
type Origin struct {
	cfg      Config
	clock    airkeep.Clock
	log      *slog.Logger
	dur      time.Duration
	epoch0   time.Time // start of epoch 0 (a window before Start)
	variants map[string]VariantConfig

	mu       sync.Mutex
	rng      *rand.Rand
	finishAt time.Time // zero: streaming
	cache    map[string]*segCache
	requests int64
	// firstListed is, per channel and variant, the oldest segment of the
	// first non-empty media playlist served: older segments had left the
	// live window before any client looked.
	firstListed map[[2]string]segmentID
}

// segmentID orders segments across encoder restarts.
type segmentID struct {
	epoch int
	msn   uint64
}

func (a segmentID) before(b segmentID) bool {
	return a.epoch < b.epoch || a.epoch == b.epoch && a.msn < b.msn
}

// New returns an Origin.
func New(cfg Config) (*Origin, error) {
	o := &Origin{cfg: cfg, clock: airkeep.OrSystem(cfg.Clock), log: cfg.Logger}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if len(o.cfg.Channels) == 0 {
		o.cfg.Channels = []string{"demo"}
	}
	if len(o.cfg.Variants) == 0 {
		o.cfg.Variants = DefaultVariants
	}
	o.dur = o.cfg.SegmentDuration
	if o.dur == 0 {
		o.dur = 2 * time.Second
	}
	if o.dur < 100*time.Millisecond || o.dur > time.Hour {
		return nil, fmt.Errorf("hlstest: segment duration %v outside 100ms..1h", o.dur)
	}
	if o.cfg.Window == 0 {
		o.cfg.Window = 6
	}
	if o.cfg.Window < 1 {
		return nil, fmt.Errorf("hlstest: window %d < 1", o.cfg.Window)
	}
	if o.cfg.Retain == 0 {
		o.cfg.Retain = 5 * time.Minute
	}
	if o.cfg.Faults.StallFor == 0 {
		o.cfg.Faults.StallFor = 40 * time.Second
	}
	if o.cfg.Start.IsZero() {
		o.cfg.Start = o.clock.Now()
	}
	// PDTs carry milliseconds: keep every start on a millisecond so that
	// what is published is exactly what playlists say.
	o.cfg.Start = o.cfg.Start.Truncate(time.Millisecond)
	if o.dur%time.Millisecond != 0 {
		return nil, fmt.Errorf("hlstest: segment duration %v is not whole milliseconds", o.dur)
	}
	o.epoch0 = o.cfg.Start.Add(-time.Duration(o.cfg.Window) * o.dur)
	o.variants = make(map[string]VariantConfig)
	for _, v := range o.cfg.Variants {
		if err := archive.ValidateComponent("variant", v.Name); err != nil || strings.ContainsAny(v.Name, "?#%") {
			return nil, fmt.Errorf("hlstest: bad variant name %q", v.Name)
		}
		o.variants[v.Name] = v
	}
	for _, c := range o.cfg.Channels {
		if err := archive.ValidateComponent("channel", c); err != nil || strings.ContainsAny(c, "?#%") {
			return nil, fmt.Errorf("hlstest: bad channel name %q", c)
		}
	}
	o.rng = rand.New(rand.NewPCG(o.cfg.Seed, 0x61697270))
	o.cache = make(map[string]*segCache)
	o.firstListed = make(map[[2]string]segmentID)
	return o, nil
}

// MasterPath returns the URL path of a channel's master playlist.
func MasterPath(channel string) string { return "/c/" + channel + "/master.m3u8" }

// MediaPath returns the URL path of a variant's media playlist, without
// token.
func MediaPath(channel, variant string) string {
	return "/c/" + channel + "/" + variant + "/index.m3u8"
}

// Channels returns the channel names.
func (o *Origin) Channels() []string { return append([]string(nil), o.cfg.Channels...) }

// Variants returns the variant names.
func (o *Origin) Variants() []string {
	names := make([]string, len(o.cfg.Variants))
	for i, v := range o.cfg.Variants {
		names[i] = v.Name
	}
	return names
}

// Requests returns the number of requests served so far.
func (o *Origin) Requests() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requests
}

// Finish ends every channel now: the segments complete by now are the last
// ones, playlists carry EXT-X-ENDLIST from here on, and no restart follows.
// A demo or test calls it to let a capture drain before it stops.
func (o *Origin) Finish() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.finishAt.IsZero() {
		o.finishAt = o.clock.Now()
	}
}

// epochInfo describes the epoch in force at a time.
type epochInfo struct {
	k       int
	start   time.Time // first segment's start
	liveEnd time.Time // no segment ends after this
	ended   bool      // t is at or after liveEnd: ENDLIST
}

func (o *Origin) finish() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.finishAt
}

// epochAt returns the epoch in force at t.
func (o *Origin) epochAt(t time.Time) epochInfo {
	fin := o.finish()
	if !fin.IsZero() && t.After(fin) {
		e := o.epochAt0(fin)
		if fin.Before(e.liveEnd) {
			e.liveEnd = fin
		}
		e.ended = true
		return e
	}
	e := o.epochAt0(t)
	e.ended = !t.Before(e.liveEnd)
	return e
}

func (o *Origin) epochAt0(t time.Time) epochInfo {
	f := o.cfg.Faults
	if f.EndEvery <= 0 || f.EndFor <= 0 {
		return epochInfo{start: o.epoch0, liveEnd: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	period := f.EndEvery + f.EndFor
	k := 0
	if since := t.Sub(o.epoch0); since > 0 {
		k = int(since / period)
	}
	start := o.epoch0.Add(time.Duration(k) * period)
	return epochInfo{k: k, start: start, liveEnd: start.Add(f.EndEvery)}
}

// count returns how many segments of epoch e are complete at t.
func (o *Origin) count(e epochInfo, t time.Time) uint64 {
	if t.After(e.liveEnd) {
		t = e.liveEnd
	}
	if t.Before(e.start) {
		return 0
	}
	return uint64(t.Sub(e.start) / o.dur)
}

// Handler serves the origin:
//
//	/c/CHANNEL/master.m3u8
//	/c/CHANNEL/VARIANT/index.m3u8[?token=…]
//	/c/CHANNEL/VARIANT/eEPOCH/MSN.ts[?token=…]
func (o *Origin) Handler() http.Handler {
	return http.HandlerFunc(o.serve)
}

func (o *Origin) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.requests++
	o.mu.Unlock()
	o.log.Debug("request", "path", r.URL.Path, "query", r.URL.RawQuery)
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if len(parts) < 3 || parts[0] != "c" || !o.hasChannel(parts[1]) {
		http.NotFound(w, r)
		return
	}
	ch := parts[1]
	switch {
	case len(parts) == 3 && parts[2] == "master.m3u8":
		o.serveMaster(w, r, ch)
	case len(parts) == 4 && parts[3] == "index.m3u8":
		o.serveMedia(w, r, ch, parts[2])
	case len(parts) == 5 && strings.HasSuffix(parts[4], ".ts"):
		o.serveSegment(w, r, ch, parts[2], parts[3], strings.TrimSuffix(parts[4], ".ts"))
	default:
		http.NotFound(w, r)
	}
}

func (o *Origin) hasChannel(c string) bool {
	for _, x := range o.cfg.Channels {
		if x == c {
			return true
		}
	}
	return false
}

func (o *Origin) chance(rate float64) bool {
	if rate <= 0 {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rng.Float64() < rate
}

func (o *Origin) serveMaster(w http.ResponseWriter, r *http.Request, ch string) {
	now := o.clock.Now()
	if o.cfg.Faults.MasterGoneWhenEnded && o.epochAt(now).ended {
		http.NotFound(w, r)
		return
	}
	q := ""
	if o.cfg.Faults.TokenTTL > 0 {
		q = "?token=" + o.token(ch, now)
	}
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	for _, v := range o.cfg.Variants {
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,RESOLUTION=%s,NAME=\"%s\"\n%s/index.m3u8%s\n", v.Bandwidth, v.Resolution, v.Name, v.Name, q)
	}
	writePlaylist(w, b.String())
}

func writePlaylist(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write([]byte(body))
}

// token issues a token: the issue time and a keyed checksum.
func (o *Origin) token(ch string, issued time.Time) string {
	ms := strconv.FormatInt(issued.UnixMilli(), 36)
	return ms + "-" + o.sign(ch, ms)
}

func (o *Origin) sign(ch, ms string) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%s", o.cfg.Seed, ch, ms)
	return strconv.FormatUint(h.Sum64()&0xFFFFFFFF, 36)
}

// checkToken returns the token's issue time, or false when the token is
// missing, forged or expired (tokens are off: always true, zero time).
func (o *Origin) checkToken(r *http.Request, ch string, now time.Time) (time.Time, bool) {
	if o.cfg.Faults.TokenTTL <= 0 {
		return time.Time{}, true
	}
	ms, sig, ok := strings.Cut(r.URL.Query().Get("token"), "-")
	if !ok || o.sign(ch, ms) != sig {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(ms, 36, 64)
	if err != nil {
		return time.Time{}, false
	}
	issued := time.UnixMilli(n)
	return issued, now.Before(issued.Add(o.cfg.Faults.TokenTTL))
}

// frozenAt returns when the freeze in force at now began, for a URL whose
// token was issued at issued, or zero when the playlist is not frozen.
func (o *Origin) frozenAt(now, issued time.Time) time.Time {
	f := o.cfg.Faults
	if f.FreezeEvery <= 0 || f.FreezeFor <= 0 || f.FreezeFor >= f.FreezeEvery {
		return time.Time{}
	}
	since := now.Sub(o.cfg.Start)
	if since < 0 {
		return time.Time{}
	}
	m := since / f.FreezeEvery
	begin := o.cfg.Start.Add(m*f.FreezeEvery + f.FreezeEvery - f.FreezeFor)
	if now.Before(begin) {
		return time.Time{}
	}
	if !issued.IsZero() && !issued.Before(begin) {
		return time.Time{} // a fresh URL reaches a healthy edge
	}
	return begin
}

func (o *Origin) serveMedia(w http.ResponseWriter, r *http.Request, ch, variant string) {
	if _, ok := o.variants[variant]; !ok {
		http.NotFound(w, r)
		return
	}
	now := o.clock.Now()
	issued, ok := o.checkToken(r, ch, now)
	if !ok {
		http.Error(w, "token expired", http.StatusForbidden)
		return
	}
	if o.chance(o.cfg.Faults.PlaylistErrorRate) {
		http.Error(w, "injected error", http.StatusInternalServerError)
		return
	}
	at := now
	if fz := o.frozenAt(now, issued); !fz.IsZero() {
		at = fz
	}
	e := o.epochAt(at)
	n := o.count(e, at)
	first := uint64(0)
	if w := uint64(o.cfg.Window); n > w {
		first = n - w
	}
	if n > first {
		o.noteListed(ch, variant, segmentID{e.k, first})
	}
	q := ""
	if t := r.URL.Query().Get("token"); t != "" && o.cfg.Faults.TokenTTL > 0 {
		q = "?token=" + t
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:%d\n",
		int(math.Ceil(o.dur.Seconds())), first)
	for i := first; i < n; i++ {
		start := e.start.Add(time.Duration(i) * o.dur)
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n#EXTINF:%s,\ne%d/%d.ts%s\n",
			start.UTC().Format("2006-01-02T15:04:05.000Z"), archive.Seconds(o.dur.Seconds()), e.k, i, q)
	}
	if e.ended {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	writePlaylist(w, b.String())
}

func (o *Origin) noteListed(ch, variant string, id segmentID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.firstListed[[2]string{ch, variant}]; !ok {
		o.firstListed[[2]string{ch, variant}] = id
	}
}

// Listed reports whether p was in a media playlist the origin served, or
// in the window of one: a segment that slid out of the live window before
// the first request for its variant's playlist was never offered to any
// client, and no capture can be blamed for missing it.
func (o *Origin) Listed(p Published) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	first, ok := o.firstListed[[2]string{p.Channel, p.Variant}]
	return ok && !(segmentID{p.Epoch, p.MSN}).before(first)
}

func (o *Origin) serveSegment(w http.ResponseWriter, r *http.Request, ch, variant, ep, msn string) {
	v, ok := o.variants[variant]
	if !ok || !strings.HasPrefix(ep, "e") {
		http.NotFound(w, r)
		return
	}
	k, err1 := strconv.Atoi(ep[1:])
	i, err2 := strconv.ParseUint(msn, 10, 64)
	if err1 != nil || err2 != nil || k < 0 {
		http.NotFound(w, r)
		return
	}
	now := o.clock.Now()
	if _, ok := o.checkToken(r, ch, now); !ok {
		http.Error(w, "token expired", http.StatusForbidden)
		return
	}
	e := o.epochAt(now)
	if k > e.k {
		http.NotFound(w, r)
		return
	}
	ek := o.epochAt0(o.epoch0.Add(time.Duration(k) * (o.cfg.Faults.EndEvery + o.cfg.Faults.EndFor)))
	if k == e.k {
		ek = e
	}
	end := ek.start.Add(time.Duration(i+1) * o.dur)
	if end.After(ek.liveEnd) || end.After(now) || now.Sub(end) > o.cfg.Retain {
		http.NotFound(w, r)
		return
	}
	data := o.segment(ch, v, ek, k, i)
	f := o.cfg.Faults
	o.mu.Lock()
	x := o.rng.Float64()
	o.mu.Unlock()
	if x < f.ErrorRate {
		http.Error(w, "injected error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "video/mp2t")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	switch {
	case x < f.ErrorRate+f.StallRate:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data[:len(data)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		o.wait(r.Context(), f.StallFor)
		// Returning short of Content-Length makes net/http close the
		// connection: the client sees a truncated body.
	case x < f.ErrorRate+f.StallRate+f.TruncateRate:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data[:len(data)/2])
	case x < f.ErrorRate+f.StallRate+f.TruncateRate+f.SlowHeadersRate:
		if o.wait(r.Context(), f.StallFor) {
			_, _ = w.Write(data)
		}
	default:
		_, _ = w.Write(data)
	}
}

// wait waits d on the origin's clock; false if the client went away.
func (o *Origin) wait(ctx context.Context, d time.Duration) bool {
	return airkeep.Sleep(ctx, o.clock, d) == nil
}

// segCache keeps the last few segments of a variant, so that publishing
// (which hashes) and serving generate each one once.
type segCache struct {
	mu      sync.Mutex
	entries [8]struct {
		k    int
		i    uint64
		data []byte
	}
	next int
}

func (o *Origin) segment(ch string, v VariantConfig, e epochInfo, k int, i uint64) []byte {
	key := ch + "/" + v.Name
	o.mu.Lock()
	c := o.cache[key]
	if c == nil {
		c = new(segCache)
		o.cache[key] = c
	}
	o.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, en := range c.entries {
		if en.data != nil && en.k == k && en.i == i {
			return en.data
		}
	}
	start := time.Duration(i) * o.dur
	size := int(float64(v.Bandwidth) * o.dur.Seconds() / 8)
	data := Segment(fmt.Sprintf("airkeep %s/%s/e%d/%d", ch, v.Name, k, i), start, o.dur, size)
	en := &c.entries[c.next]
	en.k, en.i, en.data = k, i, data
	c.next = (c.next + 1) % len(c.entries)
	return data
}

// Run reports publications through Config.OnPublish as the clock passes
// each segment's end, until ctx ends. Without OnPublish it returns at once.
func (o *Origin) Run(ctx context.Context) error {
	if o.cfg.OnPublish == nil {
		return nil
	}
	nextK, nextI := 0, uint64(0)
	for {
		now := o.clock.Now()
		for {
			e := o.epochAt(now)
			if nextK < e.k {
				// Finish the earlier epoch: everything up to its live end.
				ek := o.epochAt0(o.epoch0.Add(time.Duration(nextK) * (o.cfg.Faults.EndEvery + o.cfg.Faults.EndFor)))
				for n := o.count(ek, ek.liveEnd); nextI < n; nextI++ {
					o.publish(ek, nextK, nextI)
				}
				nextK, nextI = nextK+1, 0
				continue
			}
			for n := o.count(e, now); nextI < n; nextI++ {
				o.publish(e, nextK, nextI)
			}
			break
		}
		e := o.epochAt(now)
		wake := e.start.Add(time.Duration(nextI+1) * o.dur)
		if e.ended || wake.After(e.liveEnd) {
			if fin := o.finish(); !fin.IsZero() {
				wake = now.Add(o.dur) // finished: poll rarely, nothing more will come
			} else {
				p := o.cfg.Faults.EndEvery + o.cfg.Faults.EndFor
				wake = e.start.Add(p + o.dur) // next epoch's first segment
			}
		}
		if err := airkeep.Sleep(ctx, o.clock, wake.Sub(now)); err != nil {
			return nil
		}
	}
}

func (o *Origin) publish(e epochInfo, k int, i uint64) {
	for _, ch := range o.cfg.Channels {
		for _, v := range o.cfg.Variants {
			data := o.segment(ch, v, e, k, i)
			o.cfg.OnPublish(Published{
				Channel: ch, Variant: v.Name, Epoch: k, MSN: i,
				Path:     fmt.Sprintf("/c/%s/%s/e%d/%d.ts", ch, v.Name, k, i),
				Start:    e.start.Add(time.Duration(i) * o.dur).UTC(),
				Duration: archive.Seconds(o.dur.Seconds()),
				Size:     len(data),
				SHA256:   sha256.Sum256(data),
			})
		}
	}
}
