package playlist

import "time"

// MaxBytes is the default limit on a playlist body, as gohlslib's. A live
// playlist is a few kilobytes; the limits only stop a hostile or broken
// server.
const MaxBytes = 1 << 20

// DefaultSkewTolerance is how far an EXT-X-PROGRAM-DATE-TIME may differ from
// the time extrapolated from the previous segment before it counts as skew:
// wubloader's MAX_SEGMENT_TIME_SKEW, and its 10 ms gap tolerance.
const DefaultSkewTolerance = 10 * time.Millisecond

const (
	// maxRenditions and maxVariants bound a master playlist far above any
	// real one (Twitch offers 6 variants).
	maxRenditions = 4096
	maxVariants   = 4096
	// maxSegmentDuration bounds EXTINF and TARGETDURATION values, in
	// seconds.
	maxSegmentDuration = 24 * 3600.0
)

// Parser parses playlists under limits. The zero value uses the defaults.
// Parsing never panics and runs in time and memory linear in the size of
// the body.
type Parser struct {
	// MaxBytes bounds a playlist body; 0 means MaxBytes.
	MaxBytes int
	// SkewTolerance is how far a tagged program date-time may stray from
	// the one extrapolated before it is reported as a Skew; 0 means
	// DefaultSkewTolerance.
	SkewTolerance time.Duration
}

func (p Parser) maxBytes() int {
	if p.MaxBytes <= 0 {
		return MaxBytes
	}
	return p.MaxBytes
}

func (p Parser) skewTolerance() time.Duration {
	if p.SkewTolerance <= 0 {
		return DefaultSkewTolerance
	}
	return p.SkewTolerance
}

// ParseMedia parses a media playlist fetched from playlistURL (the final
// URL, after redirects) with the default limits.
func ParseMedia(body []byte, playlistURL string) (*Media, error) {
	return Parser{}.Media(body, playlistURL)
}

// ParseMaster parses a master playlist fetched from playlistURL with the
// default limits.
func ParseMaster(body []byte, playlistURL string) (*Master, error) {
	return Parser{}.Master(body, playlistURL)
}
