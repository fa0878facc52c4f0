package playlist

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/grafov/m3u8"

	"github.com/airkeep/airkeep/archive"
)

// Segment is one media segment of a playlist, with the playlist-level
// state in force for it (key, init section, byte range, date, epoch)
// already applied, as RFC 8216 says it applies.
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
// byte range. A recorder keys downloads by it, as wubloader keys them by
// URI, so a sequence reset cannot make it skip a new segment.
func (s Segment) ID() string { return rangeID(s.URI, s.Range) }

// Key is an EXT-X-KEY.
type Key struct {
	Method string // AES-128, SAMPLE-AES, …
	URI    string // absolute URI of the key
	// IV is the explicit initialisation vector; nil means the MSN as a
	// 128-bit big-endian number (RFC 8216 §5.2).
	IV        []byte
	KeyFormat string
}

// Map is an EXT-X-MAP: the init section to prepend to each segment.
type Map struct {
	URI   string
	Range *ByteRange
}

// ID returns what identifies the init section's bytes.
func (m *Map) ID() string { return rangeID(m.URI, m.Range) }

// ByteRange is a sub-range of a resource.
type ByteRange struct {
	Offset, Length int64
}

// Skew is a PDT tag that disagrees with the extrapolated date.
type Skew struct {
	MSN   uint64
	Delta time.Duration // tagged minus extrapolated
}

func rangeID(uri string, r *ByteRange) string {
	if r == nil {
		return uri
	}
	return uri + "#" + strconv.FormatInt(r.Offset, 10) + "+" + strconv.FormatInt(r.Length, 10)
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
