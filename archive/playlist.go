package archive

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Canned bandwidths of wubloader's master playlists, by variant name
// (hls.js needs a BANDWIDTH to tell renditions apart); any other name gets
// the 1080p value.
var cannedBandwidth = map[string]int{
	"1080p": 6846146,
	"720p":  2373000,
	"480p":  1427999,
	"360p":  630000,
	"160p":  230000,
}

func bandwidthOf(variant string) int {
	if b, ok := cannedBandwidth[variant]; ok {
		return b
	}
	return cannedBandwidth["1080p"]
}

// MasterPlaylist writes an HLS master playlist listing variants, each
// pointing at mediaURL(variant). It follows wubloader's shape (a VIDEO
// rendition group per variant, canned bandwidths) in valid RFC 8216.
func MasterPlaylist(variants []string, mediaURL func(variant string) string) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	for _, v := range variants {
		q := quoteAttr(v)
		b.WriteString("#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=" + q + ",NAME=" + q + ",AUTOSELECT=YES,DEFAULT=YES\n")
		b.WriteString("#EXT-X-STREAM-INF:VIDEO=" + q + ",NAME=" + q + ",BANDWIDTH=" + strconv.Itoa(bandwidthOf(v)) + "\n")
		b.WriteString(mediaURL(v) + "\n")
	}
	return []byte(b.String())
}

// quoteAttr writes a variant name as an RFC 8216 quoted-string (§4.2),
// which has no escapes and may not hold a double quote (names hold no CR or
// LF): a quote is written %22, so a variant named with one still gives a
// playlist that parses, where strconv.Quote's backslash escape would end
// the string early.
func quoteAttr(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "%22") + `"`
}

// MediaPlaylistOptions shape a media playlist.
type MediaPlaylistOptions struct {
	// SegmentURL returns the URI of a segment as the playlist writes it.
	// Nil means SegmentURI(seg, "../../segments/"), which is right for a
	// playlist served at /playlist/STREAM/VARIANT.m3u8 beside /segments/.
	SegmentURL func(seg Segment) string
	// Live marks an open-ended range: the playlist is an EVENT playlist
	// that clients reload, never ends, and is trimmed so that it only ever
	// grows (see LiveHoldback).
	Live bool
	// LiveHoldback is how much of a live playlist's newest end is withheld
	// while it contains a hole or a segment that is not full, since a
	// late segment may still fill the hole (or a full copy replace the
	// partial) and RFC 8216 forbids changing what a client has seen. 0
	// means 15 s, as wubloader does.
	LiveHoldback time.Duration
}

// SegmentURI returns prefix followed by the segment's path, each component
// escaped, colons included (MM:SS would otherwise read as a URI scheme).
func SegmentURI(seg Segment, prefix string) string {
	return string(appendSegmentURI(nil, seg, prefix))
}

// appendSegmentURI is SegmentURI without allocating: a 12-hour playlist
// writes 21,600 of them.
func appendSegmentURI(b []byte, seg Segment, prefix string) []byte {
	b = append(b, prefix...)
	b = appendEscaped(b, seg.Stream)
	b = append(b, '/')
	b = appendEscaped(b, seg.Variant)
	b = append(b, '/')
	b = appendHour(b, seg.Start)
	b = append(b, '/')
	// A name is ASCII from a small alphabet: only the colon needs escaping.
	start := len(b)
	b = seg.appendStem(b)
	b = append(b, ".ts"...)
	if i := indexByte(b[start:], ':'); i >= 0 {
		i += start
		b = append(b, 0, 0)
		copy(b[i+3:], b[i+1:])
		b[i], b[i+1], b[i+2] = '%', '3', 'A'
	}
	return b
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// appendEscaped appends a path component, escaped as url.PathEscape does
// and with colons escaped too.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' || c == '.' || c == '~' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			continue
		}
		return append(b, strings.ReplaceAll(url.PathEscape(s), ":", "%3A")...)
	}
	return append(b, s...)
}

// MediaPlaylist writes the timeline as an HLS media playlist: integer
// EXT-X-TARGETDURATION, EXT-X-PROGRAM-DATE-TIME on every segment,
// EXT-X-DISCONTINUITY at each hole, and EXT-X-ENDLIST when the range is
// complete. A leading hole is dropped, as wubloader does. It returns the
// playlist and whether it is complete.
func MediaPlaylist(tl Timeline, opts MediaPlaylistOptions) ([]byte, bool) {
	items := tl.Items
	for len(items) > 0 && items[0].Hole {
		items = items[1:]
	}
	if opts.Live {
		items = trimLive(items, orDuration(opts.LiveHoldback, 15*time.Second))
	}
	complete := !opts.Live && len(items) > 0 && !items[len(items)-1].Hole

	target := 1
	var num []byte
	for _, it := range items {
		if !it.Hole {
			// RFC 8216 §4.3.3.1: each EXTINF rounded to the nearest
			// integer must not exceed the target duration. Round what
			// is written (three decimals), not the name's duration: a
			// 2.4996 s segment is written 2.500, which rounds to 3.
			num = appendEXTINF(num[:0], it.Duration)
			if d := roundDecimal(num); d > target {
				target = d
			}
		}
	}
	b := make([]byte, 0, 160*len(items)+200)
	b = append(b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:"...)
	b = strconv.AppendInt(b, int64(target), 10)
	b = append(b, "\n#EXT-X-MEDIA-SEQUENCE:0\n"...)
	switch {
	case complete:
		b = append(b, "#EXT-X-PLAYLIST-TYPE:VOD\n"...)
	case opts.Live:
		b = append(b, "#EXT-X-PLAYLIST-TYPE:EVENT\n"...)
	}
	pendingDiscontinuity := false
	for _, it := range items {
		if it.Hole {
			pendingDiscontinuity = true
			continue
		}
		if pendingDiscontinuity {
			b = append(b, "#EXT-X-DISCONTINUITY\n"...)
			pendingDiscontinuity = false
		}
		b = append(b, "#EXT-X-PROGRAM-DATE-TIME:"...)
		b = it.Segment.Start.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, "\n#EXTINF:"...)
		b = appendEXTINF(b, it.Duration)
		b = append(b, ",\n"...)
		if opts.SegmentURL != nil {
			b = append(b, opts.SegmentURL(it.Segment)...)
		} else {
			b = appendSegmentURI(b, it.Segment, "../../segments/")
		}
		b = append(b, '\n')
	}
	if complete {
		b = append(b, "#EXT-X-ENDLIST\n"...)
	}
	return b, complete
}

// appendEXTINF appends a segment's duration as EXTINF writes it.
func appendEXTINF(b []byte, d Seconds) []byte {
	return strconv.AppendFloat(b, float64(d), 'f', 3, 64)
}

// roundDecimal rounds a non-negative decimal written as digits, a point and
// digits to the nearest integer, halves up, as RFC 8216 rounds EXTINF.
func roundDecimal(num []byte) int {
	n, i := 0, 0
	for ; i < len(num) && num[i] != '.'; i++ {
		n = n*10 + int(num[i]-'0')
	}
	if i+1 < len(num) && num[i+1] >= '5' {
		n++
	}
	return n
}

// trimLive cuts a live timeline before the first hole or non-full segment
// that reaches into the last holdback of its newest segment, so that what a
// client sees is never rewritten when the hole fills later.
func trimLive(items []Item, holdback time.Duration) []Item {
	var newest time.Time
	for i := len(items) - 1; i >= 0; i-- {
		if !items[i].Hole {
			newest = items[i].End
			break
		}
	}
	cutoff := newest.Add(-holdback)
	for i, it := range items {
		if !it.End.After(cutoff) {
			continue
		}
		if it.Hole {
			if i < len(items)-1 { // a trailing hole is the live edge itself
				return items[:i]
			}
		} else if it.Type != Full {
			return items[:i]
		}
	}
	return items
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
