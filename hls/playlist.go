package hls

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grafov/m3u8"

	"github.com/airkeep/airkeep/archive"
)

// Limits on what a playlist may make airkeep hold. A live playlist is a few
// kilobytes; these only stop a hostile or broken server.
const (
	// MaxPlaylistBytes is the default limit on a playlist body, as gohlslib.
	MaxPlaylistBytes = 1 << 20
	// maxRenditions and maxVariants bound a master playlist far above any
	// real one (Twitch offers 6 variants).
	maxRenditions = 4096
	maxVariants   = 4096
	// maxSegmentDuration bounds EXTINF and TARGETDURATION values.
	maxSegmentDuration = 24 * 3600.0
)

// DefaultSkewTolerance is how far an EXT-X-PROGRAM-DATE-TIME may differ from
// the time extrapolated from the previous segment before it counts as skew:
// wubloader's MAX_SEGMENT_TIME_SKEW, and its 10 ms gap tolerance.
const DefaultSkewTolerance = 10 * time.Millisecond

// MediaPlaylist is a media playlist as airkeep uses it: every segment
// carries everything needed to fetch and date it, with the playlist-level
// state (keys, init sections, byte ranges, dates, discontinuities) already
// applied, as RFC 8216 says it applies.
type MediaPlaylist struct {
	// URL is the playlist's final URL, after redirects; segment URIs are
	// resolved against it.
	URL string
	// TargetDuration is EXT-X-TARGETDURATION as the server wrote it (not
	// raised to the longest segment, as grafov does).
	TargetDuration time.Duration
	// MediaSequence is the MSN of the first segment (EXT-X-MEDIA-SEQUENCE,
	// 0 when absent).
	MediaSequence uint64
	// DiscontinuitySequence is EXT-X-DISCONTINUITY-SEQUENCE (0 when absent).
	DiscontinuitySequence uint64
	// Ended is true when the playlist carries EXT-X-ENDLIST.
	Ended bool
	// Type is EXT-X-PLAYLIST-TYPE: "", "EVENT" or "VOD".
	Type string
	// HasPDT is true when at least one segment carries
	// EXT-X-PROGRAM-DATE-TIME, so every segment's PDT is set.
	HasPDT   bool
	Segments []Segment
	// Skews lists the segments whose own PDT tag disagrees by more than the
	// tolerance with the date extrapolated from the segment before.
	Skews []Skew
}

// Segment is one media segment of a playlist.
type Segment struct {
	// URI is the absolute http or https URL of the segment.
	URI string
	// MSN is the media sequence number: EXT-X-MEDIA-SEQUENCE plus the
	// segment's position.
	MSN uint64
	// Duration is the EXTINF duration in seconds, as the archive names it.
	Duration archive.Seconds
	// Title is the EXTINF title.
	Title string
	// Discontinuity is true when EXT-X-DISCONTINUITY precedes the segment.
	Discontinuity bool
	// Epoch is the segment's discontinuity sequence number (RFC 8216
	// §4.3.3.3): EXT-X-DISCONTINUITY-SEQUENCE plus the discontinuities
	// before it in the playlist.
	Epoch uint64
	// PDT is the segment's program date-time in UTC: its own tag, or
	// extrapolated with EXTINF durations from the nearest tagged segment.
	// Zero when the playlist has no tag at all.
	PDT time.Time
	// PDTTagged is true when the segment carries its own tag.
	PDTTagged bool
	// Key is the EXT-X-KEY in force (nil: not encrypted).
	Key *Key
	// Map is the EXT-X-MAP in force (nil: none).
	Map *Map
	// Range is the EXT-X-BYTERANGE with its offset resolved (nil: the whole
	// resource).
	Range *ByteRange
	// Gap is true for EXT-X-GAP: the segment is missing and must not be
	// loaded.
	Gap bool
	// Ad is true inside an ad break: EXT-X-CUE-OUT/CUE-IN, SCTE-35 markers,
	// an ad EXT-X-DATERANGE covering its date, or an "Amazon" title.
	Ad bool
}

// End returns the segment's PDT plus its duration.
func (s Segment) End() time.Time { return s.PDT.Add(s.Duration.Duration()) }

// ID returns what identifies the segment's bytes at the origin: its URI and
// byte range. Getters are keyed by it, as wubloader keys them by URI, so a
// sequence reset cannot make airkeep skip a new segment.
func (s Segment) ID() string {
	if s.Range == nil {
		return s.URI
	}
	return s.URI + "#" + strconv.FormatInt(s.Range.Offset, 10) + "+" + strconv.FormatInt(s.Range.Length, 10)
}

// Key is an EXT-X-KEY.
type Key struct {
	Method string // AES-128, SAMPLE-AES, …
	URI    string // absolute URI of the key
	// IV is the explicit initialisation vector; nil means the MSN as a
	// 128-bit big-endian number (RFC 8216 §5.2).
	IV        []byte
	KeyFormat string
}

// Map is an EXT-X-MAP: the init section prepended to each stored segment.
type Map struct {
	URI   string
	Range *ByteRange
}

// ID returns what identifies the init section's bytes.
func (m *Map) ID() string {
	if m.Range == nil {
		return m.URI
	}
	return m.URI + "#" + strconv.FormatInt(m.Range.Offset, 10) + "+" + strconv.FormatInt(m.Range.Length, 10)
}

// ByteRange is a sub-range of a resource.
type ByteRange struct {
	Offset, Length int64
}

// Skew is a PDT tag that disagrees with the extrapolated date.
type Skew struct {
	MSN   uint64
	Delta time.Duration // tagged minus extrapolated
}

// MasterPlaylist is a master (multivariant) playlist.
type MasterPlaylist struct {
	URL        string
	Variants   []Variant   // EXT-X-STREAM-INF, I-frame playlists left out
	Renditions []Rendition // EXT-X-MEDIA entries that have a URI
}

// Variant is one EXT-X-STREAM-INF.
type Variant struct {
	URI        string // absolute
	Bandwidth  uint64
	Resolution string
	FrameRate  float64
	Codecs     string
	Name       string // the non-standard NAME attribute some origins set
	Video      string // VIDEO group
	Audio      string // AUDIO group
	// Names are the names the variant answers to, in order of preference:
	// NAME, the VIDEO rendition's NAME and GROUP-ID, and the height
	// ("720p", "720p60" above 30 fps). The highest-bandwidth variant also
	// answers to "source".
	Names []string
}

// Rendition is an EXT-X-MEDIA entry with its own media playlist.
type Rendition struct {
	Type    string // AUDIO, VIDEO, SUBTITLES
	GroupID string
	Name    string
	URI     string // absolute
}

// Kind tells a master playlist from a media playlist.
type Kind int

// The playlist kinds.
const (
	KindMedia Kind = iota + 1
	KindMaster
)

// Sniff says whether body is a master or a media playlist: a master has
// EXT-X-STREAM-INF or EXT-X-I-FRAME-STREAM-INF lines, which a media
// playlist never has.
func Sniff(body []byte) Kind {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("#EXT-X-STREAM-INF")) || bytes.HasPrefix(line, []byte("#EXT-X-I-FRAME-STREAM-INF")) {
			return KindMaster
		}
	}
	return KindMedia
}

// lines normalises a playlist body (RFC 8216 §4.1): valid UTF-8, no NUL or
// control characters, LF or CRLF endings, surrounding whitespace trimmed,
// blank lines dropped. Dropping blank lines before grafov sees them removes
// a whole class of its bugs: empty URIs, tags attached to the wrong segment,
// and the nil-pointer panic after EXT-X-KEY and EXT-X-MAP.
func lines(src string, body []byte, limit int) ([]string, error) {
	if limit <= 0 {
		limit = MaxPlaylistBytes
	}
	if len(body) > limit {
		return nil, &PlaylistError{URL: src, Reason: fmt.Sprintf("larger than %d bytes", limit), Err: ErrTooLarge}
	}
	// A BOM is refused by strict grafov; it carries no meaning, so drop it
	// rather than lose a recording over it.
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(body) {
		return nil, &PlaylistError{URL: src, Reason: "not UTF-8"}
	}
	out := make([]string, 0, bytes.Count(body, []byte{'\n'})+1)
	s := string(body)
	n := 0
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		n++
		line = strings.Trim(line, " \t\r")
		if line == "" {
			continue
		}
		for i := 0; i < len(line); i++ {
			if c := line[i]; c < 0x20 && c != '\t' || c == 0x7f {
				return nil, &PlaylistError{URL: src, Line: n, Reason: "control character"}
			}
		}
		out = append(out, line)
	}
	if len(out) == 0 || out[0] != "#EXTM3U" {
		return nil, &PlaylistError{URL: src, Line: 1, Reason: "does not start with #EXTM3U"}
	}
	return out, nil
}

// resolver resolves URIs against a playlist's URL, refusing anything but
// http and https and any https-to-http downgrade.
type resolver struct {
	base *url.URL
}

func (r resolver) resolve(ref string) (string, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("bad URI %q: %v", clip(ref), err)
	}
	if r.base != nil {
		u = r.base.ResolveReference(u)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if r.base != nil && r.base.Scheme == "https" {
			return "", fmt.Errorf("URI %q downgrades https to http", clip(ref))
		}
	default:
		return "", fmt.Errorf("URI %q: scheme %q is not http or https", clip(ref), u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("URI %q has no host", clip(ref))
	}
	if strings.Contains(ref, "{$") {
		// EXT-X-DEFINE substitution is not supported; fetching the literal
		// URI would only fail later and less clearly.
		return "", fmt.Errorf("URI %q uses EXT-X-DEFINE variables", clip(ref))
	}
	u.Fragment = ""
	return u.String(), nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// decodeSafely runs a grafov decode, turning a panic into ErrParserPanic.
func decodeSafely(src string, decode func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PlaylistError{URL: src, Reason: fmt.Sprint("parser panic: ", p), Err: ErrParserPanic}
		}
	}()
	if err := decode(); err != nil {
		return &PlaylistError{URL: src, Reason: "decode", Err: err}
	}
	return nil
}

// rawSegment is what the line pre-scan learns about one segment, where
// grafov loses or garbles it.
type rawSegment struct {
	line      int   // line of the URI
	hasRange  bool  // EXT-X-BYTERANGE present
	hasOffset bool  // … with an @offset
	length    int64 // range length
	offset    int64
	gap       bool
	cueAd     bool // inside a CUE-OUT/SCTE35-OUT break
	duration  float64
}

// dateRange is an ad EXT-X-DATERANGE.
type dateRange struct {
	start, end time.Time // end is zero when open
}

// ParseMedia parses a media playlist fetched from playlistURL (the final
// URL, after redirects). It never panics and runs in time and memory linear
// in the size of body, which must be at most MaxPlaylistBytes.
func ParseMedia(body []byte, playlistURL string) (*MediaPlaylist, error) {
	return parseMedia(body, playlistURL, MaxPlaylistBytes, DefaultSkewTolerance)
}

func parseMedia(body []byte, playlistURL string, limit int, skewTol time.Duration) (*MediaPlaylist, error) {
	src := playlistURL
	base, ls, err := prepare(body, playlistURL, limit)
	if err != nil {
		return nil, err
	}
	fail := func(line int, format string, args ...any) (*MediaPlaylist, error) {
		return nil, &PlaylistError{URL: src, Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	pl := &MediaPlaylist{URL: playlistURL}
	var (
		raws                              []rawSegment
		cur                               rawSegment
		inf, sawTD, sawMSN, sawDSN, inCue bool
		ads                               []dateRange
	)
	for i, l := range ls {
		n := i + 1
		if !strings.HasPrefix(l, "#") {
			if !inf {
				// A URI with no EXTINF is invalid (RFC 8216 §4.3.2.1) and is
				// what makes grafov dereference nil after KEY or MAP.
				return fail(n, "URI without #EXTINF")
			}
			cur.line = n
			cur.cueAd = inCue
			raws = append(raws, cur)
			cur = rawSegment{}
			inf = false
			continue
		}
		tag, val, _ := strings.Cut(l, ":")
		switch tag {
		case "#EXTINF":
			if inf {
				return fail(n, "#EXTINF without a URI")
			}
			inf = true
			d, _, _ := strings.Cut(val, ",")
			f, err := parseDecimal(d)
			if err != nil || f > maxSegmentDuration {
				return fail(n, "bad EXTINF duration %q", clip(d))
			}
			cur.duration = f
		case "#EXT-X-TARGETDURATION":
			if sawTD {
				return fail(n, "EXT-X-TARGETDURATION twice")
			}
			sawTD = true
			// RFC 8216 wants an integer; wubloader writes "%.3f". Accept a
			// decimal, refuse anything else.
			f, err := parseDecimal(val)
			if err != nil || f <= 0 || f > maxSegmentDuration {
				return fail(n, "bad EXT-X-TARGETDURATION %q", clip(val))
			}
			pl.TargetDuration = time.Duration(f * float64(time.Second))
		case "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-DISCONTINUITY-SEQUENCE":
			// grafov turns garbage into 0 here, which looks exactly like a
			// sequence reset; so parse it again, strictly.
			if len(raws) > 0 || inf {
				return fail(n, "%s after the first segment", tag[1:])
			}
			v, err := strconv.ParseUint(val, 10, 64)
			if err != nil || val[0] == '+' {
				return fail(n, "bad %s %q", tag[1:], clip(val))
			}
			if tag == "#EXT-X-MEDIA-SEQUENCE" {
				if sawMSN {
					return fail(n, "EXT-X-MEDIA-SEQUENCE twice")
				}
				sawMSN, pl.MediaSequence = true, v
			} else {
				if sawDSN {
					return fail(n, "EXT-X-DISCONTINUITY-SEQUENCE twice")
				}
				sawDSN, pl.DiscontinuitySequence = true, v
			}
		case "#EXT-X-BYTERANGE":
			ln, off, hasOff := strings.Cut(val, "@")
			length, err := strconv.ParseInt(ln, 10, 64)
			if err != nil || length < 0 {
				return fail(n, "bad EXT-X-BYTERANGE %q", clip(val))
			}
			cur.hasRange, cur.length = true, length
			if hasOff {
				o, err := strconv.ParseInt(off, 10, 64)
				if err != nil || o < 0 || o > math.MaxInt64-length {
					return fail(n, "bad EXT-X-BYTERANGE %q", clip(val))
				}
				cur.hasOffset, cur.offset = true, o
			}
		case "#EXT-X-GAP":
			cur.gap = true
		case "#EXT-X-CUE-OUT", "#EXT-X-CUE-OUT-CONT", "#EXT-X-SCTE35-OUT":
			inCue = true
		case "#EXT-X-CUE-IN", "#EXT-X-SCTE35-IN":
			inCue = false
		case "#EXT-X-DATERANGE":
			if dr, ok := adDateRange(val); ok {
				ads = append(ads, dr)
			}
		case "#EXT-X-SKIP":
			// A delta playlist: grafov cannot see the skipped segments, so
			// every MSN would be wrong. airkeep never asks for one.
			return fail(n, "delta playlists (EXT-X-SKIP) are not supported")
		case "#EXT-X-DEFINE":
			return fail(n, "EXT-X-DEFINE is not supported")
		case "#EXT-X-STREAM-INF", "#EXT-X-I-FRAME-STREAM-INF":
			return fail(n, "master playlist tag in a media playlist")
		}
	}
	if inf {
		return fail(len(ls), "#EXTINF without a URI")
	}
	if !sawTD {
		return fail(0, "no EXT-X-TARGETDURATION")
	}
	if uint64(len(raws)) > math.MaxUint64-pl.MediaSequence {
		return fail(0, "media sequence overflows")
	}

	gp, err := m3u8.NewMediaPlaylist(0, uint(max(len(raws), 1)))
	if err != nil {
		return nil, &PlaylistError{URL: src, Reason: "decode", Err: err}
	}
	norm := strings.Join(ls, "\n") + "\n"
	if err := decodeSafely(src, func() error { return gp.DecodeFrom(strings.NewReader(norm), true) }); err != nil {
		return nil, err
	}
	segs := gp.GetAllSegments()
	if len(segs) != len(raws) {
		return fail(0, "parser found %d segments, pre-scan %d", len(segs), len(raws))
	}
	pl.Ended = gp.Closed
	switch gp.MediaType {
	case m3u8.EVENT:
		pl.Type = "EVENT"
	case m3u8.VOD:
		pl.Type = "VOD"
	}

	res := resolver{base: base}
	pl.Segments = make([]Segment, len(segs))
	var (
		key       *Key
		mp        *Map
		epoch     = pl.DiscontinuitySequence
		firstPDT  = -1
		prevRange *ByteRange
		prevURI   string
	)
	for i, gs := range segs {
		r := raws[i]
		if gs == nil {
			return fail(r.line, "parser lost a segment")
		}
		s := &pl.Segments[i]
		s.MSN = pl.MediaSequence + uint64(i)
		s.Duration = archive.Seconds(r.duration)
		s.Title = gs.Title
		s.Gap = r.gap
		s.Ad = r.cueAd || strings.HasPrefix(gs.Title, "Amazon")
		if s.URI, err = res.resolve(gs.URI); err != nil {
			return fail(r.line, "%v", err)
		}
		if gs.Discontinuity {
			// RFC 8216 §4.3.3.3: the number is the tag's value plus the
			// discontinuities before the segment's URI, its own included.
			s.Discontinuity = true
			epoch++
		}
		s.Epoch = epoch
		// grafov attaches KEY and MAP to the next segment only; RFC 8216
		// applies them until the next tag.
		if gs.Key != nil {
			if key, err = convertKey(gs.Key, res); err != nil {
				return fail(r.line, "%v", err)
			}
		}
		s.Key = key
		if gs.Map != nil {
			if mp, err = convertMap(gs.Map, res); err != nil {
				return fail(r.line, "%v", err)
			}
		}
		s.Map = mp
		// RFC 8216 §4.3.2.2: a range without an offset continues the
		// previous segment's range of the same resource.
		if r.hasRange {
			br := &ByteRange{Length: r.length, Offset: r.offset}
			if !r.hasOffset {
				if prevRange == nil || prevURI != s.URI {
					return fail(r.line, "EXT-X-BYTERANGE without offset does not follow a range of the same resource")
				}
				if prevRange.Offset > math.MaxInt64-prevRange.Length-r.length {
					return fail(r.line, "EXT-X-BYTERANGE offset overflows")
				}
				br.Offset = prevRange.Offset + prevRange.Length
			}
			s.Range = br
			prevRange = br
		} else {
			prevRange = nil
		}
		prevURI = s.URI
		if !gs.ProgramDateTime.IsZero() {
			s.PDT = gs.ProgramDateTime.UTC()
			s.PDTTagged = true
			if firstPDT < 0 {
				firstPDT = i
			}
		}
	}

	// Extrapolate dates: forward with each duration, and backward from the
	// first tag for the segments before it.
	if firstPDT >= 0 {
		pl.HasPDT = true
		for i := firstPDT - 1; i >= 0; i-- {
			pl.Segments[i].PDT = pl.Segments[i+1].PDT.Add(-pl.Segments[i].Duration.Duration())
		}
		for i := firstPDT + 1; i < len(pl.Segments); i++ {
			s, prev := &pl.Segments[i], &pl.Segments[i-1]
			want := prev.End()
			if !s.PDTTagged {
				s.PDT = want
				continue
			}
			// A discontinuity may move the clock on purpose; anywhere else a
			// jump is skew (wubloader #539).
			if d := s.PDT.Sub(want); !s.Discontinuity && (d > skewTol || d < -skewTol) {
				pl.Skews = append(pl.Skews, Skew{MSN: s.MSN, Delta: d})
			}
		}
		for i := range pl.Segments {
			if y := pl.Segments[i].PDT.Year(); y < 1 || y > 9999 {
				return fail(raws[i].line, "program date-time out of range")
			}
		}
		markAds(pl.Segments, ads)
	}
	return pl, nil
}

// markAds marks the segments whose date falls in an ad date range. Ranges
// are sorted by start with a running maximum of ends, so each segment costs
// one binary search: a playlist of n ranges and n segments stays n log n.
func markAds(segs []Segment, ads []dateRange) {
	if len(ads) == 0 {
		return
	}
	slices.SortFunc(ads, func(a, b dateRange) int { return a.start.Compare(b.start) })
	maxEnd := make([]time.Time, len(ads)) // zero = open-ended
	for i, a := range ads {
		maxEnd[i] = a.end
		if i > 0 && (maxEnd[i-1].IsZero() || !a.end.IsZero() && maxEnd[i-1].After(a.end)) {
			maxEnd[i] = maxEnd[i-1]
		}
	}
	for i := range segs {
		s := &segs[i]
		// j = number of ranges starting at or before the segment.
		j, _ := slices.BinarySearchFunc(ads, s.PDT, func(a dateRange, t time.Time) int {
			if a.start.After(t) {
				return 1
			}
			return -1
		})
		if j > 0 && (maxEnd[j-1].IsZero() || maxEnd[j-1].After(s.PDT)) {
			s.Ad = true
		}
	}
}

// prepare checks the playlist's URL and normalises its lines.
func prepare(body []byte, playlistURL string, limit int) (*url.URL, []string, error) {
	base, err := parseBase(playlistURL)
	if err != nil {
		return nil, nil, err
	}
	ls, err := lines(playlistURL, body, limit)
	return base, ls, err
}

func parseBase(playlistURL string) (*url.URL, error) {
	u, err := url.Parse(playlistURL)
	if err != nil {
		return nil, &PlaylistError{URL: playlistURL, Reason: "bad playlist URL", Err: err}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, &PlaylistError{URL: playlistURL, Reason: "playlist URL is not an absolute http or https URL"}
	}
	return u, nil
}

// parseDecimal parses a non-negative decimal number without sign, exponent,
// NaN or infinity.
func parseDecimal(s string) (float64, error) {
	if s == "" || len(s) > 32 {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != '.' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseFloat(s, 64)
}

func convertKey(k *m3u8.Key, res resolver) (*Key, error) {
	method := strings.ToUpper(k.Method)
	if method == "" {
		return nil, fmt.Errorf("EXT-X-KEY without METHOD")
	}
	if method == "NONE" {
		return nil, nil
	}
	key := &Key{Method: method, KeyFormat: k.Keyformat}
	if k.URI == "" {
		return nil, fmt.Errorf("EXT-X-KEY METHOD=%s without URI", method)
	}
	if method == "AES-128" {
		u, err := res.resolve(k.URI)
		if err != nil {
			return nil, fmt.Errorf("EXT-X-KEY: %v", err)
		}
		key.URI = u
	} else {
		key.URI = k.URI // skd:// and friends: never fetched
	}
	if k.IV != "" {
		h, ok := strings.CutPrefix(k.IV, "0x")
		if !ok {
			h, ok = strings.CutPrefix(k.IV, "0X")
		}
		iv, err := hex.DecodeString(h)
		if !ok || err != nil || len(iv) != 16 {
			return nil, fmt.Errorf("EXT-X-KEY: bad IV %q", clip(k.IV))
		}
		key.IV = iv
	}
	return key, nil
}

func convertMap(m *m3u8.Map, res resolver) (*Map, error) {
	if m.URI == "" {
		return nil, fmt.Errorf("EXT-X-MAP without URI")
	}
	u, err := res.resolve(m.URI)
	if err != nil {
		return nil, fmt.Errorf("EXT-X-MAP: %v", err)
	}
	mp := &Map{URI: u}
	if m.Limit > 0 || m.Offset > 0 {
		if m.Limit <= 0 || m.Offset < 0 || m.Offset > math.MaxInt64-m.Limit {
			return nil, fmt.Errorf("EXT-X-MAP: bad BYTERANGE")
		}
		mp.Range = &ByteRange{Offset: m.Offset, Length: m.Limit}
	}
	return mp, nil
}

// adDateRange recognises the EXT-X-DATERANGEs that mark ads: SCTE-35 OUT
// attributes and Twitch's stitched-ad classes.
func adDateRange(attrs string) (dateRange, bool) {
	a := m3u8.DecodeAttributeList(attrs)
	isAd := a["CLASS"] == "twitch-stitched-ad" || strings.HasPrefix(a["ID"], "stitched-ad-") ||
		a["SCTE35-OUT"] != "" || a["CLASS"] == "com.apple.hls.interstitial"
	if !isAd {
		return dateRange{}, false
	}
	start, err := time.Parse(time.RFC3339Nano, a["START-DATE"])
	if err != nil {
		return dateRange{}, false
	}
	dr := dateRange{start: start.UTC()}
	if end, err := time.Parse(time.RFC3339Nano, a["END-DATE"]); err == nil {
		dr.end = end.UTC()
	} else if d, err := parseDecimal(a["DURATION"]); err == nil && d < maxSegmentDuration {
		dr.end = dr.start.Add(time.Duration(d * float64(time.Second)))
	} else if d, err := parseDecimal(a["PLANNED-DURATION"]); err == nil && d < maxSegmentDuration {
		dr.end = dr.start.Add(time.Duration(d * float64(time.Second)))
	}
	return dr, true
}

// ParseMaster parses a master playlist fetched from playlistURL. Like
// ParseMedia it never panics and is linear in time and memory.
func ParseMaster(body []byte, playlistURL string) (*MasterPlaylist, error) {
	return parseMaster(body, playlistURL, MaxPlaylistBytes)
}

func parseMaster(body []byte, playlistURL string, limit int) (*MasterPlaylist, error) {
	src := playlistURL
	base, ls, err := prepare(body, playlistURL, limit)
	if err != nil {
		return nil, err
	}
	fail := func(line int, format string, args ...any) (*MasterPlaylist, error) {
		return nil, &PlaylistError{URL: src, Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	res := resolver{base: base}
	mp := &MasterPlaylist{URL: playlistURL}
	var bandwidths []uint64
	// videoName maps a VIDEO group to the name of its DEFAULT rendition (or
	// its first): one name per group, so names cost linear memory however
	// many renditions and variants share a group.
	videoName := make(map[string]string)
	videoDefault := make(map[string]bool)
	renditions := 0
	kept := make([]string, 0, len(ls))
	for i, l := range ls {
		tag, val, _ := strings.Cut(l, ":")
		switch tag {
		case "#EXT-X-STREAM-INF":
			if len(bandwidths) >= maxVariants {
				return fail(i+1, "more than %d variants", maxVariants)
			}
			// grafov stores BANDWIDTH in a uint32 and wraps larger values.
			bw, err := strconv.ParseUint(m3u8.DecodeAttributeList(val)["BANDWIDTH"], 10, 64)
			if err != nil {
				return fail(i+1, "EXT-X-STREAM-INF without a valid BANDWIDTH")
			}
			bandwidths = append(bandwidths, bw)
			if i+1 >= len(ls) || strings.HasPrefix(ls[i+1], "#") {
				return fail(i+1, "EXT-X-STREAM-INF not followed by a URI")
			}
		case "#EXT-X-MEDIA":
			// Renditions are read here, not by grafov, which attaches each
			// to every variant of its group: quadratic memory on a hostile
			// master, and cubic time in its package-level decoder (#222).
			if renditions++; renditions > maxRenditions {
				return fail(i+1, "more than %d renditions", maxRenditions)
			}
			a := m3u8.DecodeAttributeList(val)
			r := Rendition{Type: a["TYPE"], GroupID: a["GROUP-ID"], Name: a["NAME"]}
			if r.Type == "VIDEO" && r.Name != "" {
				def := strings.EqualFold(a["DEFAULT"], "YES")
				if _, ok := videoName[r.GroupID]; !ok || def && !videoDefault[r.GroupID] {
					videoName[r.GroupID] = r.Name
					videoDefault[r.GroupID] = def
				}
			}
			if uri := a["URI"]; uri != "" {
				if r.URI, err = res.resolve(uri); err != nil {
					return fail(i+1, "rendition: %v", err)
				}
				mp.Renditions = append(mp.Renditions, r)
			}
			continue
		case "#EXTINF", "#EXT-X-TARGETDURATION", "#EXT-X-MEDIA-SEQUENCE":
			return fail(i+1, "media playlist tag in a master playlist")
		case "#EXT-X-DEFINE":
			return fail(i+1, "EXT-X-DEFINE is not supported")
		}
		kept = append(kept, l)
	}
	gm := m3u8.NewMasterPlaylist()
	norm := strings.Join(kept, "\n") + "\n"
	if err := decodeSafely(src, func() error { return gm.DecodeFrom(strings.NewReader(norm), true) }); err != nil {
		return nil, err
	}
	k := 0
	for _, gv := range gm.Variants {
		if gv == nil || gv.Iframe {
			continue
		}
		if k >= len(bandwidths) {
			return fail(0, "parser found more variants than the pre-scan")
		}
		u, err := res.resolve(gv.URI)
		if err != nil {
			return fail(0, "variant %d: %v", k+1, err)
		}
		mp.Variants = append(mp.Variants, Variant{
			URI: u, Bandwidth: bandwidths[k], Resolution: gv.Resolution, FrameRate: gv.FrameRate,
			Codecs: gv.Codecs, Name: gv.Name, Video: gv.Video, Audio: gv.Audio,
			Names: variantNames(gv, videoName[gv.Video]),
		})
		k++
	}
	if k != len(bandwidths) {
		return fail(0, "parser found %d variants, pre-scan %d", k, len(bandwidths))
	}
	if len(mp.Variants) == 0 {
		return fail(0, "no variants")
	}
	best := 0
	for i, v := range mp.Variants {
		if v.Bandwidth > mp.Variants[best].Bandwidth {
			best = i
		}
	}
	mp.Variants[best].Names = append(mp.Variants[best].Names, "source")
	return mp, nil
}

func variantNames(gv *m3u8.Variant, videoName string) []string {
	var names []string
	add := func(s string) {
		if s == "" {
			return
		}
		for _, n := range names {
			if n == s {
				return
			}
		}
		names = append(names, s)
	}
	add(gv.Name)
	add(videoName)
	add(gv.Video)
	if _, h, ok := strings.Cut(gv.Resolution, "x"); ok {
		if hv, err := strconv.Atoi(h); err == nil && hv > 0 && hv < 100000 {
			p := strconv.Itoa(hv) + "p"
			if gv.FrameRate > 30.5 && gv.FrameRate < 1000 {
				add(p + strconv.Itoa(int(math.Round(gv.FrameRate))))
			}
			add(p)
		}
	}
	return names
}

// Lookup returns the media playlist URL of the variant or rendition that
// answers to name: the highest-bandwidth variant with that name, else the
// first rendition with that NAME. Names compare case-insensitively.
func (m *MasterPlaylist) Lookup(name string) (string, bool) {
	best := -1
	for i, v := range m.Variants {
		for _, n := range v.Names {
			if strings.EqualFold(n, name) && (best < 0 || v.Bandwidth > m.Variants[best].Bandwidth) {
				best = i
			}
		}
	}
	if best >= 0 {
		return m.Variants[best].URI, true
	}
	for _, r := range m.Renditions {
		if strings.EqualFold(r.Name, name) || strings.EqualFold(r.GroupID, name) {
			return r.URI, true
		}
	}
	return "", false
}
